import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import type { CcEvent } from '../../contract/event.js';
import { emptyCounters } from '../../metrics/counters.js';
import { namedServerAvailable } from '../../testing/require-server.js';
import { storageConformance } from '../conformance.js';
import type { RollupCell } from '../storage.js';
import { openPostgresStorage, wrap } from './client.js';
import { SqlStorage } from './sql-storage.js';
import { TimescaleDatabases } from '../../testing/timescale-databases.js';
import { archiveSuite } from '../../archive/testing/archive-suite.js';

/**
 * The PostgreSQL backend on a server with TimescaleDB (backend 'timescale'): the storage conformance
 * suite, then what is TimescaleDB's own: the hypertables, the layouts databases already have, and
 * compression (the policies and their jobs: timescale-jobs.integration.test.ts). CI starts no such
 * server (Debian does not package TimescaleDB): the suite runs where CCPULSE_TEST_TIMESCALE_URL names
 * one (README: "The TimescaleDB suite").
 */
const ADMIN_URL = await namedServerAvailable('TimescaleDB', 'CCPULSE_TEST_TIMESCALE_URL');
const DB = `ccpulse_tsdb_${process.pid}`;
const dbs = ADMIN_URL ? new TimescaleDatabases(ADMIN_URL) : null;
const urlOf = (db: string) => dbs!.urlOf(db);
const createDatabase = (db: string) => dbs!.create(db);
const fresh = (db = DB) => dbs!.fresh(db);
const DAY = 86_400_000;

afterAll(async () => {
  await dbs?.dropAll();
});

storageConformance('timescale', () => fresh(), { enabled: async () => ADMIN_URL !== null, reopen: () => openPostgresStorage(urlOf(DB)) });

const ev = (id: string, ts: number, extra: Partial<CcEvent> = {}): CcEvent => ({ id, type: 'APPEAL_NEW', ts, appealId: `a-${id}`, channel: 'voice', queue: 'sales', ...extra });

/** A hypertable's chunks in time order, and which are compressed. */
async function compressedChunks(sql: postgres.Sql, table: 'events' | 'rollups'): Promise<Array<{ start: number; compressed: boolean }>> {
  const rows = await sql`SELECT extract(epoch from range_start) * 1000 AS start, is_compressed FROM timescaledb_information.chunks
                         WHERE hypertable_name = ${table} ORDER BY range_start`;
  return rows.map((r) => ({ start: Number(r.start), compressed: r.is_compressed as boolean }));
}

