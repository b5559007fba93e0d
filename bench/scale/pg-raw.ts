/**
 * The baselines the issue asks ccpulse to beat, on the same events, in the same run: a plain events table
 * in PostgreSQL, filled by INSERT … SELECT FROM unnest(…) ON CONFLICT (id) DO NOTHING on N connections
 * (what an idempotent ingest does at the least) and by COPY; and history computed the way report
 * builders on a raw table do it (Chatwoot-style): each appeal's waits and outcomes from its raw events,
 * then aggregated per group and bucket, in one SQL statement.
 */
import postgres from 'postgres';
import { sampleProc } from '../server.js';
import type { LineReader } from './dataset.js';

export type Sql = postgres.Sql;

const COLUMNS = ['id', 'type', 'ts', 'appeal_id', 'queue', 'channel', 'operator_id', 'status'] as const;
// Ids in the C collation: they are keys, not words, and sorting them by the locale's rules only slows the baseline down.
const TABLE = `(id text COLLATE "C" PRIMARY KEY, type text NOT NULL, ts timestamptz NOT NULL, appeal_id text COLLATE "C", queue text, channel text, operator_id text, status text)`;

export function connect(url: string, max = 4): Sql {
  return postgres(url, { max, onnotice: () => {}, idle_timeout: 0, connect_timeout: 30 });
}

