import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { MIGRATIONS } from './migrations/index.js';
import { sql, type Sql } from './sql.js';

/** Where a `clickhouse://USER:PASSWORD@HOST:PORT/DATABASE` URL points (HTTP interface; port 8123 when absent). */
export interface ClickhouseTarget {
  url: string;
  username: string;
  password: string;
  database: string;
}

export function parseClickhouseUrl(raw: string): ClickhouseTarget {
  const u = new URL(raw);
  if (u.protocol !== 'clickhouse:') throw new Error(`a ClickHouse URL starts with clickhouse:// (this one starts with ${u.protocol}//)`);
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || 'ccpulse';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new Error(`the database name must be letters, digits and _ (got ${JSON.stringify(database.slice(0, 64))})`);
  return {
    url: `http://${u.hostname}:${u.port || 8123}`,
    username: decodeURIComponent(u.username) || 'default',
    password: decodeURIComponent(u.password),
    database,
  };
}

/** host:port/database of a ClickHouse URL, without the password. */
export function describeClickhouseUrl(raw: string): string {
  const t = parseClickhouseUrl(raw);
  return `${t.url.replace('http://', '')}/${t.database}`;
}

/** The queries the ClickHouse storage makes: SQL built by `sql` (values escaped), rows as JSON. */
export interface ChClient {
  /** Rows of a SELECT (64-bit integers come as strings: the callers convert them). */
  rows<T = Record<string, unknown>>(q: Sql, opts?: { queryId?: string }): Promise<T[]>;
  /**
   * Rows of a SELECT as arrays in its columns' order (JSONCompact: half the bytes of JSONEachRow for the
   * history's nested arrays). 64-bit integers come as numbers where the server is told so, as strings
   * elsewhere: the callers convert them.
   */
  compact(q: Sql): Promise<unknown[][]>;
  /** A statement without rows (DDL, ALTER). */
  command(q: Sql | string): Promise<void>;
  /** One INSERT of rows as JSONEachRow: one block, so one part per partition they fall in. */
  insert(table: string, rows: readonly Record<string, unknown>[], opts?: { queryId?: string }): Promise<void>;
  /** Waits until no query with this id runs on the server (after an insert whose outcome is unknown). */
  waitQueryGone(queryId: string, timeoutMs?: number): Promise<void>;
  /** The server's version, as numbers: [18, 16, 1]. */
  version(): Promise<number[]>;
  close(): Promise<void>;
}

/** Settings every query carries: long IN lists (dedup lookups) fit; an insert of one commit is one block. */
const SETTINGS = { max_query_size: '16777216', max_insert_block_size: '100000000' } as const;

/**
 * The live path's queries (the log's appends and tail reads, checkpoints) and the slow path's (history,
 * verify, archive) on the one ClickHouse server: ClickHouse pauses a query while one of a higher priority
 * (a lower number) runs, so a heavy report waits for an append rather than the other way round, as the
 * slow path's threads yield the CPU in the process (runtime/thread-priority.ts).
 */
export const LIVE_PATH: Readonly<Record<string, string>> = { priority: '1' };
export const SLOW_PATH: Readonly<Record<string, string>> = { priority: '8' };

export function chClient(target: ClickhouseTarget, database: string | null = target.database, timeoutMs = 60_000, settings: Readonly<Record<string, string>> = {}): ChClient {
  const client: ClickHouseClient = createClient({
    url: target.url,
    username: target.username,
    password: target.password,
    ...(database ? { database } : {}),
    request_timeout: timeoutMs,
    clickhouse_settings: { ...SETTINGS, ...settings } as never,
    // every failure reaches the caller, which reports it once (the client would log it to the console too)
    log: { level: ClickHouseLogLevel.OFF },
  });
  let version: number[] | null = null;
  const self: ChClient = {
    async rows<T>(q: Sql, opts: { queryId?: string } = {}) {
      const rs = await client.query({ query: q.text, format: 'JSONEachRow', ...(opts.queryId ? { query_id: opts.queryId } : {}) });
      return (await rs.json()) as T[];
    },
    async compact(q: Sql) {
      const rs = await client.query({ query: q.text, format: 'JSONCompact', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } });
      return ((await rs.json()) as { data: unknown[][] }).data;
    },
    async command(q) {
      await client.command({ query: typeof q === 'string' ? q : q.text });
    },
    async insert(table, rows, opts = {}) {
      if (rows.length === 0) return;
      await client.insert({ table, values: rows as Record<string, unknown>[], format: 'JSONEachRow', ...(opts.queryId ? { query_id: opts.queryId } : {}) });
    },
    async waitQueryGone(queryId, timeoutMs = 120_000) {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        const [r] = await self.rows<{ n: string }>(sql`SELECT count() AS n FROM system.processes WHERE query_id = ${queryId}`);
        if (Number(r.n) === 0) return;
        await new Promise((res) => setTimeout(res, 100));
      }
      throw new Error(`ClickHouse still runs query ${queryId} after ${timeoutMs / 1000} s`);
    },
    async version() {
      if (!version) {
        const [r] = await self.rows<{ v: string }>(sql`SELECT version() AS v`);
        version = r.v.split('.').map(Number);
      }
      return version;
    },
    close: () => client.close(),
  };
  return self;
}

