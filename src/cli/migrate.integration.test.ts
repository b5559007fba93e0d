import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CcEvent } from '../contract/event.js';
import { createSimulation } from '../sim/index.js';
import { openEndpoint } from '../storage/migrate/endpoints.js';
import { migrateStore } from '../storage/migrate/migrate.js';
import { migrateLogical } from '../storage/migrate/logical.js';
import { chClient, parseClickhouseUrl } from '../storage/clickhouse/client.js';
import { runCli } from '../testing/cli.js';
import { newKey } from '../api/keys/key-format.js';
import { hashKey } from '../api/keys/key-hash.js';
import { openPgliteStorage } from '../storage/pglite/index.js';
import { serverAvailable } from '../testing/require-server.js';
import { ServerProcess } from '../testing/server-process.js';

/**
 * ccpulse migrate end to end: a store filled by a real server through HTTP, copied from the embedded
 * store into PostgreSQL and back, each time started again as a server that must answer the same
 * history and go on numbering the log where the source stopped. And a copy interrupted half-way that
 * carries on when run again.
 */
const ADMIN_URL = process.env.CCPULSE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = `ccpulse_migrate_${process.pid}`;
const PG_URL = ADMIN_URL.replace(/\/[^/]*$/, `/${DB}`);
const dir = mkdtempSync(join(tmpdir(), 'ccpulse-migrate-'));
const pgUp = await serverAvailable('PostgreSQL', '127.0.0.1', 5432);
/** ClickHouse as .ci/run starts it: a database of this run's own, dropped at the end. */
const CLICKHOUSE = process.env.CCPULSE_TEST_CLICKHOUSE_URL ?? 'clickhouse://default@127.0.0.1:8123/default';
const CH_DB = `ccpulse_migrate_${process.pid}`;
const CH_URL = CLICKHOUSE.replace(/\/[^/]*$/, `/${CH_DB}`);
const chUp = () => serverAvailable('ClickHouse', new URL(CLICKHOUSE).hostname, Number(new URL(CLICKHOUSE).port || 8123));
let usedClickhouse = false;

const sim = createSimulation({ scenario: 'demo', seed: 3, durationMs: 40 * 60_000 });
const events = sim.next(sim.endTime) as CcEvent[];
/** Keys of the source store (as `ccpulse keys create` stores them): every copy's server accepts the first and refuses the revoked one. */
const readKey = newKey();
const revokedKey = newKey();

/** A server with keys required on `dataDir`: the copied read key works, the revoked one does not, and no new admin key was made. */
async function checkKeys(dataDir: string): Promise<void> {
  const s = await ServerProcess.start({ dataDir, auth: true });
  try {
    const live = async (key: string) => (await fetch(`${s.url}/v1/live`, { headers: { authorization: `Bearer ${key}` } })).status;
    expect(await live(readKey.key)).toBe(200);
    expect(await live(revokedKey.key)).toBe(401);
    expect(s.output).not.toMatch(/A new admin key/);
  } finally {
    await s.stop();
  }
}

const range = `from=${sim.startTime - 3_600_000}&to=${sim.endTime + 3_600_000}`;

/** What a server answers about its history: per minute and queue × channel, per operator, campaigns, settings, the log position. */
async function answers(s: ServerProcess) {
  const get = async (path: string) => (await s.get(path)).body;
  return {
    perMinute: (await get(`/v1/metrics?${range}&interval=1m&groupBy=queue,channel`)).rows,
    perOperator: (await get(`/v1/metrics?${range}&groupBy=operator`)).rows,
    campaigns: (await get('/v1/campaigns')).items,
    settings: (({ version, updatedAt, settings }) => ({ version, updatedAt, settings }))(await get('/v1/settings')),
    destinations: (await get('/v1/notifications/destinations')).items,
    deliveries: ((await get('/v1/notifications/deliveries?limit=500')).items as Array<{ key: string }>).map((d) => d.key).sort(),
    position: (await get('/healthz')).position,
  };
}

