import { afterAll, expect, it } from 'vitest';
import { emptyCounters } from '../../metrics/counters.js';
import { serverAvailable } from '../../testing/require-server.js';
import { storageConformance } from '../conformance.js';
import { ClickhouseStorage } from './clickhouse-storage.js';
import { chClient, ClickhouseInUseError, featuresOf, parseClickhouseUrl } from './client.js';
import { MIGRATIONS } from './migrations/index.js';
import { conversionOf, convertRollupsToSummed } from './migrations/010_rollups_summed.js';
import { ClickhouseCommits, COMMITS_PER_PARTITION } from './commits.js';
import { raw, sql } from './sql.js';
import { verifyReadsOn } from './verify-reads.js';
import { ClickhouseLog } from './log.js';
import { CLAMPED_ATTR } from '../../ingest/clamp-future.js';
import { verifyRangeProperty } from '../../verify/testing/verify-range-property.js';
import { appealsPageProperty } from '../../appeals/testing/appeals-page-property.js';
import { appendApplied, archiveSuite } from '../../archive/testing/archive-suite.js';
import { runArchive } from '../../archive/archive-run.js';
import { canonicalLine, DayDigest } from '../archive-format.js';
import { DAY_MS, type HeldDay } from '../storage.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The server .ci/run starts: Debian's ClickHouse (18.16), HTTP on 8123. */
const BASE = process.env.CCPULSE_TEST_CLICKHOUSE_URL ?? 'clickhouse://default@127.0.0.1:8123/default';
const { hostname, port } = new URL(BASE);
const urlOf = (db: string) => BASE.replace(/\/[^/]*$/, `/${db}`);
const available = () => serverAvailable('ClickHouse', hostname, Number(port || 8123));
const DB = `ccpulse_test_${process.pid}`;
const used = new Set<string>();

async function dropDatabase(db: string) {
  const server = chClient(parseClickhouseUrl(urlOf(db)), null, 300_000);
  await server.command(`DROP DATABASE IF EXISTS ${db}`);
  await server.close();
}

async function fresh(db = DB) {
  used.add(db);
  await dropDatabase(db);
  return ClickhouseStorage.open(urlOf(db));
}

afterAll(async () => {
  if (!(await available())) return;
  // (Debian's ClickHouse drops a database table by table: a few seconds each under load)
  await Promise.all([...used].map(dropDatabase));
}, 300_000);

storageConformance('clickhouse', () => fresh(), { enabled: available, reopen: () => ClickhouseStorage.open(urlOf(DB)) });

it('refuses a second writer while the first holds the lease, and lets one in once it closes', async (ctx) => {
  if (!(await available())) return ctx.skip();
  const first = await fresh(`${DB}_lease`);
  await expect(ClickhouseStorage.open(urlOf(`${DB}_lease`))).rejects.toThrow(ClickhouseInUseError);
  await first.close();
  const second = await ClickhouseStorage.open(urlOf(`${DB}_lease`));
  await second.close();
});

it('escapes every value: ids, tenants and names made of quotes, backslashes and SQL come back as they went in', async (ctx) => {
  if (!(await available())) return ctx.skip();
  const s = await fresh(`${DB}_escape`);
  try {
    const nasty = ["'", "\\'", "\\", "x'); DROP TABLE events; --", "a\nb\tc\0d", '__proto__', "' OR 1=1 --", '\u{1F600}'];
    const t0 = Date.UTC(2026, 10, 21, 10);
    const seqs = await s.append(nasty.map((id, i) => ({ tenant: nasty[(i + 1) % nasty.length], event: { id, type: 'APPEAL_NEW' as const, ts: t0, appealId: id, channel: id, queue: id } })));
    expect(seqs.every((x) => typeof x === 'number')).toBe(true);
    // the same ids again: every one found by the dedup lookup, none logged twice
    expect(await s.append(nasty.map((id, i) => ({ tenant: nasty[(i + 1) % nasty.length], event: { id, type: 'APPEAL_NEW' as const, ts: t0 } })))).toEqual(nasty.map(() => null));
    for (const [i, id] of nasty.entries()) {
      const tenant = nasty[(i + 1) % nasty.length];
      expect((await s.readEventsByTime(tenant, t0, t0 + 1)).map((e) => [e.id, e.queue])).toEqual([[id, id]]);
      expect((await s.readAppealEvents(tenant, [id], Number.MAX_SAFE_INTEGER)).map((e) => e.id)).toEqual([id]);
    }
    await s.commitCheckpoint({
      name: "it's", commitId: 1, position: 1, state: '{}', upserts: [{ key: "k'\\", value: '"v"' }], deletes: [], deadLetters: [],
      rollupDeltas: [{ tenant: "t'", queue: "q\\'", channel: 'c', operator: '', bucket: t0, counters: { ...emptyCounters(), offered: 1 } }],
    });
    expect((await s.loadCheckpoint("it's"))?.entries).toEqual([{ key: "k'\\", value: 'v' }]);
    expect((await s.queryRollups({ tenant: "t'", queue: "q\\'", from: t0, to: t0 + 60_000, level: 'queue' }))[0].counters.offered).toBe(1);
    const sl = { default: { targetSec: 20, shortAbandonSec: 5, abandonsCount: true }, queues: [["q\\'", { targetSec: 1, shortAbandonSec: 1, abandonsCount: false }]] as never, channels: [] };
    const [h] = await s.queryHistory({ tenant: "t'", from: t0, to: t0 + 60_000, level: 'queue', groupBy: ['queue'], sl, limit: 10 });
    expect(h).toMatchObject({ queue: "q\\'", offered: 1 });
  } finally {
    await s.close();
  }
});

