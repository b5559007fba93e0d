import postgres from 'postgres';
import { storageConformance } from '../conformance.js';
import { serverAvailable } from '../../testing/require-server.js';
import { afterAll, expect, it } from 'vitest';
import { DatabaseInUseError, openPostgresStorage } from './client.js';

const ADMIN_URL = process.env.CCPULSE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = `ccpulse_test_${process.pid}`;
const url = ADMIN_URL.replace(/\/[^/]*$/, `/${DB}`);

async function freshDatabase() {
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${DB}`);
  await admin.unsafe(`CREATE DATABASE ${DB}`);
  await admin.end();
  return openPostgresStorage(url);
}

storageConformance('postgres', freshDatabase, {
  enabled: () => serverAvailable('PostgreSQL', '127.0.0.1', 5432),
  reopen: () => openPostgresStorage(url),
});

it('refuses a second writer on the same database while the first runs, and lets it in once the first closes', async (ctx) => {
  if (!(await serverAvailable('PostgreSQL', '127.0.0.1', 5432))) return ctx.skip();
  const lockDb = `${DB}_lock`;
  const lockUrl = ADMIN_URL.replace(/\/[^/]*$/, `/${lockDb}`);
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${lockDb}`);
  await admin.unsafe(`CREATE DATABASE ${lockDb}`);
  afterAll(async () => {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${lockDb} WITH (FORCE)`);
    await admin.end();
  });
  const first = await openPostgresStorage(lockUrl);
  await expect(openPostgresStorage(lockUrl)).rejects.toThrow(DatabaseInUseError);
  await first.close();
  const second = await openPostgresStorage(lockUrl);
  await second.close();
});

it('asks autovacuum to summarize each block range of the log as it fills (reads by seq or ts otherwise scan the unsummarized tail)', async (ctx) => {
  if (!(await serverAvailable('PostgreSQL', '127.0.0.1', 5432))) return ctx.skip();
  const storage = await freshDatabase();
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`SELECT relname, reloptions FROM pg_class WHERE relname IN ('events_seq_brin', 'events_ts_brin') ORDER BY relname`;
    expect(rows.map((r) => [r.relname, r.reloptions])).toEqual([
      ['events_seq_brin', ['autosummarize=on']],
      ['events_ts_brin', ['autosummarize=on']],
    ]);
  } finally {
    await sql.end();
    await storage.close();
  }
});

it('keeps the log up itself when the server does not (autovacuum off): a crowded day out of the default partition, new block ranges summarized, statistics taken as it grows', async (ctx) => {
  if (!(await serverAvailable('PostgreSQL', '127.0.0.1', 5432))) return ctx.skip();
  const storage = await freshDatabase();
  const { Engine } = await import('../../stream/engine.js');
  const { DEFAULT_CONFIG } = await import('../../config/config.js');
  const engine = await Engine.start({ storage, config: DEFAULT_CONFIG });
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    // whatever the server does, this log is ours to keep up; a day long past has no partition: its events go to the default one
    await sql`ALTER TABLE events_default SET (autovacuum_enabled = false)`;
    const t0 = Date.UTC(2026, 10, 21, 10);
    for (let b = 0; b < 8; b++) {
      const events = Array.from({ length: 5_000 }, (_, i) => ({ id: `e${b}-${i}`, type: 'APPEAL_NEW' as const, ts: t0 + b * 5_000 + i, appealId: `a${b}-${i}`, channel: 'voice', queue: 'q' }));
      await engine.append('default', events);
    }
    let analyzed = false;
    for (const deadline = Date.now() + 20_000; !analyzed && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 250));
      [{ analyzed }] = await sql`SELECT coalesce(bool_or(last_analyze IS NOT NULL), false) AS analyzed FROM pg_stat_user_tables WHERE relname = 'events_20261121'`;
    }
    expect(analyzed).toBe(true);
    // the day moved to a partition of its own, whole
    const [{ own, left }] = await sql`SELECT (SELECT count(*)::int FROM events_20261121) AS own, (SELECT count(*)::int FROM events_default) AS left`;
    expect([own, left]).toEqual([40_000, 0]);
    // an upkeep may have run while the appends went on: two more of its 2-second rounds cover the last ranges
    await new Promise((r) => setTimeout(r, 5_000));
    await engine.stop();
    const [{ n }] = await sql`SELECT coalesce(sum(brin_summarize_new_values(i.inhrelid::regclass)), 0)::int AS n FROM pg_inherits i WHERE i.inhparent IN ('events_seq_brin'::regclass, 'events_ts_brin'::regclass)`;
    expect(n).toBe(0);
  } finally {
    await engine.stop().catch(() => {});
    await sql.end();
    await storage.close();
  }
}, 60_000);

it('partitions the log by the day each event claims: one index a day for the idempotency key, led by that time, the days ahead made in advance', async (ctx) => {
  if (!(await serverAvailable('PostgreSQL', '127.0.0.1', 5432))) return ctx.skip();
  const storage = await freshDatabase();
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [{ kind }] = await sql`SELECT relkind::text AS kind FROM pg_class WHERE relname = 'events'`;
    expect(kind).toBe('p');
    const today = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    const parts = (await sql`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass`).map((r) => r.name as string);
    expect(parts).toContain('events_default');
    expect(parts).toContain(`events_${today}`);
    expect(parts.filter((p) => /^events_\d{8}$/.test(p)).length).toBeGreaterThanOrEqual(8); // today and the week ahead
    // the key is led by the claimed time (migration 014), so live traffic's inserts land on its right edge
    const [{ key }] = await sql`SELECT pg_get_constraintdef(oid) AS key FROM pg_constraint WHERE conrelid = 'events'::regclass AND contype = 'p'`;
    expect(key).toBe('PRIMARY KEY (key_ts, tenant, id)');
    // the queue-level rollups have an index of their own at every resolution (migration 015)
    const idx = await sql`SELECT tablename AS t, indexdef AS d FROM pg_indexes WHERE indexname LIKE '%_queue_level' ORDER BY 1`;
    expect(idx.map((i) => i.t)).toEqual(['rollups', 'rollups_day', 'rollups_hour']);
    for (const i of idx) expect(i.d).toMatch(/\(tenant, bucket\) INCLUDE \(queue, channel, operator, .*wait_hist, abandon_hist\) WHERE \(operator = ''::text\)$/);
    // a retry of an event is a duplicate, in its day's partition; one clamped to its arrival too (it claims the same time)
    const now = Date.now();
    const ev = { id: 'x1', type: 'APPEAL_NEW' as const, ts: now, appealId: 'a', channel: 'voice', queue: 'q' };
    const clamped = { ...ev, id: 'x2', ts: now, attrs: { ccpulseClampedFromTs: now + 30 * 86_400_000 } };
    const first = await storage.append([{ tenant: 't', event: ev }, { tenant: 't', event: clamped }]);
    expect(first.every((s) => typeof s === 'number')).toBe(true);
    const retry = await storage.append([{ tenant: 't', event: ev }, { tenant: 't', event: { ...clamped, ts: now + 5_000 } }]);
    expect(retry).toEqual([null, null]);
    // the clamped one lives in the default partition (a day a month ahead has none yet), keyed by the time it claimed
    const [{ n }] = await sql`SELECT count(*)::int AS n FROM events_default WHERE id = 'x2'`;
    expect(n).toBe(1);
  } finally {
    await sql.end();
    await storage.close();
  }
});
