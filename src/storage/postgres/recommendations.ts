import type { Campaign, RecommendationChange, RecommendationQuery, StoredRecommendation } from '../storage.js';
import { toMs } from './rollups.js';
import type { SqlClient } from './sql-client.js';
import { writeOutbox } from './notify.js';

/**
 * Recommendations and alerts in a Postgres-dialect store (migration 009). Each batch of lifecycle
 * changes is one transaction: the items' rows replaced by their latest state, the transitions appended.
 * Rows travel as one JSON parameter, so a batch is two statements however many items it holds.
 */
export async function saveRecommendations(db: SqlClient, changes: readonly RecommendationChange[]): Promise<void> {
  if (changes.length === 0) return;
  // the last state of each item in the batch wins (an item may open and be acknowledged in one batch)
  const latest = new Map<number, StoredRecommendation>();
  for (const c of changes) latest.set(c.item.num, c.item);
  const items = [...latest.values()].map((i) => ({
    num: i.num,
    tenant: i.tenant,
    key: i.key,
    kind: i.kind,
    state: i.state,
    severity: i.severity,
    reason: i.reason,
    data: i.data,
    opened_at: iso(i.openedAt),
    updated_at: iso(i.updatedAt),
    acknowledged_at: i.acknowledgedAt === undefined ? null : iso(i.acknowledgedAt),
    acknowledged_by: i.acknowledgedBy ?? null,
    resolved_at: i.resolvedAt === undefined ? null : iso(i.resolvedAt),
  }));
  const transitions = changes.map((c) => ({ num: c.item.num, tenant: c.item.tenant, from_state: c.from, to_state: c.to, at: iso(c.at) }));
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO recommendations (num, tenant, key, kind, state, severity, reason, data, opened_at, updated_at, acknowledged_at, acknowledged_by, resolved_at)
       SELECT num, tenant, key, kind, state, severity, reason, data, opened_at, updated_at, acknowledged_at, acknowledged_by, resolved_at
       FROM json_to_recordset($1::text::json) AS x(num bigint, tenant text, key text, kind text, state text, severity text, reason text, data jsonb,
         opened_at timestamptz, updated_at timestamptz, acknowledged_at timestamptz, acknowledged_by text, resolved_at timestamptz)
       ON CONFLICT (num) DO UPDATE SET state = excluded.state, severity = excluded.severity, reason = excluded.reason, data = excluded.data,
         updated_at = excluded.updated_at, acknowledged_at = excluded.acknowledged_at, acknowledged_by = excluded.acknowledged_by, resolved_at = excluded.resolved_at`,
      [JSON.stringify(items)],
    );
    await tx.query(
      `INSERT INTO recommendation_transitions (num, tenant, from_state, to_state, at)
       SELECT num, tenant, from_state, to_state, at FROM json_to_recordset($1::text::json) AS x(num bigint, tenant text, from_state text, to_state text, at timestamptz)`,
      [JSON.stringify(transitions)],
    );
    // the notifier's outbox, in the same transaction: a change stored is a change it will see
    await writeOutbox(tx, changes);
  });
}

export const RECOMMENDATION_COLUMNS = `num::float8 AS num, tenant, key, kind, state, severity, reason, data, ${toMs('opened_at')} AS opened_at, ${toMs('updated_at')} AS updated_at,
  ${toMs('acknowledged_at')} AS acknowledged_at, acknowledged_by, ${toMs('resolved_at')} AS resolved_at`;

export async function listRecommendations(db: SqlClient, q: RecommendationQuery): Promise<StoredRecommendation[]> {
  const rows = q.open
    ? await db.query(`SELECT ${RECOMMENDATION_COLUMNS} FROM recommendations WHERE tenant = $1 AND state <> 'resolved' ORDER BY num DESC LIMIT $2`, [q.tenant, q.limit])
    : await db.query(
        // lifetime [opened_at, resolved_at or now) overlaps [from, to)
        `SELECT ${RECOMMENDATION_COLUMNS} FROM recommendations
         WHERE tenant = $1 AND opened_at < $3::timestamptz AND (resolved_at IS NULL OR resolved_at >= $2::timestamptz)
         ORDER BY opened_at DESC, num DESC LIMIT $4`,
        [q.tenant, iso(q.from), iso(q.to), q.limit],
      );
  return rows.map(toStored);
}

export async function lastRecommendationNumber(db: SqlClient): Promise<number> {
  const [row] = await db.query<{ n: number | null }>(`SELECT max(num)::float8 AS n FROM recommendations`);
  return Number(row?.n ?? 0);
}

const iso = (ms: number) => new Date(ms).toISOString();

export function toStored(r: Record<string, unknown>): StoredRecommendation {
  const item: StoredRecommendation = {
    tenant: r.tenant as string,
    num: Number(r.num),
    key: r.key as string,
    kind: r.kind as string,
    state: r.state as StoredRecommendation['state'],
    severity: r.severity as StoredRecommendation['severity'],
    reason: r.reason as string,
    data: (typeof r.data === 'string' ? JSON.parse(r.data) : r.data) as Record<string, unknown>,
    openedAt: Number(r.opened_at),
    updatedAt: Number(r.updated_at),
  };
  if (r.acknowledged_at != null) item.acknowledgedAt = Number(r.acknowledged_at);
  if (r.acknowledged_by != null) item.acknowledgedBy = r.acknowledged_by as string;
  if (r.resolved_at != null) item.resolvedAt = Number(r.resolved_at);
  return item;
}

export async function putCampaign(db: SqlClient, c: Campaign): Promise<void> {
  await db.query(
    `INSERT INTO campaigns (tenant, id, queue, list_size, deadline, drop_cap_pct, answer_rate, registered_at)
     VALUES ($1, $2, $3, $4, $5::timestamptz, $6, $7, $8::timestamptz)
     ON CONFLICT (tenant, id) DO UPDATE SET queue = excluded.queue, list_size = excluded.list_size, deadline = excluded.deadline,
       drop_cap_pct = excluded.drop_cap_pct, answer_rate = excluded.answer_rate, registered_at = excluded.registered_at`,
    [c.tenant, c.id, c.queue ?? null, c.listSize, iso(c.deadline), c.dropCapPct, c.answerRate ?? null, iso(c.registeredAt)],
  );
}

export async function listCampaigns(db: SqlClient, tenant: string): Promise<Campaign[]> {
  const rows = await db.query(
    `SELECT tenant, id, queue, list_size, ${toMs('deadline')} AS deadline, drop_cap_pct::float8 AS drop_cap_pct, answer_rate::float8 AS answer_rate, ${toMs('registered_at')} AS registered_at
     FROM campaigns WHERE tenant = $1 ORDER BY id`,
    [tenant],
  );
  return rows.map((r) => {
    const c: Campaign = { tenant: r.tenant as string, id: r.id as string, listSize: Number(r.list_size), deadline: Number(r.deadline), dropCapPct: Math.round(Number(r.drop_cap_pct) * 1000) / 1000, registeredAt: Number(r.registered_at) };
    if (r.queue != null) c.queue = r.queue as string;
    if (r.answer_rate != null) c.answerRate = Math.round(Number(r.answer_rate) * 1e6) / 1e6;
    return c;
  });
}
