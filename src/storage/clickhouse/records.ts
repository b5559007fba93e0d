import type { Campaign, DeadLetter, RecommendationChange, RecommendationQuery, StoredRecommendation } from '../storage.js';
import type { ChClient } from './client.js';
import { join, raw, sql, type Sql } from './sql.js';

/**
 * Dead letters, recommendations and campaigns on ClickHouse (migrations 002, 003): rows replaced by
 * writing them again with a higher version, read with argMax per key, exact before and after merges.
 */

/** Versions that only grow, across calls in one process and (by the clock) across restarts. */
let lastVersion = 0;
export function nextVersion(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now() * 1000);
  return lastVersion;
}

/** "Not resolved" as a time, so that `resolved_at >= from` holds for an open item (argMax skips NULLs). */
const NEVER = 8.64e15;

/** A dead letter's fields never change but `replayed_at` (a replay writes the row again, with it set). */
const DL_FIELDS = 'id, tenant, has_event_id, event_id, seq, step, reason, payload, created_at';
const dlLatest = (where: Sql) => sql`SELECT ${raw(DL_FIELDS)}, max(replayed_at) AS replayed FROM dead_letters WHERE ${where} GROUP BY ${raw(DL_FIELDS)}`;

export async function listDeadLetters(db: ChClient, q: { tenant?: string; limit: number; afterId?: number; notReplayed?: boolean }): Promise<DeadLetter[]> {
  const where = [sql`id > ${q.afterId ?? 0}`];
  if (q.tenant !== undefined) where.push(sql`tenant = ${q.tenant}`);
  const rows = await db.rows(sql`SELECT * FROM (${dlLatest(join(where, ' AND '))}) ${q.notReplayed ? sql`WHERE replayed = 0` : sql``} ORDER BY id LIMIT ${q.limit}`);
  return rows.map(toDeadLetter);
}

export async function getDeadLetter(db: ChClient, id: number): Promise<DeadLetter | null> {
  const [row] = await db.rows(dlLatest(sql`id = ${id}`));
  return row ? toDeadLetter(row) : null;
}

export async function deadLetteredSeqs(db: ChClient, seqs: number[]): Promise<number[]> {
  if (seqs.length === 0) return [];
  const rows = await db.rows<{ seq: string }>(sql`SELECT DISTINCT seq FROM dead_letters WHERE seq IN (${join(seqs.map((s) => sql`${s}`), ', ')})`);
  return rows.map((r) => Number(r.seq));
}

export async function markDeadLettersReplayed(db: ChClient, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  const now = Date.now();
  const current = await db.rows(dlLatest(sql`id IN (${join(ids.map((i) => sql`${i}`), ', ')})`));
  await db.insert('dead_letters', current.map(({ replayed: _, ...r }) => ({ ...r, version: nextVersion(), replayed_at: now })));
}

function toDeadLetter(r: Record<string, unknown>): DeadLetter {
  return {
    id: Number(r.id),
    tenant: r.tenant as string,
    eventId: Number(r.has_event_id) ? (r.event_id as string) : null,
    seq: Number(r.seq) < 0 ? null : Number(r.seq),
    step: r.step as string,
    reason: r.reason as string,
    payload: JSON.parse(r.payload as string),
    createdAt: Number(r.created_at),
    replayedAt: Number(r.replayed) ? Number(r.replayed) : null,
  };
}

export async function saveRecommendations(db: ChClient, changes: readonly RecommendationChange[]): Promise<void> {
  if (changes.length === 0) return;
  const latest = new Map<number, StoredRecommendation>();
  for (const c of changes) latest.set(c.item.num, c.item);
  // transitions first: an item's row is what readers see, and it must not show a state whose
  // transition is missing; a transition written twice (a retry) is harmless history
  await db.insert('recommendation_transitions', changes.map((c) => ({ tenant: c.item.tenant, num: c.item.num, from_state: c.from ?? '', to_state: c.to, at: c.at })));
  await db.insert(
    'recommendations',
    [...latest.values()].map((i) => ({ tenant: i.tenant, num: i.num, version: nextVersion(), state: i.state, opened_at: i.openedAt, resolved_at: i.resolvedAt ?? NEVER, item: JSON.stringify(i) })),
  );
}

export async function listRecommendations(db: ChClient, q: RecommendationQuery): Promise<StoredRecommendation[]> {
  // (aliases differ from the columns: in ClickHouse an alias stands for its column everywhere in the query)
  const latest = sql`SELECT num, argMax(item, version) AS last_item, argMax(state, version) AS last_state, argMax(opened_at, version) AS opened,
    argMax(resolved_at, version) AS resolved FROM recommendations WHERE tenant = ${q.tenant} GROUP BY num`;
  const rows = q.open
    ? await db.rows<{ item: string }>(sql`SELECT last_item AS item FROM (${latest}) WHERE last_state != 'resolved' ORDER BY num DESC LIMIT ${q.limit}`)
    : await db.rows<{ item: string }>(
        sql`SELECT last_item AS item FROM (${latest}) WHERE opened < ${q.to} AND resolved >= ${q.from} ORDER BY opened DESC, num DESC LIMIT ${q.limit}`,
      );
  return rows.map((r) => JSON.parse(r.item) as StoredRecommendation);
}

export async function lastRecommendationNumber(db: ChClient): Promise<number> {
  const [r] = await db.rows<{ n: string }>(sql`SELECT max(num) AS n FROM recommendations`);
  return Number(r?.n ?? 0);
}

export async function putCampaign(db: ChClient, c: Campaign): Promise<void> {
  const stored: Campaign = { tenant: c.tenant, id: c.id, listSize: c.listSize, deadline: c.deadline, dropCapPct: c.dropCapPct, registeredAt: c.registeredAt };
  if (c.queue !== undefined) stored.queue = c.queue;
  if (c.answerRate !== undefined) stored.answerRate = c.answerRate;
  await db.insert('campaigns', [{ tenant: c.tenant, id: c.id, version: nextVersion(), campaign: JSON.stringify(stored) }]);
}

export async function listCampaigns(db: ChClient, tenant: string): Promise<Campaign[]> {
  const rows = await db.rows<{ latest: string }>(sql`SELECT id, argMax(campaign, version) AS latest FROM campaigns WHERE tenant = ${tenant} GROUP BY id ORDER BY id`);
  return rows.map((r) => JSON.parse(r.latest) as Campaign);
}