describe.skipIf(!pgUp)('ccpulse migrate', () => {
  let before: Awaited<ReturnType<typeof answers>>;
  /** The PostgreSQL server's answers after one more event: what the copy back must answer. */
  let onPostgres: Awaited<ReturnType<typeof answers>>;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });

  beforeAll(async () => {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await admin.unsafe(`CREATE DATABASE ${DB}`);
    const s = await ServerProcess.start({ dataDir: join(dir, 'a') });
    try {
      // a destination nobody answers at: its deliveries stay in the store, to be copied with it
      const made = await s.post('/v1/notifications/destinations', { name: 'nobody', kind: 'webhook', webhook: { url: 'http://127.0.0.1:9/', secret: 'sixteen characters' }, route: { severities: ['critical', 'warning', 'info'] } });
      expect(made.status).toBe(201);
      expect((await s.post(`/v1/notifications/destinations/${made.body.id}/test`, {})).body.state).toBe('dead');
      for (let i = 0; i < events.length; i += 2_000) expect((await s.post('/v1/events', events.slice(i, i + 2_000))).status).toBe(202);
      expect((await s.put('/v1/campaigns/spring', { listSize: 1_000, deadline: '2027-01-01T00:00:00Z' })).status).toBe(200);
      const settings = { slTargetPct: { sales: 90 }, sl: { queues: { sales: { targetSec: 30, shortAbandonSec: 5, abandonsCount: true } } } };
      expect((await s.put('/v1/settings', { version: 0, settings })).status).toBe(200);
      before = await answers(s);
    } finally {
      await s.stop();
    }
    // as the server lays out --data DIR: DIR/pglite, the log and the store in databases of their own
    const store = await openPgliteStorage({ dataDir: join(dir, 'a', 'pglite'), thread: true });
    try {
      const key = async (k: typeof readKey, role: 'read' | 'ingest', revokedAt: number | null) =>
        expect(await store.addApiKey({ id: k.id, tenant: 'default', role, name: `migrated ${role}`, hash: await hashKey(k.key), last4: k.key.slice(-4), createdAt: Date.parse('2026-11-01T08:00:00Z'), revokedAt })).toBe(true);
      await key(readKey, 'read', null);
      await key(revokedKey, 'ingest', Date.parse('2026-11-02T08:00:00Z'));
    } finally {
      await store.close();
    }
    expect(before.perMinute.length).toBeGreaterThan(100);
    expect(before.destinations).toHaveLength(1);
    expect(before.deliveries.length).toBeGreaterThan(0);
  }, 120_000);

  afterAll(async () => {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`).catch(() => {});
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
    if (usedClickhouse) {
      const server = chClient(parseClickhouseUrl(CLICKHOUSE), null, 300_000);
      await Promise.all([CH_DB, `${CH_DB}_resumed`].map((db) => server.command(`DROP DATABASE IF EXISTS ${db}`)));
      await server.close();
    }
  }, 300_000);

  it('copies the embedded store into PostgreSQL, checked; the server on it answers the same and numbers on', async () => {
    const r = await runCli(['migrate', '--from', `pglite:${join(dir, 'a')}`, '--to', PG_URL], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^copied and checked: 16 tables, [\d,]+ rows, counts and checksums equal on both sides/);
    expect(r.stdout).toMatch(new RegExp(`events +${before.position.toLocaleString('en')} rows`));
    expect(r.stderr).toMatch(/events: [\d,]+ \/ [\d,]+ \(100 %\)/);

    const s = await ServerProcess.start({ args: ['--storage', PG_URL] });
    try {
      expect(await answers(s)).toEqual(before);
      expect((await s.get(`/v1/verify?${range}`)).body.differences).toEqual([]);
      // the log goes on after the copied positions
      const more = await s.post('/v1/events', [{ id: 'after-migrate', type: 'APPEAL_NEW', ts: sim.endTime, appealId: 'after-1', queue: 'sales', channel: 'voice' }]);
      expect(more.status).toBe(202);
      expect(Number(more.headers.get('x-ccpulse-position'))).toBe(before.position + 1);
    } finally {
      onPostgres = await answers(s);
      expect(onPostgres.perMinute).not.toEqual(before.perMinute); // the event counted
      await s.stop();
    }
  }, 180_000);

  it('copies PostgreSQL back into a new embedded store, checked, and refuses what it must', async () => {
    const back = join(dir, 'back');
    const r = await runCli(['migrate', '--from', PG_URL, '--to', `pglite:${back}`], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const s = await ServerProcess.start({ dataDir: back });
    try {
      // with the event posted after the first copy
      expect(await answers(s)).toEqual(onPostgres);
      expect(onPostgres.position).toBe(before.position + 1);
    } finally {
      await s.stop();
    }
    // into a store that holds a copy of another: refused, naming both
    const again = await runCli(['migrate', '--from', `pglite:${join(dir, 'a')}`, '--to', `pglite:${back}`], { timeoutMs: 60_000 });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/holds a migration from postgres at .*, not from pglite:/);
    // from a directory with no store in it
    const nothing = await runCli(['migrate', '--from', `pglite:${join(dir, 'nope')}`, '--to', `pglite:${join(dir, 'x')}`], { timeoutMs: 60_000 });
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(/nope holds no ccpulse data/);
    // usage
    for (const [args, message] of [
      [['migrate', '--from', 'pglite:./a'], /give both --from URL and --to URL/],
      [['migrate', '--from', 'pglite:./a', '--to', 'pglite:./a'], /--from and --to name the same store/],
      [['migrate', '--from', 'mysql://root:pw@h/db', '--to', 'pglite:./b'], /--from: must be pglite:DIR, postgres:\/\/… or clickhouse:\/\/…, got a mysql:\/\/ URL/],
    ] as const) {
      const u = await runCli([...args], { timeoutMs: 60_000 });
      expect(u.code, u.stderr).toBe(u.stderr.includes('give both') || u.stderr.includes('same store') ? 2 : 1);
      expect(u.stderr).toMatch(message);
      expect(u.stderr).not.toContain('pw@');
    }
  }, 180_000);

  it('an interrupted copy carries on where it stopped when run again', async () => {
    const from = await openEndpoint(`pglite:${join(dir, 'a')}`, '--from', true);
    const to = await openEndpoint(`pglite:${join(dir, 'resumed')}`, '--to', false);
    try {
      let pages = 0;
      // stopped after three pages of the log, as a kill would stop it between two of them
      await expect(
        migrateStore(from.sql!, to.sql!, {
          pageRows: 1_000,
          onProgress: ({ table, done }) => {
            if (table === 'events' && done > 0 && ++pages === 3) throw new Error('interrupted');
          },
        }),
      ).rejects.toThrow('interrupted');
      const reports = await migrateStore(from.sql!, to.sql!, { pageRows: 1_000 });
      const log = reports.find((x) => x.table === 'events')!;
      expect(log.rows).toBe(before.position);
      expect(log.copied).toBe(before.position - 3_000);
      expect(reports.find((x) => x.table === 'checkpoints')).toMatchObject({ rows: 1, copied: 1 });
    } finally {
      await Promise.all([from.close(), to.close()]);
    }
  }, 120_000);
  it('copies PostgreSQL into ClickHouse and ClickHouse back into a new embedded store, checked; the servers on them answer the same and number on', async (ctx) => {
    if (!(await chUp())) return ctx.skip();
    usedClickhouse = true;
    const r = await runCli(['migrate', '--from', PG_URL, '--to', CH_URL], { timeoutMs: 180_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^copied and checked: 13 tables, [\d,]+ rows, counts and checksums equal on both sides/);
    expect(r.stdout).toMatch(/api_keys +2 rows/);
    let onClickhouse: Awaited<ReturnType<typeof answers>>;
    const s = await ServerProcess.start({ args: ['--storage', CH_URL] });
    try {
      expect(await answers(s)).toEqual(onPostgres);
      expect((await s.get(`/v1/verify?${range}`)).body.differences).toEqual([]);
      const more = await s.post('/v1/events', [{ id: 'after-clickhouse', type: 'APPEAL_NEW', ts: sim.endTime + 1, appealId: 'after-2', queue: 'sales', channel: 'voice' }]);
      expect(more.status).toBe(202);
      expect(Number(more.headers.get('x-ccpulse-position'))).toBe(onPostgres.position + 1);
    } finally {
      onClickhouse = await answers(s);
      await s.stop();
    }
    expect(onClickhouse.position).toBe(onPostgres.position + 1);

    const back = join(dir, 'from-clickhouse');
    const r2 = await runCli(['migrate', '--from', CH_URL, '--to', `pglite:${back}`], { timeoutMs: 180_000 });
    expect(r2.code, r2.stderr).toBe(0);
    const b = await ServerProcess.start({ dataDir: back });
    try {
      expect(await answers(b)).toEqual(onClickhouse);
      expect((await b.get(`/v1/verify?${range}`)).body.differences).toEqual([]);
    } finally {
      await b.stop();
    }
    // the keys went through ClickHouse and back
    await checkKeys(back);
  }, 300_000);

  it('an interrupted copy into ClickHouse carries on where it stopped when run again', async (ctx) => {
    if (!(await chUp())) return ctx.skip();
    usedClickhouse = true;
    const target = CH_URL.replace(/\/[^/]*$/, `/${CH_DB}_resumed`);
    const from = await openEndpoint(`pglite:${join(dir, 'a')}`, '--from', true);
    const to = await openEndpoint(target, '--to', false);
    try {
      let pages = 0;
      await expect(
        migrateLogical(from.logical, to.logical, {
          pageRows: 1_000,
          onProgress: ({ table, done }) => {
            if (table === 'events' && done > 0 && ++pages === 3) throw new Error('interrupted');
          },
        }),
      ).rejects.toThrow('interrupted');
      const reports = await migrateLogical(from.logical, to.logical, { pageRows: 1_000 });
      const log = reports.find((x) => x.table === 'events')!;
      expect(log.rows).toBe(before.position);
      expect(log.copied).toBe(before.position - 3_000);
      expect(reports.find((x) => x.table === 'checkpoints')).toMatchObject({ rows: 1, copied: 1 });
      // run again once finished: nothing copied, everything checked
      expect((await migrateLogical(from.logical, to.logical)).every((x) => x.copied === 0)).toBe(true);
    } finally {
      await Promise.all([from.close(), to.close()]);
    }
  }, 180_000);
});
