/**
 * Copies everything a ccpulse store holds (the log, the rollups at every resolution, checkpoints and the
 * processor's state, dead letters, recommendations, campaigns) from one backend to another, table by
 * table in key order, and checks the copy by counts and checksums computed by each database on its own
 * rows. Resumable: each page is one INSERT, so the target holds whole pages only, and a run started
 * again carries on after the last key the target holds. Both stores must be closed to servers: the
 * embedded one's data-directory lock and the PostgreSQL writer lock are taken while it runs.
 *
 * Rows travel as JSON (row_to_json on the source, json_populate_recordset on the target): every column
 * keeps its type whatever the drivers make of it, and the embedded store (PostgreSQL 18 in WASM) and a
 * PostgreSQL 15 server read each other's rows the same.
 */
import type { SqlClient } from '../postgres/sql-client.js';
import { TABLES, type TableSpec } from './tables.js';

export type Query = Pick<SqlClient, 'query'>;

/** One backend, open, as the copy sees it: SQL on its log database and on its store's. */
export interface MigrationEndpoint {
  /** How it is named in messages and in the target's record of the migration (no password). */
  name: string;
  log: Query;
  store: Query;
}

export interface TableReport {
  table: string;
  rows: number;
  /** Rows copied by this run (fewer than `rows` when resumed). */
  copied: number;
  checksum: string;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

const PAGE_ROWS = 5_000;

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Columns and their types, in table order. */
async function columnsOf(db: Query, table: string): Promise<Array<{ name: string; type: string }>> {
  return db.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
     WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [table],
  );
}

/**
 * A checksum of a table's rows that both sides compute alike: each row's columns as text (times as epoch
 * milliseconds, since their text depends on the session's time zone), hashed, summed: independent of
 * row order, and of how each database lays its rows out.
 */
async function checksum(db: Query, spec: TableSpec, columns: Array<{ name: string; type: string }>): Promise<{ rows: number; sum: string }> {
  const table = spec.name;
  const parts = columns.map((c) => {
    const v = spec.computed?.[c.name] ?? ident(c.name);
    return c.type.startsWith('timestamp') ? `coalesce(((extract(epoch from ${v}) * 1000)::bigint)::text, chr(30))` : `coalesce((${v})::text, chr(30))`;
  });
  const [r] = await db.query<{ n: string | number; h: string }>(
    `SELECT count(*)::bigint AS n, coalesce(sum(('x' || substr(md5(concat_ws(chr(31), ${parts.join(', ')})), 1, 15))::bit(60)::bigint::numeric), 0)::text AS h FROM ${ident(table)}`,
  );
  return { rows: Number(r.n), sum: r.h };
}

const count = async (db: Query, table: string) => Number((await db.query<{ n: string | number }>(`SELECT count(*)::bigint AS n FROM ${ident(table)}`))[0].n);

/** The record of a migration in the target's store: which source, and whether it finished. */
async function claimTarget(from: MigrationEndpoint, to: MigrationEndpoint): Promise<{ finished: boolean }> {
  await to.store.query(`CREATE TABLE IF NOT EXISTS ccpulse_migration (id int PRIMARY KEY, source text NOT NULL, started_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz)`);
  const [mark] = await to.store.query<{ source: string; finished_at: unknown }>(`SELECT source, finished_at FROM ccpulse_migration WHERE id = 1`);
  if (mark) {
    if (mark.source !== from.name) throw new MigrationError(`${to.name} holds a migration from ${mark.source}, not from ${from.name}: give it an empty store`);
    return { finished: mark.finished_at !== null };
  }
  const holding = (await count(to.log, 'events')) + (await count(to.store, 'checkpoints'));
  if (holding > 0) throw new MigrationError(`${to.name} already holds data (events or a checkpoint): migrate into an empty store`);
  await to.store.query(`INSERT INTO ccpulse_migration (id, source) VALUES (1, $1)`, [from.name]);
  return { finished: false };
}