/** Whether a lease holder (`host/pid/uuid`) was a process of this machine that no longer runs. */
function goneFromThisMachine(holder: string): boolean {
  const [host, pid] = holder.split('/');
  if (host !== hostname() || !/^\d+$/.test(pid ?? '')) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Another ccpulse already writes to this database. */
export class ClickhouseInUseError extends Error {
  override name = 'ClickhouseInUseError';
}

/** A writer's lease is taken over when its heartbeat is older than this (a writer killed with -9 leaves one). */
export const LEASE_STALE_MS = 15_000;
export const LEASE_BEAT_MS = 5_000;

/**
 * What the server can do beyond Debian's 18.16: the schema uses it where it has it. LowCardinality
 * (dictionary-encoded strings, for the few distinct tenants, queues, channels, types) is GA from 19.x;
 * on 18.16 it is experimental and left alone.
 */
export interface Features {
  lowCardinality: boolean;
  /** `max_partitions_per_insert_block` (19.5 on: an INSERT into more than 100 partitions fails unless it is raised). */
  partitionsPerInsertLimit: boolean;
}

export function featuresOf(version: readonly number[]): Features {
  const [major = 0, minor = 0] = version;
  return { lowCardinality: major >= 19, partitionsPerInsertLimit: major > 19 || (major === 19 && minor >= 5) };
}

/**
 * Applies the numbered migrations not yet applied to the (existing) database. ClickHouse has no locks:
 * the writer's lease (takeLease) is taken first, so two ccpulse never migrate at once.
 */
export async function migrate(db: ChClient): Promise<void> {
  await db.command(`CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, applied_at Int64) ENGINE = MergeTree ORDER BY version`);
  const done = new Set((await db.rows<{ version: number }>(sql`SELECT version FROM schema_migrations`)).map((r) => Number(r.version)));
  const features = featuresOf(await db.version());
  for (const m of MIGRATIONS) {
    if (done.has(m.version)) continue;
    // every statement is IF NOT EXISTS: a migration cut short is applied again whole
    await m.before?.(db);
    for (const s of m.statements(features)) await db.command(s);
    await db.insert('schema_migrations', [{ version: m.version, name: m.name, applied_at: Date.now() }]);
  }
}

/**
 * The one-writer rule without locks: a lease row (holder, heartbeat) renewed every few seconds. A
 * database whose lease another holder renewed within LEASE_STALE_MS is refused, unless that holder is a
 * process of this machine that is gone (a writer killed with -9 and started again takes its database
 * back at once). After writing its own claim, a writer reads the lease back after a moment to see that
 * no one claimed it at the same time. Returns the renewal's stop.
 */
export async function takeLease(db: ChClient): Promise<() => Promise<void>> {
  await db.command(`CREATE TABLE IF NOT EXISTS writer_lease (name String, holder String, heartbeat Int64) ENGINE = ReplacingMergeTree(heartbeat) ORDER BY name`);
  const me = `${hostname()}/${process.pid}/${randomUUID()}`;
  const current = async () =>
    (await db.rows<{ who: string; beat: string }>(sql`SELECT argMax(holder, heartbeat) AS who, max(heartbeat) AS beat FROM writer_lease WHERE name = 'writer' HAVING count() > 0`))[0];
  const held = await current();
  if (held && held.who !== '' && Date.now() - Number(held.beat) < LEASE_STALE_MS && !goneFromThisMachine(held.who)) {
    throw new ClickhouseInUseError('another ccpulse is already writing to this database (its lease was renewed in the last 15 s); stop it first, or give this one another database');
  }
  const beat = () => db.insert('writer_lease', [{ name: 'writer', holder: me, heartbeat: Date.now() }]);
  await beat();
  await new Promise((r) => setTimeout(r, 300));
  const after = await current();
  if (after?.who !== me) throw new ClickhouseInUseError('another ccpulse claimed this database at the same moment; stop it first, or give this one another database');
  const timer = setInterval(() => void beat().catch(() => {}), LEASE_BEAT_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    // released: the next writer need not wait for the lease to go stale
    await db.insert('writer_lease', [{ name: 'writer', holder: '', heartbeat: Date.now() }]).catch(() => {});
  };
}