it('sees a commit whose acknowledgement was lost as applied, after a restart too (a new writer waits out the old insert)', async (ctx) => {
  if (!(await available())) return ctx.skip();
  const db = `${DB}_retry`;
  const s = await fresh(db);
  const t0 = Date.UTC(2026, 10, 21, 10);
  const commit = {
    name: 'main', commitId: 1, position: 3, state: '{"n":1}', upserts: [], deletes: [], deadLetters: [{ tenant: 't', eventId: null, seq: null, step: 's', reason: 'r', payload: null }],
    rollupDeltas: [{ tenant: 't', queue: 'q', channel: 'voice', operator: '', bucket: t0, counters: { ...emptyCounters(), offered: 2, waitHist: { 4: 2 } } }],
  };
  await s.commitCheckpoint(commit);
  await s.close();
  const again = await ClickhouseStorage.open(urlOf(db));
  try {
    await again.commitCheckpoint(commit);
    const [cell] = await again.queryRollups({ tenant: 't', from: t0, to: t0 + 60_000, level: 'queue' });
    expect(cell.counters).toMatchObject({ offered: 2, waitHist: { 4: 2 } });
    // the hour and day rollups (kept by the server's views) agree with the minute's
    const [hour] = await again.queryHistory({ tenant: 't', from: t0, to: t0 + 3_600_000, level: 'queue', groupBy: [], intervalMs: 3_600_000, sl: { default: { targetSec: 20, shortAbandonSec: 0, abandonsCount: true }, queues: [], channels: [] }, limit: 10 });
    expect(hour).toMatchObject({ offered: 2, slWithin: 2, slTotal: 2 });
    expect(await again.listDeadLetters({ limit: 10 })).toMatchObject([{ id: 1, eventId: null, seq: null, payload: null }]);
  } finally {
    await again.close();
  }
});

it('drops the partitions of old commits but keeps every checkpoint and what the views hold', async (ctx) => {
  if (!(await available())) return ctx.skip();
  const s = await fresh(`${DB}_prune`);
  try {
    const t0 = Date.UTC(2026, 10, 21, 10);
    const db = chClient(parseClickhouseUrl(urlOf(`${DB}_prune`)));
    // commits 1, 1 000, 2 000 and 3 000 land in four partitions of 'main' (migration 012: 1,000 to a partition); 'slow' has one, long ago
    const per = COMMITS_PER_PARTITION;
    expect(per).toBe(1_000);
    for (const [name, id] of [['main', 1], ['main', per], ['main', 2 * per], ['main', 3 * per], ['slow', 1]] as const) {
      await db.insert('commits', [{ name, commit_id: id, kind: 1, position: id, state: '{}' }, { name, commit_id: id, kind: 3, tenant: 't', queue: 'q', channel: 'voice', operator: '', bucket: t0, offered: 1 }]);
    }
    await s.maintainLog();
    const parts = await db.rows<{ name: string; b: string }>(sql`SELECT DISTINCT name, intDiv(commit_id, ${per}) AS b FROM commits ORDER BY name, b`);
    expect(parts.map((p) => `${p.name}/${p.b}`)).toEqual(['main/2', 'main/3', 'slow/0']);
    expect((await s.loadCheckpoint('main'))?.commitId).toBe(3 * per);
    expect((await s.loadCheckpoint('slow'))?.commitId).toBe(1);
    expect((await s.queryRollups({ tenant: 't', from: t0, to: t0 + 60_000, level: 'queue' }))[0].counters.offered).toBe(5);
    await db.close();
  } finally {
    await s.close();
  }
});

