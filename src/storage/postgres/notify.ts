import type { Delivery, DeliveryState, OutboxEntry, RecommendationChange, StoredDestination } from '../storage.js';
import { toMs } from './rollups.js';
import type { SqlClient } from './sql-client.js';

/**
 * Notifications in a Postgres-dialect store (migration 022): destinations, the outbox, how far it is
 * routed, and deliveries. Rows travel as one JSON parameter, as elsewhere in this backend.
 */

const iso = (ms: number) => new Date(ms).toISOString();
type Query = Pick<SqlClient, 'query'>;

/** The outbox rows of a batch of changes: written by saveRecommendations in its transaction. */
export async function writeOutbox(tx: SqlClient, changes: readonly RecommendationChange[]): Promise<void> {
  const rows = changes.map((c) => ({ tenant: c.item.tenant, num: c.item.num, from_state: c.from, to_state: c.to, at: iso(c.at), item: JSON.stringify(c.item) }));
  await tx.query(
    `INSERT INTO notify_outbox (tenant, num, from_state, to_state, at, item)
     SELECT tenant, num, from_state, to_state, at, item
     FROM json_to_recordset($1::text::json) AS x(tenant text, num bigint, from_state text, to_state text, at timestamptz, item text)`,
    [JSON.stringify(rows)],
  );
}

export async function putDestination(db: SqlClient, d: StoredDestination): Promise<void> {
  await db.query(
    `INSERT INTO notify_destinations (tenant, id, doc, updated_at) VALUES ($1, $2, $3, $4::timestamptz)
     ON CONFLICT (tenant, id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at`,
    [d.tenant, d.id, d.doc, iso(d.updatedAt)],
  );
}

export async function deleteDestination(db: SqlClient, tenant: string, id: string): Promise<boolean> {
  const rows = await db.query(`DELETE FROM notify_destinations WHERE tenant = $1 AND id = $2 RETURNING id`, [tenant, id]);
  return rows.length > 0;
}

export async function listDestinations(db: Query, tenant?: string): Promise<StoredDestination[]> {
  const rows = await db.query<{ tenant: string; id: string; doc: string; updated_at: number }>(
    `SELECT tenant, id, doc, ${toMs('updated_at')} AS updated_at FROM notify_destinations WHERE $1::text IS NULL OR tenant = $1 ORDER BY tenant, id`,
    [tenant ?? null],
  );
  return rows.map((r) => ({ tenant: r.tenant, id: r.id, doc: r.doc, updatedAt: Number(r.updated_at) }));
}

