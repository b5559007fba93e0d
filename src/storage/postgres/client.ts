import postgres from 'postgres';
import type { SqlClient } from './sql-client.js';
import { SqlStorage } from './sql-storage.js';
import { chooseLayout } from './timescale/detect.js';
import { DEFAULT_TIMESCALE_SETTINGS, type TimescaleSettings } from './timescale/policies.js';

/** A postgres.js pool (or transaction) as the SqlClient the SQL storage speaks to. */
export function wrap(sql: postgres.Sql | postgres.TransactionSql): SqlClient {
  return {
    query: async <T>(text: string, params: unknown[] = []) => (await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[])) as unknown as T[],
    exec: async (script) => {
      await sql.unsafe(script);
    },
    transaction: (fn) => (sql as postgres.Sql).begin((tx) => fn(wrap(tx))) as never,
    close: async () => {
      await (sql as postgres.Sql).end({ timeout: 5 });
    },
  };
}

/**
 * A reader of a database another ccpulse writes (the history thread): no writer lock, no migrations.
 * Few connections: history queries are the slow path and wait their turn.
 */
export function openPostgresReader(url: string, connections = 2): SqlStorage {
  return new SqlStorage('postgres', wrap(postgres(url, { max: connections, onnotice: () => {}, idle_timeout: 30, connect_timeout: 5 })));
}

/** Key of the session advisory lock held by the one ccpulse writing to a database. */
const WRITER_LOCK = 7406212;

/** Another ccpulse already writes to this database. */
export class DatabaseInUseError extends Error {
  override name = 'DatabaseInUseError';
}

/**
 * PostgreSQL server backend (postgres.js). One process writes to a database: two would both append to
 * the log and both commit checkpoints, and their states would diverge. The writer holds a session
 * advisory lock on a connection of its own for as long as it runs; PostgreSQL drops it when that
 * session ends, so a writer killed with -9 leaves nothing stale behind.
 *
 * On a server with TimescaleDB the store is backend 'timescale' (timescale/detect.ts: a new database's
 * log becomes a hypertable; one partitioned before stays so), with `timescale`'s policies set.
 */
export async function openPostgresStorage(url: string, opts: { timescale?: TimescaleSettings } = {}): Promise<SqlStorage> {
  const sql = postgres(url, { max: 5, onnotice: () => {}, idle_timeout: 30, connect_timeout: 5 });
  const lockSession = await sql.reserve();
  const [{ ok }] = await lockSession<Array<{ ok: boolean }>>`SELECT pg_try_advisory_lock(${WRITER_LOCK}) AS ok`;
  if (!ok) {
    lockSession.release();
    await sql.end({ timeout: 1 });
    throw new DatabaseInUseError('another ccpulse is already writing to this database; stop it first, or give this one another database');
  }
  const client = wrap(sql);
  let layout;
  try {
    layout = await chooseLayout(client);
  } catch (err) {
    lockSession.release();
    await sql.end({ timeout: 1 });
    throw err;
  }
  const storage = new SqlStorage(layout.layout, {
    ...client,
    close: async () => {
      lockSession.release();
      await client.close();
    },
  });
  try {
    await storage.migrate();
    if (layout.layout === 'timescale') await storage.applyTimescalePolicies(opts.timescale ?? DEFAULT_TIMESCALE_SETTINGS);
  } catch (err) {
    await storage.close().catch(() => {});
    throw err;
  }
  storage.sqlAccess = () => ({ log: { postgresUrl: url }, store: { postgresUrl: url } });
  storage.historyAccess = () => ({ postgresUrl: url });
  return storage;
}