/** Copies one table after what the target holds; returns the rows copied. */
async function copyTable(spec: TableSpec, from: Query, to: Query, columns: Array<{ name: string; type: string }>, pageRows: number, onRows: (n: number) => void): Promise<number> {
  const t = ident(spec.name);
  // the rows as the target takes them: every column, a computed one as its expression
  const source = spec.computed ? `(SELECT ${columns.map((c) => (spec.computed![c.name] ? `${spec.computed![c.name]} AS ${ident(c.name)}` : ident(c.name))).join(', ')} FROM ${t}) AS s` : t;
  const insert = `INSERT INTO ${t} SELECT * FROM json_populate_recordset(null::${t}, $1::text::json) ON CONFLICT DO NOTHING`;
  let copied = 0;
  if (spec.key.length === 0) {
    // no key to resume after: a table found incomplete is copied whole again (these are small)
    if ((await count(to, spec.name)) === (await count(from, spec.name))) return 0;
    await to.query(`DELETE FROM ${t}`);
    const order = columns.map((c) => ident(c.name)).join(', ');
    for (let offset = 0; ; offset += pageRows) {
      const rows = await from.query<{ j: string }>(`SELECT row_to_json(x)::text AS j FROM (SELECT * FROM ${source} ORDER BY ${order} LIMIT ${pageRows} OFFSET ${offset}) x`);
      if (rows.length === 0) return copied;
      await to.query(insert, [`[${rows.map((r) => r.j).join(',')}]`]);
      copied += rows.length;
      onRows(rows.length);
    }
  }
  const keyCols = spec.key.map(ident).join(', ');
  const typeOf = new Map(columns.map((c) => [c.name, c.type]));
  const keyParams = spec.key.map((k, i) => `$${i + 1}::${typeOf.get(k)}`).join(', ');
  const lastOf = (j: string): unknown[] => {
    const row = JSON.parse(j) as Record<string, unknown>;
    return spec.key.map((k) => (typeof row[k] === 'object' && row[k] !== null ? JSON.stringify(row[k]) : row[k]));
  };
  const [held] = await to.query<{ j: string }>(`SELECT row_to_json(x)::text AS j FROM (SELECT * FROM ${t} ORDER BY ${keyCols} DESC LIMIT 1) x`);
  let after: unknown[] | null = held ? lastOf(held.j) : null;
  for (;;) {
    const rows = after
      ? await from.query<{ j: string }>(`SELECT row_to_json(x)::text AS j FROM (SELECT * FROM ${source} WHERE (${keyCols}) > (${keyParams}) ORDER BY ${keyCols} LIMIT ${pageRows}) x`, after)
      : await from.query<{ j: string }>(`SELECT row_to_json(x)::text AS j FROM (SELECT * FROM ${source} ORDER BY ${keyCols} LIMIT ${pageRows}) x`);
    if (rows.length === 0) return copied;
    await to.query(insert, [`[${rows.map((r) => r.j).join(',')}]`]);
    copied += rows.length;
    onRows(rows.length);
    after = lastOf(rows[rows.length - 1].j);
  }
}

export interface MigrateOptions {
  pageRows?: number;
  /** Told as rows are copied: the table, rows in the target so far, rows in the source. */
  onProgress?: (p: { table: string; done: number; total: number }) => void;
}

/**
 * Copies `from` into `to` (empty, or holding an interrupted copy of the same source), then checks every
 * table by count and checksum on both sides. Throws MigrationError naming what differs.
 */
export async function migrateStore(from: MigrationEndpoint, to: MigrationEndpoint, opts: MigrateOptions = {}): Promise<TableReport[]> {
  await refuseHeldDays(from);
  const { finished } = await claimTarget(from, to);
  const side = (e: MigrationEndpoint, spec: TableSpec) => (spec.db === 'log' ? e.log : e.store);
  const reports: TableReport[] = [];
  for (const spec of TABLES) {
    const src = side(from, spec);
    const dst = side(to, spec);
    const columns = await columnsOf(src, spec.name);
    const total = await count(src, spec.name);
    let done = finished ? total : await count(dst, spec.name);
    opts.onProgress?.({ table: spec.name, done, total });
    const copied = finished
      ? 0
      : await copyTable(spec, src, dst, columns, opts.pageRows ?? PAGE_ROWS, (n) => {
          done += n;
          opts.onProgress?.({ table: spec.name, done: Math.min(done, total), total });
        });
    if (spec.serial && !finished) {
      const col = ident(spec.serial);
      await dst.query(`SELECT setval(pg_get_serial_sequence($1, $2), greatest((SELECT max(${col}) FROM ${ident(spec.name)}), 1), (SELECT count(*) > 0 FROM ${ident(spec.name)}))`, [spec.name, spec.serial]);
    }
    const [a, b] = await Promise.all([checksum(src, spec, columns), checksum(dst, spec, columns)]);
    if (a.rows !== b.rows || a.sum !== b.sum) {
      throw new MigrationError(`${spec.name} differs after the copy: ${a.rows} rows in ${from.name}, ${b.rows} in ${to.name}${a.rows === b.rows ? ' (same count, different contents)' : ''}`);
    }
    reports.push({ table: spec.name, rows: a.rows, copied, checksum: a.sum });
  }
  await to.store.query(`UPDATE ccpulse_migration SET finished_at = now() WHERE id = 1 AND finished_at IS NULL`);
  return reports;
}

/**
 * A day an interrupted archive run left held apart (PostgreSQL: a detached partition, see
 * storage/postgres/archive-days.ts) is neither in the log nor archived: a copy would lose it. The run is
 * finished first.
 */
async function refuseHeldDays(from: MigrationEndpoint): Promise<void> {
  const held = await from.log.query<{ name: string }>(`SELECT relname AS name FROM pg_class WHERE relname LIKE 'archiving\\_events\\_%' AND relkind = 'r' ORDER BY relname`);
  if (held.length) {
    throw new MigrationError(`${from.name} holds ${held.length === 1 ? 'a day' : `${held.length} days`} an interrupted archive run took out of the log (${held.map((h) => h.name).join(', ')}): run ccpulse archive on it first, so that it finishes them`);
  }
}