export function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export async function createDatabase(adminUrl: string, db: string): Promise<void> {
  const sql = connect(adminUrl, 1);
  try {
    await sql.unsafe(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await sql.unsafe(`CREATE DATABASE ${db}`);
  } finally {
    await sql.end();
  }
}

export async function dropDatabase(adminUrl: string, db: string): Promise<void> {
  const sql = connect(adminUrl, 1);
  try {
    await sql.unsafe(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  } finally {
    await sql.end();
  }
}

export async function serverVersion(url: string): Promise<string> {
  const sql = connect(url, 1);
  try {
    return (await sql`SHOW server_version`)[0].server_version as string;
  } finally {
    await sql.end();
  }
}

/** CPU seconds of PostgreSQL backends (their /proc counters; the server runs on this machine). */
export function backendsCpuSec(pids: number[]): number {
  return pids.reduce((n, pid) => n + (sampleProc(pid)?.cpuSec ?? 0), 0);
}

/** Backend pids connected to a database (ccpulse's own connections in PostgreSQL mode). */
export async function backendPidsOf(sql: Sql, db: string): Promise<number[]> {
  return (await sql`SELECT pid FROM pg_stat_activity WHERE datname = ${db} AND pid <> pg_backend_pid()`).map((r) => Number(r.pid));
}

type Row = [string, string, string, string | null, string | null, string | null, string | null, string | null];

function toRow(line: string): Row {
  const e = JSON.parse(line) as { id: string; type: string; ts: number; appealId?: string; queue?: string; channel?: string; operatorId?: string; status?: string };
  return [e.id, e.type, new Date(e.ts).toISOString(), e.appealId ?? null, e.queue ?? null, e.channel ?? null, e.operatorId ?? null, e.status ?? null];
}

export interface RawLoadResult {
  events: number;
  seconds: number;
  eventsPerSec: number;
  /** CPU of the PostgreSQL backends that did the work, per event. */
  backendCpuUsPerEvent: number;
}

/** INSERT with a unique key, N connections each posting the next batch: the idempotent-ingest floor. */
export async function insertUnnest(url: string, reader: LineReader, clients: number, batch: number): Promise<RawLoadResult> {
  const sql = connect(url, clients);
  try {
    await sql.unsafe(`CREATE TABLE ins_events ${TABLE}`);
    const conns = await Promise.all(Array.from({ length: clients }, () => sql.reserve()));
    const pids = await Promise.all(conns.map(async (c) => Number((await c`SELECT pg_backend_pid() AS p`)[0].p)));
    const cpu0 = backendsCpuSec(pids);
    const t0 = performance.now();
    let events = 0;
    const q = `INSERT INTO ins_events SELECT * FROM unnest(${COLUMNS.map((_, i) => `$${i + 1}::${i === 2 ? 'timestamptz' : 'text'}[]`).join(', ')}) ON CONFLICT (id) DO NOTHING`;
    await Promise.all(
      conns.map(async (c) => {
        for (;;) {
          const lines = reader.next(batch);
          if (!lines.length) return;
          const cols: Array<Array<string | null>> = COLUMNS.map(() => []);
          for (const l of lines) toRow(l).forEach((v, i) => cols[i].push(v));
          await c.unsafe(q, cols as never);
          events += lines.length;
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = backendsCpuSec(pids) - cpu0;
    conns.forEach((c) => c.release());
    await sql.unsafe('DROP TABLE ins_events');
    return { events, seconds, eventsPerSec: Math.round(events / seconds), backendCpuUsPerEvent: (cpu * 1e6) / events };
  } finally {
    await sql.end();
  }
}

const copyField = (v: string | null) => (v === null ? '\\N' : v.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!));

/** COPY of the whole data set into copy_events (no key): the bulk-load ceiling; kept as the source of the query table. */
export async function copyAll(url: string, reader: LineReader): Promise<RawLoadResult> {
  const sql = connect(url, 1);
  try {
    await sql.unsafe(`CREATE TABLE copy_events ${TABLE.replace(' PRIMARY KEY', '')}`);
    const pid = Number((await sql`SELECT pg_backend_pid() AS p`)[0].p);
    const cpu0 = backendsCpuSec([pid]);
    const t0 = performance.now();
    const w = await sql`COPY copy_events FROM STDIN`.writable();
    let events = 0;
    for (;;) {
      const lines = reader.next(5_000);
      if (!lines.length) break;
      const text = lines.map((l) => toRow(l).map(copyField).join('\t')).join('\n') + '\n';
      events += lines.length;
      if (!w.write(text)) await new Promise((ok) => w.once('drain', ok));
    }
    await new Promise<void>((ok, fail) => w.end((err?: Error | null) => (err ? fail(err) : ok())));
    // end() resolves when the data is flushed to the socket; the COPY's completion is the next query's start.
    await sql`SELECT 1`;
    const seconds = (performance.now() - t0) / 1000;
    const cpu = backendsCpuSec([pid]) - cpu0;
    return { events, seconds, eventsPerSec: Math.round(events / seconds), backendCpuUsPerEvent: (cpu * 1e6) / events };
  } finally {
    await sql.end();
  }
}

/** The table the raw-scan queries read, indexed as such a report needs (by time, by appeal). */
export async function createQueryTable(sql: Sql): Promise<void> {
  await sql.unsafe(`CREATE TABLE events ${TABLE}`);
  await sql.unsafe('CREATE INDEX events_ts ON events (ts)');
  await sql.unsafe('CREATE INDEX events_appeal ON events (appeal_id, ts)');
}

/** Appends the events of [fromMs, toMs) (toMs may be Infinity) from copy_events, so the query table grows slice by slice with ccpulse's. */
export async function appendToQueryTable(sql: Sql, fromMs: number, toMs: number): Promise<number> {
  const r = Number.isFinite(toMs)
    ? await sql`INSERT INTO events SELECT * FROM copy_events WHERE ts >= ${new Date(fromMs)} AND ts < ${new Date(toMs)}`
    : await sql`INSERT INTO events SELECT * FROM copy_events WHERE ts >= ${new Date(fromMs)}`;
  await sql.unsafe('ANALYZE events');
  return r.count;
}

export interface QueryShape {
  groupBy: Array<'queue' | 'channel' | 'operator'>;
  /** A PostgreSQL interval ('1 minute', '1 hour'), or none for one row per group. */
  interval?: string;
}

/**
 * The raw-scan history query: the appeals with an event in the range, all of their events (a wait that
 * ends in the range may start before it), one row per segment with its queue time, first appointment,
 * close and abandon, then offered / AA / HA / missed / AWT / AHT / SL / abandon % / wait percentiles /
 * longest wait per group and bucket (the definitions of the README, without QA and repairs).
 */
export function rawMetricsSql(shape: QueryShape): string {
  const groups = shape.groupBy.map((g) => `"${g}"`);
  const cols = [...groups, ...(shape.interval ? [`date_bin('${shape.interval}', t, $1) AS bucket`] : [])];
  const keys = [...groups, ...(shape.interval ? ['bucket'] : [])];
  const byOperator = shape.groupBy.includes('operator');
  return `
WITH touched AS (
  SELECT DISTINCT appeal_id FROM events WHERE ts >= $1 AND ts < $2 AND appeal_id IS NOT NULL
), ev AS (
  SELECT e.appeal_id, e.type, e.ts, e.queue, e.channel, e.operator_id,
    count(*) FILTER (WHERE e.type IN ('APPEAL_NEW', 'APPEAL_RETURNED')) OVER (PARTITION BY e.appeal_id ORDER BY e.ts, e.id) AS seg
  FROM events e JOIN touched USING (appeal_id)
), seg AS (
  SELECT (array_agg(queue ORDER BY ts))[1] AS queue, (array_agg(channel ORDER BY ts))[1] AS channel,
    (array_agg(operator_id ORDER BY ts) FILTER (WHERE type = 'APPEAL_APPOINTED'))[1] AS operator,
    coalesce(min(ts) FILTER (WHERE type = 'APPEAL_SENT_DISTRIBUTION'), min(ts) FILTER (WHERE type IN ('APPEAL_NEW', 'APPEAL_RETURNED'))) AS queued,
    min(ts) FILTER (WHERE type = 'APPEAL_APPOINTED') AS appointed,
    min(ts) FILTER (WHERE type = 'APPEAL_CLOSED') AS closed,
    min(ts) FILTER (WHERE type = 'APPEAL_MISSED') AS missed
  FROM ev GROUP BY appeal_id, seg
), facts AS (
  SELECT s.queue, s.channel, s.operator, f.k, f.t, f.v
  FROM seg s CROSS JOIN LATERAL (VALUES
    ('o', s.queued, NULL::float8),
    ('a', CASE WHEN s.missed IS NULL THEN s.appointed END, extract(epoch FROM s.appointed - s.queued)::float8),
    ('h', CASE WHEN s.missed IS NULL THEN s.closed END, extract(epoch FROM s.closed - s.appointed)::float8),
    ('m', s.missed, extract(epoch FROM s.missed - s.queued)::float8)
  ) AS f(k, t, v)
  WHERE f.t >= $1 AND f.t < $2
)
SELECT ${cols.join(', ')},
  count(*) FILTER (WHERE k = 'o') AS offered,
  count(*) FILTER (WHERE k = 'a') AS aa,
  count(*) FILTER (WHERE k = 'h') AS ha,
  count(*) FILTER (WHERE k = 'm') AS missed,
  avg(v) FILTER (WHERE k = 'a') AS awt_sec,
  avg(v) FILTER (WHERE k = 'h') AS aht_sec,
  100.0 * count(*) FILTER (WHERE k = 'a' AND v <= 20) / nullif(count(*) FILTER (WHERE k = 'a') + count(*) FILTER (WHERE k = 'm' AND v > 5), 0) AS sl_pct,
  100.0 * count(*) FILTER (WHERE k = 'm') / nullif(count(*) FILTER (WHERE k IN ('a', 'm')), 0) AS abandon_pct,
  percentile_cont(ARRAY[0.5, 0.9, 0.95]) WITHIN GROUP (ORDER BY v) FILTER (WHERE k = 'a') AS wait_p,
  max(v) FILTER (WHERE k IN ('a', 'm')) AS longest_wait_sec
FROM facts${byOperator ? ' WHERE operator IS NOT NULL' : ''}
GROUP BY ${keys.join(', ')}
ORDER BY ${keys.join(', ')}`;
}

export async function rawMetrics(sql: Sql, shape: QueryShape, fromMs: number, toMs: number): Promise<Array<Record<string, unknown>>> {
  return sql.unsafe(rawMetricsSql(shape), [new Date(fromMs).toISOString(), new Date(toMs).toISOString()]);
}
