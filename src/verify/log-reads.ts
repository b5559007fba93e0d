import type { EventType, LoggedEvent } from '../contract/event.js';
import type { SqlClient } from '../storage/postgres/sql-client.js';

/**
 * The reads verify makes, each one page with a LIMIT (keyset pagination): the embedded database runs
 * one statement at a time, so small pages let appends in between, and nothing read is unbounded.
 * The events table has block-range indexes on seq and ts and a b-tree on (tenant, appeal_id): every
 * statement here is bounded by one of them, never a scan of the whole log.
 */
export type Db = Pick<SqlClient, 'query'>;

/**
 * Every read verify makes, bound to a backend's databases: the SQL below for the PostgreSQL dialect
 * (PostgreSQL, the embedded store), storage/clickhouse/verify-reads.ts for ClickHouse.
 */
export interface VerifyReads {
  appealIdsInRange(q: Parameters<typeof appealIdsInRange>[1]): Promise<string[]>;
  appealEventsPage(q: Parameters<typeof appealEventsPage>[1]): Promise<LoggedEvent[]>;
  newEventsPage(q: Parameters<typeof newEventsPage>[1]): Promise<Array<{ seq: number; appealId: string }>>;
  latestInWindowPage(q: Parameters<typeof latestInWindowPage>[1]): Promise<Array<{ appealId: string; ts: number; openChannels: string[] | null }>>;
  eventsAt(q: Parameters<typeof eventsAt>[1]): Promise<Array<{ seq: number; appealId: string | null; ts: number }>>;
  hasDeadLetters(tenant: string): Promise<boolean>;
  deadLetteredAmong(q: Parameters<typeof deadLetteredAmong>[1]): Promise<number[]>;
  deadLettersPage(q: Parameters<typeof deadLettersPage>[1]): Promise<Array<{ id: number; appealId: string | null; ts: number }>>;
  /** Upkeep before a run (statistics for a planner that needs them); returns whether it did any. */
  refreshEventStatistics(position: number): Promise<boolean>;
}