// verify on ClickHouse: its own reads (verify-reads.ts) against the whole-log recomputation, as on the other backends
verifyRangeProperty(
  'clickhouse',
  async () => {
    const storage = await fresh(`${DB}_verify`);
    return { storage, reads: verifyReadsOn(chClient(parseClickhouseUrl(urlOf(`${DB}_verify`)))) };
  },
  { enabled: available, runs: 40 },
);

// the drill-down (GET /v1/appeals) on the same reads, against the definitions told in memory
appealsPageProperty(
  'clickhouse',
  async () => {
    const storage = await fresh(`${DB}_appeals`);
    return { storage, reads: verifyReadsOn(chClient(parseClickhouseUrl(urlOf(`${DB}_appeals`)))) };
  },
  { enabled: available, runs: 25 },
);

// the archive run, as on the other backends (records first, then the day's events deleted by a mutation)
let archiveDbs = 0;
archiveSuite('ClickHouse', () => fresh(`${DB}_archive${++archiveDbs}`), available);

it('archive: a run killed between recording a day and deleting its events is finished by the next, not archived twice', async (ctx) => {
  if (!(await available())) return ctx.skip();
  const db = `${DB}_archive_killed`;
  const s = await fresh(db);
  const dir = mkdtempSync(join(tmpdir(), 'ccpulse-ch-archive-'));
  try {
    const now = Date.UTC(2026, 10, 30, 12);
    const day = Date.UTC(2026, 10, 10);
    const events = Array.from({ length: 50 }, (_, i) => ({ tenant: 't', event: { id: `k${i}`, type: 'APPEAL_NEW' as const, ts: day + i * 60_000, appealId: `a${i}`, queue: 'q', channel: 'voice' } }));
    await appendApplied(s, events);
    // as a killed run leaves it: the file written and the day recorded, its events not yet deleted
    const held = (await s.holdLogDay(day, Number.MAX_SAFE_INTEGER)) as HeldDay;
    const digest = new DayDigest();
    for (const e of await s.readHeldDay(held, held.minSeq - 1, 1_000)) digest.add(e, canonicalLine(e));
    const client = chClient(parseClickhouseUrl(urlOf(db)));
    const d = digest.result();
    await client.insert('archived_days', [{ day, part: 1, file: 'events-2026-11-10.ndjson.gz', events: d.events, sha256: d.sha256, min_seq: d.minSeq, max_seq: d.maxSeq, tenants: JSON.stringify(d.tenants), archived_at: now }]);
    await client.close();
    expect((await s.readLog(0, 1_000)).length).toBe(50);
    const r = await runArchive({ storage: s, dir, olderThanMs: 7 * DAY_MS, now });
    expect(r.days).toEqual([]);
    expect(await s.readLog(0, 1_000)).toEqual([]);
    expect((await s.listArchivedDays()).map((a) => [a.day, a.part, a.events])).toEqual([[day, 1, 50]]);
    // an archived id sent again is still a duplicate (the dedup key stays)
    expect(await s.append([events[0]])).toEqual([null]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await s.close();
  }
});

it('dedups by the time each event claims (migration 005), and indexes again, on upgrade, the events logged before it', async (ctx) => {
  if (!(await available())) return ctx.skip();
  const db = `${DB}_keys`;
  used.add(db);
  await dropDatabase(db);
  const target = parseClickhouseUrl(urlOf(db));
  const server = chClient(target, null);
  await server.command(`CREATE DATABASE ${db}`);
  await server.close();
  // a store of before migration 005: its events logged, its dedup keys by (tenant, id) alone
  const old = chClient(target);
  const features = featuresOf(await old.version());
  await old.command(`CREATE TABLE schema_migrations (version UInt32, name String, applied_at Int64) ENGINE = MergeTree ORDER BY version`);
  for (const m of MIGRATIONS.filter((m) => m.version <= 4)) {
    for (const s of m.statements(features)) await old.command(s);
    await old.insert('schema_migrations', [{ version: m.version, name: m.name, applied_at: Date.now() }]);
  }
  const t0 = Date.UTC(2026, 10, 20, 9);
  const ev = (id: string, ts: number) => ({ id, type: 'APPEAL_NEW' as const, ts, appealId: `a-${id}`, channel: 'voice', queue: 'q' });
  const row = (seq: number, id: string, ts: number) => ({
    seq, arrived: t0 + 60_000, tenant: 't', id, type: 'APPEAL_NEW', ts, key_ts: ts, appeal_id: `a-${id}`, channel: 'voice', queue: 'q',
    operator_id: null, status: null, direction: null, campaign_id: null, attrs: null,
  });
  await old.insert('events', [row(1, 'e1', t0), row(2, 'e2', t0 + 1_000), row(3, 'e3', t0 - 2 * DAY_MS)]);
  await old.close();

  const s = await ClickhouseStorage.open(urlOf(db));
  try {
    // the events logged before the upgrade are duplicates still, live or late
    expect(await s.append([{ tenant: 't', event: ev('e1', t0) }, { tenant: 't', event: ev('e3', t0 - 2 * DAY_MS) }, { tenant: 't', event: ev('e2', t0 + 1_000) }])).toEqual([null, null, null]);
    // a new event is logged once; its retry in a batch spread over days is a duplicate
    const [n] = await s.append([{ tenant: 't', event: ev('e4', t0 + 5_000) }]);
    expect(n).toBe(4);
    expect(await s.append([{ tenant: 't', event: ev('e5', t0 - 5 * DAY_MS) }, { tenant: 't', event: ev('e4', t0 + 5_000) }, { tenant: 't', event: ev('e6', t0 + DAY_MS) }])).toEqual([5, null, 6]);
    // the same id claiming another time is another event, as on PostgreSQL; another tenant's same id too
    expect(await s.append([{ tenant: 't', event: ev('e4', t0 + 9_000) }, { tenant: 'u', event: ev('e4', t0 + 5_000) }])).toEqual([7, 8]);
    const check = chClient(target);
    try {
      const tables = (await check.rows<{ name: string }>(sql`SELECT name FROM system.tables WHERE database = ${db}`)).map((r) => r.name);
      expect(tables).toContain('event_keys_by_time');
      expect(tables).not.toContain('event_keys');
      expect(tables).not.toContain('event_keys_mv');
      const [{ n: keys }] = await check.rows<{ n: string }>(sql`SELECT count() AS n FROM (SELECT DISTINCT tenant, key_ts, id FROM event_keys_by_time)`);
      expect(Number(keys)).toBe(8);
    } finally {
      await check.close();
    }
  } finally {
    await s.close();
  }
});

/** A new database with the migrations up to `upTo` applied as they were (`after`: run after each, e.g. to commit through the views of then). */
async function storeMigratedTo(db: string, upTo: number, after?: (version: number, c: ReturnType<typeof chClient>) => Promise<void>) {
  used.add(db);
  await dropDatabase(db);
  const server = chClient(parseClickhouseUrl(urlOf(db)), null);
  await server.command(`CREATE DATABASE ${db}`);
  await server.close();
  const c = chClient(parseClickhouseUrl(urlOf(db)));
  const features = featuresOf(await c.version());
  await c.command(`CREATE TABLE schema_migrations (version UInt32, name String, applied_at Int64) ENGINE = MergeTree ORDER BY version`);
  for (const m of MIGRATIONS.filter((m) => m.version <= upTo)) {
    await m.before?.(c);
    for (const st of m.statements(features)) await c.command(st);
    await c.insert('schema_migrations', [{ version: m.version, name: m.name, applied_at: Date.now() }]);
    await after?.(m.version, c);
  }
  return { db, c, features };
}

it('files the dedup keys by the day each event claims (migration 013): keys logged before it stay duplicates, and a rerun after a kill at any statement loses none', async (ctx) => {
  if (!(await available())) return ctx.skip();
  const t0 = Date.UTC(2026, 10, 20, 9);
  const ev = (id: string, ts: number, claimed?: number) => ({
    id, type: 'APPEAL_NEW' as const, ts, appealId: `a-${id}`, channel: 'voice', queue: 'q', ...(claimed === undefined ? {} : { attrs: { [CLAMPED_ATTR]: claimed } }),
  });
  // live, late by days, late by a year (past the 60-day bound), and a future claim clamped at ingest
  const logged = [ev('k1', t0), ev('k2', t0 - 3 * DAY_MS), ev('k3', t0 - 400 * DAY_MS), ev('k4', t0, t0 + 90 * DAY_MS)].map((event) => ({ tenant: 't', event }));
  let n = 0;
  const storeAt12 = async () => {
    const { db, c, features } = await storeMigratedTo(`${DB}_claim${n++}`, 12);
    const log = new ClickhouseLog(c, () => t0 + 60_000);
    await log.open();
    expect(await log.append(logged)).toEqual([1, 2, 3, 4]);
    return { db, c, features };
  };
  const upgradedMatches = async (db: string, what: string) => {
    const s = await ClickhouseStorage.open(urlOf(db));
    try {
      expect(await s.append(logged), what).toEqual([null, null, null, null]);
      const [next] = await s.append([{ tenant: 't', event: ev('k5', t0 + 1_000) }]);
      expect(next, what).toBe(5);
      expect(await s.append([{ tenant: 't', event: ev('k5', t0 + 1_000) }, ...logged]), what).toEqual([null, null, null, null, null]);
      const look = chClient(parseClickhouseUrl(urlOf(db)));
      const [{ statement }] = await look.rows<{ statement: string }>(sql`SHOW CREATE TABLE event_keys_by_time`);
      expect(statement, what).toContain('PARTITION BY intDiv(greatest(least(key_ts, arrived + 86400000), arrived - 5184000000), 86400000)');
      const leftovers = await look.rows<{ name: string }>(sql`SELECT name FROM system.tables WHERE database = ${db} AND match(name, '^event_keys_by_(claimed|arrival)_day$')`);
      expect(leftovers, what).toEqual([]);
      // the live and the late keys each in their own day; the year-old one under the 60-day bound
      const days = await look.rows<{ p: string }>(sql`SELECT DISTINCT partition AS p FROM system.parts WHERE database = ${db} AND table = 'event_keys_by_time' AND active ORDER BY p`);
      const arrivalDay = Math.floor((t0 + 60_000) / DAY_MS);
      expect(days.map((d) => Number(d.p)), what).toEqual([arrivalDay - 60, arrivalDay - 3, arrivalDay, arrivalDay + 1]);
      await look.close();
    } finally {
      await s.close();
    }
  };
  const m13 = MIGRATIONS.find((m) => m.version === 13)!;
  for (const cut of [0, 1, 3, 4, 5, 6, 7]) {
    const { db, c, features } = await storeAt12();
    expect(m13.statements(features)).toHaveLength(8);
    for (const st of m13.statements(features).slice(0, cut)) await c.command(st);
    await c.close();
    await upgradedMatches(db, `013 cut after statement ${cut}`);
  }
  // a kill between the two halves of the rename
  {
    const { db, c, features } = await storeAt12();
    for (const st of m13.statements(features).slice(0, 5)) await c.command(st);
    await c.command('RENAME TABLE event_keys_by_time TO event_keys_by_arrival_day');
    await c.close();
    await upgradedMatches(db, "a kill inside 013's rename");
  }
}, 240_000);

it('converts the rollups of an old store (migrations 007: by operator first, 010: summed plain columns), and a rerun after a kill at any statement loses or doubles nothing', async (ctx) => {
  if (!(await available())) return ctx.skip();
  const t0 = Date.UTC(2026, 10, 21, 10);
  const sl = { default: { targetSec: 20, shortAbandonSec: 0, abandonsCount: true }, queues: [], channels: [] };
  const cells = [0, 1, 2].flatMap((m) => [
    { tenant: 't', queue: 'q', channel: 'voice', operator: '', bucket: t0 + m * 60_000, counters: { ...emptyCounters(), offered: 2, waitHist: { 4: 2 }, abandonHist: { 30: 1 } } },
    { tenant: 't', queue: 'q', channel: 'voice', operator: 'op1', bucket: t0 + m * 60_000, counters: { ...emptyCounters(), ha: 1, handleSumMs: 60_000, handleCount: 1 } },
  ]);
  const commit = (commitId: number, rollupDeltas: typeof cells) => ({ name: 'main', commitId, position: commitId, state: '{}', upserts: [], deletes: [], deadLetters: [], rollupDeltas });
  const history = async (s: ClickhouseStorage) => ({
    queue: await s.queryHistory({ tenant: 't', from: t0, to: t0 + 86_400_000, level: 'queue', groupBy: ['queue'], intervalMs: 3_600_000, sl, limit: 10 }),
    byOperator: await s.queryHistory({ tenant: 't', from: t0, to: t0 + 86_400_000, level: 'operator', groupBy: ['operator'], sl, limit: 10 }),
    minutes: await s.queryRollups({ tenant: 't', from: t0, to: t0 + 3_600_000, level: 'queue' }),
    qa: await s.qaLevels({ tenant: 't', at: t0 + 60_000 }),
  });
  // what a store made today holds of these cells
  const ref = await fresh(`${DB}_rollref`);
  await ref.commitCheckpoint(commit(1, cells));
  const expected = await history(ref);
  expect(expected.queue[0]).toMatchObject({ offered: 6, slWithin: 6, slTotal: 9 });
  expect(expected.byOperator[0]).toMatchObject({ operator: 'op1', ha: 3 });
  await ref.close();

  // a store of before migration 007, its cells committed through the views of then; migrated up to `upTo`
  let n = 0;
  const oldStore = (upTo: number) =>
    storeMigratedTo(`${DB}_roll${n++}`, upTo, async (version, c) => {
      if (version !== 6) return;
      const commits = new ClickhouseCommits(c);
      await commits.open();
      await commits.commit(commit(1, cells));
    });
  const openedMatches = async (db: string, what: string) => {
    const s = await ClickhouseStorage.open(urlOf(db));
    try {
      expect(await history(s), what).toEqual(expected);
      const look = chClient(parseClickhouseUrl(urlOf(db)));
      for (const t of ['rollups', 'rollups_hour', 'rollups_day']) {
        const [{ statement }] = await look.rows<{ statement: string }>(sql`SHOW CREATE TABLE ${raw(t)}`);
        expect(statement, `${t} after ${what}`).toContain('ORDER BY (tenant, operator, bucket, queue, channel)');
        expect(statement, `${t} after ${what}`).toContain('SummingMergeTree');
      }
      // migration 012: the minute rollups by day, the commits by 1,000
      const [{ statement: minuteDdl }] = await look.rows<{ statement: string }>(sql`SHOW CREATE TABLE rollups`);
      expect(minuteDdl, `rollups after ${what}`).toMatch(/PARTITION BY intDiv\(bucket, 86400000\) ORDER BY/);
      const [{ statement: commitsDdl }] = await look.rows<{ statement: string }>(sql`SHOW CREATE TABLE commits`);
      expect(commitsDdl, `commits after ${what}`).toMatch(/PARTITION BY \(name, intDiv\(commit_id, 1000\)\) ORDER BY/);
      const leftovers = await look.rows<{ name: string }>(sql`SELECT name FROM system.tables WHERE database = ${db} AND match(name, '_(old|reordered|summed|aggregating|by_day|by_month|small|large)$')`);
      expect(leftovers, what).toEqual([]);
      const views = await look.rows<{ name: string }>(sql`SELECT name FROM system.tables WHERE database = ${db} AND engine = 'MaterializedView' AND name != 'time_events_mv' AND name != 'appeal_events_mv' AND name != 'event_keys_by_time_mv' ORDER BY name`);
      expect(views.map((v) => v.name), what).toEqual(['dead_letters_mv', 'processor_state_mv', 'qa_totals_mv', 'rollup_repairs_mv', 'rollups_day_mv', 'rollups_hour_mv', 'rollups_mv']);
      await look.close();
      // the views write into the converted tables: a later commit adds up
      await s.commitCheckpoint(commit(2, cells.slice(0, 1)));
      // (at each resolution: the minutes, the hours, a whole day)
      const minutes = await s.queryRollups({ tenant: 't', from: t0, to: t0 + 3_600_000, level: 'queue' });
      expect(minutes.reduce((a, c) => a + c.counters.offered, 0), `minutes after ${what}`).toBe(8);
      expect((await s.queryHistory({ tenant: 't', from: t0, to: t0 + 86_400_000, level: 'queue', groupBy: ['queue'], intervalMs: 3_600_000, sl, limit: 10 }))[0], what).toMatchObject({ offered: 8, slWithin: 8 });
      const day = t0 - (t0 % DAY_MS);
      expect((await s.queryHistory({ tenant: 't', from: day, to: day + DAY_MS, level: 'queue', groupBy: ['queue'], sl, limit: 10 }))[0], `a day after ${what}`).toMatchObject({ offered: 8, slWithin: 8 });
      // and the other views: keyed state and dead letters
      await s.commitCheckpoint({ ...commit(3, []), upserts: [{ key: 'k', value: '"v"' }], deadLetters: [{ tenant: 't', eventId: 'x', seq: 2, step: 'appeal', reason: 'broken', payload: { id: 'x' } }] });
      const cp = await s.loadCheckpoint('main');
      expect(cp, what).toMatchObject({ commitId: 3, entries: [{ key: 'k', value: 'v' }] });
      expect((await s.listDeadLetters({ tenant: 't', limit: 10 })).map((d) => d.reason), what).toEqual(['broken']);
    } finally {
      await s.close();
    }
  };

  // 007 cut short after a statement, then the upgrade whole (007 again, then the rest)
  const m7 = MIGRATIONS.find((m) => m.version === 7)!;
  for (const cut of [1, 4, 6, 24]) {
    const { db, c, features } = await oldStore(6);
    for (const st of m7.statements(features).slice(0, cut)) await c.command(st);
    await c.close();
    await openedMatches(db, `007 cut after statement ${cut}`);
  }
  // a kill between the two halves of 007's rename
  {
    const { db, c, features } = await oldStore(6);
    for (const st of m7.statements(features).slice(0, 4)) await c.command(st);
    await c.command('DROP TABLE IF EXISTS rollups_old');
    await c.command('RENAME TABLE rollups TO rollups_old');
    await c.close();
    await openedMatches(db, "a kill inside 007's rename");
  }
  // 010 cut short after each statement of the first table's conversion, and later ones
  for (const cut of [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 20]) {
    const { db, c } = await oldStore(9);
    await convertRollupsToSummed(c, cut);
    await c.close();
    await openedMatches(db, `010 cut after statement ${cut}`);
  }
  // a kill between the two halves of 010's rename (not atomic in ClickHouse)
  {
    const { db, c, features } = await oldStore(9);
    for (const st of conversionOf('rollups', 60_000, features).slice(0, 5)) await c.command(st);
    await c.command('RENAME TABLE rollups TO rollups_aggregating');
    await c.close();
    await openedMatches(db, 'a kill inside the rename');
  }
  // 012 cut short after each kind of statement (the views dropped, each copy, each swap, the views made again)
  const m12 = MIGRATIONS.find((m) => m.version === 12)!;
  for (const cut of [1, 7, 10, 11, 12, 15, 16, 17, 20, 24, 25]) {
    const { db, c, features } = await oldStore(11);
    expect(m12.statements(features)).toHaveLength(26);
    for (const st of m12.statements(features).slice(0, cut)) await c.command(st);
    await c.close();
    await openedMatches(db, `012 cut after statement ${cut}`);
  }
  // a kill between the two halves of each of 012's renames
  for (const [table, old, at] of [['rollups', 'rollups_by_month', 11], ['commits', 'commits_large', 16]] as const) {
    const { db, c, features } = await oldStore(11);
    for (const st of m12.statements(features).slice(0, at)) await c.command(st);
    await c.command(`RENAME TABLE ${table} TO ${old}`);
    await c.close();
    await openedMatches(db, `a kill inside 012's rename of ${table}`);
  }
}, 480_000);

it('takes a whole request of 50,000 events in one append, and all of it again as duplicates (the lookup stays within 18.16’s query limits)', async (ctx) => {
  if (!(await available())) return ctx.skip();
  const s = await fresh(`${DB}_big`);
  try {
    const t0 = Date.now() - 3_600_000;
    const batch = Array.from({ length: 50_000 }, (_, i) => ({ tenant: 't', event: { id: `big-${i}`, type: 'APPEAL_NEW' as const, ts: t0 + i * 50, appealId: `a${i}`, queue: 'q', channel: 'voice' } }));
    const first = await s.append(batch);
    expect(first.filter((x) => x === null)).toHaveLength(0);
    const again = await s.append(batch);
    expect(again.every((x) => x === null)).toBe(true);
  } finally {
    await s.close();
  }
}, 120_000);