describe.skipIf(!ADMIN_URL)('TimescaleDB: hypertables and compression', () => {
  it('makes the log a hypertable of one-day chunks by claimed time (the minute rollups too), keyed so that a retry is a duplicate, a clamped one too', async () => {
    const db = `${DB}_layout`;
    const s = await fresh(db);
    const sql = postgres(urlOf(db), { max: 1, onnotice: () => {} });
    try {
      const dims = await sql`SELECT hypertable_name AS t, column_name AS c, time_interval::text AS i FROM timescaledb_information.dimensions ORDER BY 1`;
      expect(dims.map((d) => [d.t, d.c, d.i])).toEqual([['events', 'key_ts', '1 day'], ['rollups', 'bucket', '1 day']]);
      const [{ key }] = await sql`SELECT pg_get_constraintdef(oid) AS key FROM pg_constraint WHERE conrelid = 'events'::regclass AND contype = 'p'`;
      expect(key).toBe('PRIMARY KEY (tenant, id, key_ts)');
      expect((await sql`SELECT to_regclass('events_default') AS d`)[0].d).toBeNull(); // not migration 012's partitions
      const applied = (await sql`SELECT version FROM schema_migrations ORDER BY version`).map((r) => Number(r.version));
      expect(applied).toContain(20);
      expect(applied).not.toContain(12);

      const now = Date.now();
      const today = { tenant: 't', event: ev('x1', now) };
      const old = { tenant: 't', event: ev('x2', now - 3 * DAY) };
      const clamped = { tenant: 't', event: ev('x3', now, { attrs: { ccpulseClampedFromTs: now + 30 * DAY } }) };
      const first = await s.append([today, old, clamped]);
      expect(first.every((x) => typeof x === 'number')).toBe(true);
      // the retry comes later: the clamped one is clamped again to its new arrival, and claims the same time
      const retryOfClamped = { tenant: 't', event: { ...clamped.event, ts: now + 5_000 } };
      expect(await s.append([today, old, retryOfClamped])).toEqual([null, null, null]);
      expect(typeof (await s.append([{ tenant: 'other', event: today.event }]))[0]).toBe('number');
      expect((await sql`SELECT count(*)::int AS n FROM events`)[0].n).toBe(4);

      const chunks = await sql`SELECT extract(epoch from range_end - range_start)::int AS len, range_start <= to_timestamp(${(now + 30 * DAY) / 1000}) AND to_timestamp(${(now + 30 * DAY) / 1000}) < range_end AS holds_claimed
                               FROM timescaledb_information.chunks WHERE hypertable_name = 'events'`;
      expect(chunks).toHaveLength(3);
      expect(chunks.every((c) => c.len === 86_400)).toBe(true);
      expect(chunks.filter((c) => c.holds_claimed)).toHaveLength(1); // the clamped event lives in the day it claimed
    } finally {
      await sql.end();
      await s.close();
    }
  });

  it('keeps a log partitioned before as it is, and turns a log from before the partitioning into the hypertable, its events and positions kept', async () => {
    // the layouts a database may already have on this server, made by the migrations as they ran then
    const layoutOf = async (db: string) =>
      (await (async () => {
        const sql = postgres(urlOf(db), { max: 1, onnotice: () => {} });
        try {
          const [{ kind, ext }] = await sql`SELECT relkind::text AS kind, EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS ext FROM pg_class WHERE relname = 'events'`;
          const hyper = ext && (await sql`SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_name = 'events'`).length === 1;
          return { kind, hyper };
        } finally {
          await sql.end();
        }
      })()) as { kind: string; hyper: boolean };
    const now = Date.now(); // a retry claims the same time: the events are sent again unchanged
    const made = async (db: string, backend: 'postgres' | 'pglite') => {
      await createDatabase(db);
      const sql = postgres(urlOf(db), { max: 2, onnotice: () => {} });
      const before = new SqlStorage(backend, wrap(sql));
      await before.migrate();
      const seqs = await before.append([{ tenant: 't', event: ev('p1', now - DAY) }, { tenant: 't', event: ev('p2', now) }]);
      await before.close();
      return seqs;
    };
    const partitioned = `${DB}_partitioned`;
    await made(partitioned, 'postgres'); // migration 012: the log partitioned by day
    const p = await openPostgresStorage(urlOf(partitioned));
    try {
      expect(p.backend).toBe('postgres');
      expect(p.timescaleStatus()).toBeNull();
      expect(await layoutOf(partitioned)).toEqual({ kind: 'p', hyper: false });
      expect(await p.append([{ tenant: 't', event: ev('p1', now - DAY) }])).toEqual([null]);
    } finally {
      await p.close();
    }
    const older = `${DB}_older`;
    const seqs = await made(older, 'pglite'); // migrations 001–011 alone: a database from before 012
    const o = await openPostgresStorage(urlOf(older));
    try {
      expect(o.backend).toBe('timescale');
      expect(await layoutOf(older)).toEqual({ kind: 'r', hyper: true });
      expect((await o.readLog(0, 10)).map((e) => [e.id, e.seq])).toEqual([['p1', seqs[0]], ['p2', seqs[1]]]);
      const again = await o.append([{ tenant: 't', event: ev('p1', now - DAY) }, { tenant: 't', event: ev('p3', now) }]);
      expect(again[0]).toBeNull();
      expect(again[1]).toBeGreaterThan(seqs[1]!);
    } finally {
      await o.close();
    }
  });

  it('compresses past days; a compressed day reads back as it was, refuses a retried event, takes a new one and a late rollup delta', async () => {
    const db = `${DB}_compress`;
    const s = await fresh(db);
    const sql = postgres(urlOf(db), { max: 1, onnotice: () => {} });
    try {
      const policies = await sql`SELECT hypertable_name AS t, config->>'compress_after' AS after FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression' ORDER BY 1`;
      expect(policies.map((p) => [p.t, p.after])).toEqual([['events', '2 days'], ['rollups', '7 days']]);
      expect(await sql`SELECT 1 FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention'`).toHaveLength(0);

      const day = Math.floor((Date.now() - 10 * DAY) / DAY) * DAY;
      const events = Array.from({ length: 3_000 }, (_, i) => ({
        tenant: `t${i % 3}`,
        event: ev(`e${i}`, day + 36_000_000 + i * 1_000, { appealId: `a${i % 50}`, operatorId: i % 2 ? `op${i % 7}` : undefined, attrs: i % 5 ? undefined : { n: i } }),
      }));
      for (let i = 0; i < events.length; i += 1_000) await s.append(events.slice(i, i + 1_000));
      await s.append([{ tenant: 't0', event: ev('recent', Date.now()) }]);
      const cell = (bucket: number, delta: Partial<ReturnType<typeof emptyCounters>>, operator = ''): RollupCell => ({
        tenant: 't0', queue: 'sales', channel: 'voice', operator, bucket, counters: { ...emptyCounters(), ...delta },
      });
      const minutes = Array.from({ length: 120 }, (_, m) => cell(day + 36_000_000 + m * 60_000, { offered: 1 + (m % 3), waitHist: { [m % 40]: 1 } }));
      await s.commitCheckpoint({ name: 'c', commitId: 1, position: 1, state: '{}', upserts: [], deletes: [], deadLetters: [], rollupDeltas: minutes });
      const sl = { default: { targetSec: 20, shortAbandonSec: 5, abandonsCount: true }, queues: [], channels: [] };
      const history = (from: number, to: number, intervalMs?: number) => s.queryHistory({ tenant: 't0', from, to, intervalMs, level: 'queue', groupBy: ['queue'], sl, limit: 10_000 });
      const reads = async () => ({
        log: await s.readLog(0, 10_000),
        byTime: await s.readEventsByTime('t1', day + 36_000_000, day + 37_000_000),
        appeals: await s.readAppealEvents('t2', ['a2', 'a5', 'a8'], Number.MAX_SAFE_INTEGER),
        rollups: await s.queryRollups({ tenant: 't0', from: day, to: day + DAY, level: 'queue' }),
        minutes: await history(day + 36_000_000, day + 36_000_000 + 7_200_000, 60_000),
        hours: await history(day, day + DAY, 3_600_000),
      });
      const before = await reads();
      expect(before.log).toHaveLength(3_001);
      expect(before.byTime.length).toBeGreaterThan(300);
      expect(before.minutes).toHaveLength(120);

      // what the policies will do when the days are old enough, done now
      await sql`SELECT compress_chunk(c) FROM show_chunks('events', older_than => interval '2 days') c`;
      await sql`SELECT compress_chunk(c) FROM show_chunks('rollups', older_than => interval '7 days') c`;
      expect((await compressedChunks(sql, 'events')).map((c) => c.compressed)).toEqual([true, false]);
      expect((await compressedChunks(sql, 'rollups')).map((c) => c.compressed)).toEqual([true]);
      expect(await reads()).toEqual(before);

      // a retry of events in the compressed day is a duplicate (its key found in the compressed batches); a new one is logged
      const again = await s.append([events[5], events[2_999], { tenant: 't1', event: ev('new-in-old-day', day + 40_000_000) }]);
      expect(again.slice(0, 2)).toEqual([null, null]);
      expect(again[2]).toBeGreaterThan(before.log[before.log.length - 1].seq);
      expect((await s.readEventsByTime('t1', day + 40_000_000, day + 40_000_001)).map((e) => e.id)).toEqual(['new-in-old-day']);
      expect((await sql`SELECT count(*)::int AS n FROM events`)[0].n).toBe(3_002);

      // a late delta (a retraction) into compressed minutes adds to them exactly, at every resolution
      await s.commitCheckpoint({ name: 'c', commitId: 2, position: 2, state: '{}', upserts: [], deletes: [], deadLetters: [], rollupDeltas: [cell(day + 36_000_000, { offered: -1, waitHist: { 0: -1 } })] });
      const [first] = await s.queryRollups({ tenant: 't0', from: day + 36_000_000, to: day + 36_060_000, level: 'queue' });
      expect(first.counters.offered).toBe(before.rollups[0].counters.offered - 1);
      expect(first.counters.waitHist).toEqual({});
      const [whole] = await history(day, day + DAY);
      const offered = minutes.reduce((n, c) => n + c.counters.offered, 0) - 1;
      expect(whole.offered).toBe(offered);
    } finally {
      await sql.end();
      await s.close();
    }
  }, 60_000);

});

// the archive run, as on the other backends (the hypertable's day held by its seq range, deleted checked)
let archiveDbs = 0;
archiveSuite('TimescaleDB', () => fresh(`${DB}_archive${++archiveDbs}`), async () => ADMIN_URL !== null);