export async function readOutbox(db: SqlClient, afterId: number, limit: number): Promise<OutboxEntry[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT id::float8 AS id, tenant, num::float8 AS num, from_state, to_state, ${toMs('at')} AS at, item FROM notify_outbox WHERE id > $1 ORDER BY id LIMIT $2`,
    [afterId, limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    tenant: r.tenant as string,
    num: Number(r.num),
    from: (r.from_state as OutboxEntry['from']) ?? null,
    to: r.to_state as OutboxEntry['to'],
    at: Number(r.at),
    item: JSON.parse(r.item as string),
  }));
}

export async function outboxRouted(db: SqlClient): Promise<number> {
  const [r] = await db.query<{ up_to: number }>(`SELECT up_to::float8 AS up_to FROM notify_routed`);
  return r ? Number(r.up_to) : 0;
}

const deliveryRow = (d: Delivery) => ({
  key: d.key,
  tenant: d.tenant,
  destination: d.destination,
  num: d.num,
  event: d.event,
  state: d.state,
  attempts: d.attempts,
  next_at: iso(d.nextAt),
  last_error: d.lastError,
  created_at: iso(d.createdAt),
  sent_at: d.sentAt === null ? null : iso(d.sentAt),
  message: d.message,
});
const DELIVERY_RECORD = `key text, tenant text, destination text, num bigint, event text, state text, attempts integer, next_at timestamptz,
  last_error text, created_at timestamptz, sent_at timestamptz, message text`;

/** Deliveries in one statement; a key already there stays as it is. */
export async function insertDeliveries(db: Query, deliveries: readonly Delivery[]): Promise<void> {
  if (!deliveries.length) return;
  await db.query(
    `INSERT INTO notify_deliveries (key, tenant, destination, num, event, state, attempts, next_at, last_error, created_at, sent_at, message)
     SELECT key, tenant, destination, num, event, state, attempts, next_at, last_error, created_at, sent_at, message
     FROM json_to_recordset($1::text::json) AS x(${DELIVERY_RECORD})
     ON CONFLICT (key) DO NOTHING`,
    [JSON.stringify(deliveries.map(deliveryRow))],
  );
}

/** Destinations in one statement (ccpulse migrate's copy, all or none). */
export async function insertDestinations(db: Query, rows: readonly StoredDestination[]): Promise<void> {
  if (!rows.length) return;
  await db.query(
    `INSERT INTO notify_destinations (tenant, id, doc, updated_at)
     SELECT tenant, id, doc, updated_at FROM json_to_recordset($1::text::json) AS x(tenant text, id text, doc text, updated_at timestamptz)`,
    [JSON.stringify(rows.map((d) => ({ tenant: d.tenant, id: d.id, doc: d.doc, updated_at: iso(d.updatedAt) })))],
  );
}

export async function addDeliveries(db: SqlClient, deliveries: readonly Delivery[], routedUpTo?: number): Promise<void> {
  await db.transaction(async (tx) => {
    await insertDeliveries(tx, deliveries);
    if (routedUpTo !== undefined) {
      await tx.query(`INSERT INTO notify_routed (one, up_to) VALUES (true, $1) ON CONFLICT (one) DO UPDATE SET up_to = GREATEST(notify_routed.up_to, excluded.up_to)`, [routedUpTo]);
    }
  });
}

export async function updateDelivery(db: SqlClient, d: Delivery): Promise<void> {
  await db.query(
    `UPDATE notify_deliveries SET state = $2, attempts = $3, next_at = $4::timestamptz, last_error = $5, sent_at = $6::timestamptz WHERE key = $1`,
    [d.key, d.state, d.attempts, iso(d.nextAt), d.lastError, d.sentAt === null ? null : iso(d.sentAt)],
  );
}

const DELIVERY_COLUMNS = `key, tenant, destination, num::float8 AS num, event, state, attempts, ${toMs('next_at')} AS next_at, last_error,
  ${toMs('created_at')} AS created_at, ${toMs('sent_at')} AS sent_at, message`;

const deliveryOf = (r: Record<string, unknown>): Delivery => ({
  key: r.key as string,
  tenant: r.tenant as string,
  destination: r.destination as string,
  num: Number(r.num),
  event: r.event as string,
  state: r.state as DeliveryState,
  attempts: Number(r.attempts),
  nextAt: Number(r.next_at),
  lastError: (r.last_error as string | null) ?? null,
  createdAt: Number(r.created_at),
  sentAt: r.sent_at === null || r.sent_at === undefined ? null : Number(r.sent_at),
  message: r.message as string,
});

export async function dueDeliveries(db: SqlClient, now: number, limit: number): Promise<Delivery[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT ${DELIVERY_COLUMNS} FROM notify_deliveries WHERE state = 'pending' AND next_at <= $1::timestamptz ORDER BY next_at, key LIMIT $2`,
    [iso(now), limit],
  );
  return rows.map(deliveryOf);
}

export async function listDeliveries(db: SqlClient, q: { tenant: string; state?: DeliveryState; limit: number }): Promise<Delivery[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT ${DELIVERY_COLUMNS} FROM notify_deliveries WHERE tenant = $1 AND ($2::text IS NULL OR state = $2) ORDER BY created_at DESC, key LIMIT $3`,
    [q.tenant, q.state ?? null, q.limit],
  );
  return rows.map(deliveryOf);
}

export async function getDelivery(db: SqlClient, tenant: string, key: string): Promise<Delivery | null> {
  const [r] = await db.query<Record<string, unknown>>(`SELECT ${DELIVERY_COLUMNS} FROM notify_deliveries WHERE tenant = $1 AND key = $2`, [tenant, key]);
  return r ? deliveryOf(r) : null;
}

/** Every delivery of every tenant, by key (ccpulse migrate). */
export async function allDeliveries(db: Query): Promise<Delivery[]> {
  const rows = await db.query<Record<string, unknown>>(`SELECT ${DELIVERY_COLUMNS} FROM notify_deliveries ORDER BY key`);
  return rows.map(deliveryOf);
}
