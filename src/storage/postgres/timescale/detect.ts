import type { SqlClient } from '../sql-client.js';

/** A PostgreSQL server's database as ccpulse lays it out: 012's partitions ('postgres') or hypertables ('timescale'). */
export type PostgresLayout = 'postgres' | 'timescale';

/** Migrations that settle the layout for good (migrations/index.ts): 012 partitions the log, 020 makes it a hypertable. */
const PARTITIONED_LOG = 12;
const HYPERTABLE_LOG = 20;

export interface LayoutChoice {
  layout: PostgresLayout;
  /** Why, in words, for the log and the tests. */
  reason: string;
}

/**
 * Which layout this database gets, creating the extension where it is to be used. A database keeps the
 * layout its log was given first (a partitioned log is not turned into a hypertable behind anyone's back:
 * `ccpulse migrate` between two databases moves it). A database whose log has neither yet (a new one, or
 * one made before 012) gets hypertables when TimescaleDB is installed in it, or can be: available on the
 * server (pg_available_extensions) and loaded by it (shared_preload_libraries; without that, CREATE
 * EXTENSION fails). Called with the writer's lock held, before the migrations.
 */
export async function chooseLayout(db: SqlClient): Promise<LayoutChoice> {
  const [tracked] = await db.query<{ has: boolean }>(`SELECT to_regclass('schema_migrations') IS NOT NULL AS has`);
  const applied = new Set<number>();
  if (tracked.has) {
    for (const r of await db.query<{ version: number }>(`SELECT version FROM schema_migrations WHERE version = ANY($1::int[])`, [[PARTITIONED_LOG, HYPERTABLE_LOG]])) {
      applied.add(Number(r.version));
    }
  }
  if (applied.has(PARTITIONED_LOG)) return { layout: 'postgres', reason: 'the log was partitioned by day before (migration 012); it stays so' };
  const [ext] = await db.query<{ installed: boolean; available: boolean; preloaded: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS installed,
            EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') AS available,
            'timescaledb' = ANY (string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''), ',')) AS preloaded`,
  );
  if (applied.has(HYPERTABLE_LOG) || ext.installed) {
    // the log is (or is to be) a hypertable: without the extension loaded that fails, with TimescaleDB's own words
    return { layout: 'timescale', reason: applied.has(HYPERTABLE_LOG) ? 'the log is a hypertable (migration 020)' : 'TimescaleDB is installed in the database' };
  }
  if (!ext.available) return { layout: 'postgres', reason: 'the server has no TimescaleDB' };
  if (!ext.preloaded) return { layout: 'postgres', reason: "the server has TimescaleDB's files but does not load it (shared_preload_libraries)" };
  try {
    await db.exec(`CREATE EXTENSION IF NOT EXISTS timescaledb`);
  } catch (err) {
    // no right to create it (not a superuser, not trusted): a plain PostgreSQL layout still works
    return { layout: 'postgres', reason: `TimescaleDB could not be created in the database: ${(err as Error).message}` };
  }
  return { layout: 'timescale', reason: 'TimescaleDB was created in the database' };
}