/** The reads of this module on a log database and a store database (the same one on PostgreSQL). */
export function sqlVerifyReads(log: Db, store: Db): VerifyReads {
  return {
    appealIdsInRange: (q) => appealIdsInRange(log, q),
    appealEventsPage: (q) => appealEventsPage(log, q),
    newEventsPage: (q) => newEventsPage(log, q),
    latestInWindowPage: (q) => latestInWindowPage(log, q),
    eventsAt: (q) => eventsAt(log, q),
    hasDeadLetters: (tenant) => hasDeadLetters(store, tenant),
    deadLetteredAmong: (q) => deadLetteredAmong(store, q),
    deadLettersPage: (q) => deadLettersPage(store, q),
    refreshEventStatistics: (position) => refreshEventStatistics(log, position),
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
const TS_MS = `round(extract(epoch from ts) * 1000)::float8`;

/**
 * Appeals with an event in [from, to) logged at or before maxSeq (of this queue and this channel, when
 * given: the drill-down's, src/appeals/), in appeal id order after `after`.
 */
export async function appealIdsInRange(
  db: Db,
  q: { tenant: string; from: number; to: number; maxSeq: number; after: string | null; limit: number; queue?: string; channel?: string },
): Promise<string[]> {
  const rows = await db.query<{ appeal_id: string }>(
    `SELECT DISTINCT appeal_id FROM events
     WHERE tenant = $1 AND ts >= $2::timestamptz AND ts < $3::timestamptz AND seq <= $4
       AND appeal_id IS NOT NULL AND type <> 'OPERATOR_STATUS' AND ($5::text IS NULL OR appeal_id > $5)
       AND ($7::text IS NULL OR queue = $7) AND ($8::text IS NULL OR channel = $8)
     ORDER BY appeal_id LIMIT $6`,
    [q.tenant, iso(q.from), iso(q.to), q.maxSeq, q.after, q.limit, q.queue ?? null, q.channel ?? null],
  );
  return rows.map((r) => r.appeal_id);
}

/** One page of these appeals' events logged in (afterSeq, maxSeq], in seq order. */
export async function appealEventsPage(
  db: Db,
  q: { tenant: string; appealIds: string[]; maxSeq: number; afterSeq: number; limit: number },
): Promise<LoggedEvent[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT seq::float8 AS seq, id, type, ${TS_MS} AS ts, appeal_id, channel, queue, operator_id FROM events
     WHERE tenant = $1 AND appeal_id = ANY($2::text[]) AND seq > $3 AND seq <= $4
     ORDER BY seq LIMIT $5`,
    [q.tenant, q.appealIds, q.afterSeq, q.maxSeq, q.limit],
  );
  return rows.map((r) => storyEvent(q.tenant, r));
}

/** Events logged in (afterSeq, maxSeq] with event time before `before` (events that came in while verify ran). */
export async function newEventsPage(
  db: Db,
  q: { tenant: string; afterSeq: number; maxSeq: number; before: number; limit: number },
): Promise<Array<{ seq: number; appealId: string }>> {
  const rows = await db.query<{ seq: number; appeal_id: string }>(
    `SELECT seq::float8 AS seq, appeal_id FROM events
     WHERE tenant = $1 AND seq > $2 AND seq <= $3 AND ts < $4::timestamptz AND appeal_id IS NOT NULL
     ORDER BY seq LIMIT $5`,
    [q.tenant, q.afterSeq, q.maxSeq, iso(q.before), q.limit],
  );
  return rows.map((r) => ({ seq: Number(r.seq), appealId: r.appeal_id }));
}

/**
 * One page, in appeal id order after `after`, of the appeals with an event in [from, to) (of these
 * channels, or of any when null): per appeal the time of its latest event there, and the channels of
 * the events at that time that do not end a segment (null when all of them do).
 */
export async function latestInWindowPage(
  db: Db,
  q: { tenant: string; from: number; to: number; maxSeq: number; channels: string[] | null; after: string | null; limit: number },
): Promise<Array<{ appealId: string; ts: number; openChannels: string[] | null }>> {
  const rows = await db.query<{ appeal_id: string; ts: number; open_channels: string[] | null }>(
    `SELECT appeal_id, ${TS_MS} AS ts,
            array_agg(DISTINCT channel) FILTER (WHERE type NOT IN ('APPEAL_CLOSED', 'APPEAL_MISSED')) AS open_channels
     FROM (SELECT appeal_id, ts, type, channel, rank() OVER (PARTITION BY appeal_id ORDER BY ts DESC) AS r
           FROM events
           WHERE tenant = $1 AND ts >= $2::timestamptz AND ts < $3::timestamptz AND seq <= $4
             AND appeal_id IS NOT NULL AND type <> 'OPERATOR_STATUS'
             AND ($5::text[] IS NULL OR channel = ANY($5::text[])) AND ($6::text IS NULL OR appeal_id > $6)) x
     WHERE r = 1 GROUP BY appeal_id, ts ORDER BY appeal_id LIMIT $7`,
    [q.tenant, iso(q.from), iso(q.to), q.maxSeq, q.channels, q.after, q.limit],
  );
  return rows.map((r) => ({ appealId: r.appeal_id, ts: Number(r.ts), openChannels: r.open_channels }));
}

/** The appeal and time of logged events, by position (a handful: dead letters not yet committed). */
export async function eventsAt(db: Db, q: { tenant: string; seqs: number[] }): Promise<Array<{ seq: number; appealId: string | null; ts: number }>> {
  if (q.seqs.length === 0) return [];
  const rows = await db.query<{ seq: number; appeal_id: string | null; ts: number }>(
    // the range lets the block-range index on seq bound the scan
    `SELECT seq::float8 AS seq, appeal_id, ${TS_MS} AS ts FROM events
     WHERE tenant = $1 AND seq >= $2 AND seq <= $3 AND seq = ANY($4::bigint[])`,
    [q.tenant, Math.min(...q.seqs), Math.max(...q.seqs), q.seqs],
  );
  return rows.map((r) => ({ seq: Number(r.seq), appealId: r.appeal_id, ts: Number(r.ts) }));
}

/** Whether the tenant has any dead letter (most have none: the per-page dead-letter checks are then skipped). */
export async function hasDeadLetters(store: Db, tenant: string): Promise<boolean> {
  return (await store.query(`SELECT 1 FROM dead_letters WHERE tenant = $1 LIMIT 1`, [tenant])).length > 0;
}

/** Which of these log positions were dead-lettered. */
export async function deadLetteredAmong(store: Db, q: { tenant: string; seqs: number[] }): Promise<number[]> {
  if (q.seqs.length === 0) return [];
  const rows = await store.query<{ seq: number }>(
    `SELECT DISTINCT seq::float8 AS seq FROM dead_letters WHERE tenant = $1 AND seq = ANY($2::bigint[])`,
    [q.tenant, q.seqs],
  );
  return rows.map((r) => Number(r.seq));
}

/** One page of the tenant's dead letters of positions up to maxSeq, in id order: their appeal and event time. */
export async function deadLettersPage(
  store: Db,
  q: { tenant: string; maxSeq: number; afterId: number; limit: number },
): Promise<Array<{ id: number; appealId: string | null; ts: number }>> {
  const rows = await store.query<{ id: number; appeal_id: string | null; ts: number | null }>(
    `SELECT id::float8 AS id, payload->>'appealId' AS appeal_id, (payload->>'ts')::float8 AS ts FROM dead_letters
     WHERE tenant = $1 AND seq IS NOT NULL AND seq <= $2 AND id > $3 ORDER BY id LIMIT $4`,
    [q.tenant, q.maxSeq, q.afterId, q.limit],
  );
  return rows.map((r) => ({ id: Number(r.id), appealId: r.appeal_id, ts: Number(r.ts) }));
}

/**
 * Statistics for the planner, taken when the events table has grown to more than twice what they
 * describe. The embedded database has no autovacuum, so never analyzes by itself: without statistics
 * its planner takes a table of millions of events for a small one, and answers the reads above by
 * scanning all of it (measured: a page of stories 169 ms instead of 49 ms at 150k events, worse with
 * every event more). One ANALYZE samples a bounded number of rows.
 */
export async function refreshEventStatistics(log: Db, position: number): Promise<boolean> {
  const [row] = await log.query<{ reltuples: number }>(`SELECT reltuples::float8 AS reltuples FROM pg_class WHERE oid = 'events'::regclass`);
  if (row && Number(row.reltuples) * 2 >= position) return false;
  await log.query(`ANALYZE events`);
  return true;
}

/** A row of an appeal's story (seq, id, type, ts, appeal_id, channel, queue, operator_id) as an event; both dialects' reads use it. */
export function storyEvent(tenant: string, r: Record<string, unknown>): LoggedEvent {
  const e: LoggedEvent = { tenant, seq: Number(r.seq), id: r.id as string, type: r.type as EventType, ts: Number(r.ts) };
  if (r.appeal_id != null) e.appealId = r.appeal_id as string;
  if (r.channel != null) e.channel = r.channel as string;
  if (r.queue != null) e.queue = r.queue as string;
  if (r.operator_id != null) e.operatorId = r.operator_id as string;
  return e;
}
