import postgres from 'postgres';
import { afterAll, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type Config } from '../config/config.js';
import type { CcEvent, EventType } from '../contract/event.js';
import { openPostgresStorage } from '../storage/postgres/client.js';
import type { Storage } from '../storage/storage.js';
import { Engine } from '../stream/engine.js';
import { serverAvailable } from '../testing/require-server.js';

/** Verify on PostgreSQL: the worker thread opens a connection of its own (the engine's pool is not shared). */

const ADMIN_URL = process.env.CCPULSE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = `ccpulse_verify_${process.pid}`;
const url = ADMIN_URL.replace(/\/[^/]*$/, `/${DB}`);
const MIN = 60_000;
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 6 * 3_600_000;

let storage: Storage | undefined;
let engine: Engine | undefined;
afterAll(async () => {
  await engine?.stop();
  await storage?.close();
  if (storage) {
    const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`DROP DATABASE IF EXISTS ${DB}`);
    await admin.end();
  }
});

it('recomputes a range on its worker thread against PostgreSQL, and finds a difference put in storage', async (ctx) => {
  if (!(await serverAvailable('PostgreSQL', '127.0.0.1', 5432))) return ctx.skip();
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${DB}`);
  await admin.unsafe(`CREATE DATABASE ${DB}`);
  await admin.end();
  storage = await openPostgresStorage(url);
  const config: Config = { ...DEFAULT_CONFIG, logLevel: 'silent', inactivityTimeoutSec: { default: 3600, voice: 1200, email: 3 * 3600 } };
  engine = await Engine.start({ storage, config });
  let n = 0;
  const ev = (type: EventType, min: number, appealId: string, channel: string): CcEvent => ({
    id: `p${++n}`, type, ts: T0 + min * MIN, appealId, channel, queue: 'q1', ...(type === 'APPEAL_APPOINTED' || type === 'APPEAL_CLOSED' ? { operatorId: 'o1' } : {}),
  });
  const events: CcEvent[] = [];
  for (let i = 0; i < 30; i++) {
    const c = ['email', 'voice', 'webchat'][i % 3];
    events.push(ev('APPEAL_NEW', -150 + i * 10, `a${i}`, c), ev('APPEAL_APPOINTED', -148 + i * 10, `a${i}`, c));
    if (i % 2) events.push(ev('APPEAL_CLOSED', -120 + i * 10, `a${i}`, c));
  }
  await engine.append('default', events);
  const range = [T0, T0 + 180 * MIN] as const;
  const clean = await engine.verify('default', ...range, { pageSize: 3, chunkMs: 30 * MIN });
  expect(clean).toMatchObject({ totalDifferences: 0, truncated: false });
  expect(clean.appealsTold).toBeGreaterThan(10);
  await engine.checkpointer.commit();
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  await sql`UPDATE rollups SET aa = aa + 1 WHERE bucket >= ${new Date(T0)} AND aa > 0`;
  await sql.end();
  const broken = await engine.verify('default', ...range, { pageSize: 3, chunkMs: 30 * MIN });
  expect(broken.totalDifferences).toBeGreaterThan(0);
  expect(broken.differences[0]).toMatchObject({ field: 'aa' });
}, 120_000);
