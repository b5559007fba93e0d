import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CcEvent, EventType } from '../contract/event.js';
import { startTestApp, type TestApp } from '../api/testing/test-app.js';
import { sqlOverPort } from '../storage/sql-port.js';

/**
 * Verify through the real engine and app: the worker thread, its own access to the database (here a
 * port to the PGlite on the test's thread), the stream side taken under the engine's lock, and what
 * GET /v1/verify answers.
 */

const NOW = Date.now();
const T0 = Math.floor(NOW / 3_600_000) * 3_600_000 - 6 * 3_600_000; // six hours ago, on the hour
const MIN = 60_000;
let t: TestApp;
let n = 0;
const ev = (type: EventType, min: number, appealId: string, channel = 'voice'): CcEvent => ({
  id: `v${++n}`, type, ts: T0 + min * MIN, appealId, channel, queue: 'q1',
  ...(type === 'APPEAL_APPOINTED' || type === 'APPEAL_CLOSED' ? { operatorId: 'o1' } : {}),
});

beforeAll(async () => {
  t = await startTestApp({ inactivityTimeoutSec: { default: 3600, voice: 1200, email: 3 * 3600 } });
  const events: CcEvent[] = [];
  for (let i = 0; i < 40; i++) {
    const start = -200 + i * 10;
    events.push(ev('APPEAL_NEW', start, `a${i}`, i % 3 === 0 ? 'email' : i % 3 === 1 ? 'voice' : 'webchat'), ev('APPEAL_SENT_DISTRIBUTION', start + 1, `a${i}`, i % 3 === 0 ? 'email' : i % 3 === 1 ? 'voice' : 'webchat'));
    if (i % 4 !== 0) events.push(ev('APPEAL_APPOINTED', start + 3, `a${i}`, i % 3 === 0 ? 'email' : i % 3 === 1 ? 'voice' : 'webchat'));
    if (i % 2 === 0) events.push(ev('APPEAL_CLOSED', start + 30, `a${i}`, i % 3 === 0 ? 'email' : i % 3 === 1 ? 'voice' : 'webchat'));
  }
  const res = await t.app.inject({ method: 'POST', url: '/v1/events', payload: events });
  expect(res.statusCode, res.body).toBe(202);
}, 120_000);
afterAll(() => t?.close());

it('GET /v1/verify: no difference, and the additions to the answer', async () => {
  const res = await t.app.inject({ url: `/v1/verify?from=${T0}&to=${T0 + 180 * MIN}` });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json();
  expect(body).toMatchObject({ differences: [], totalDifferences: 0, truncated: false });
  expect(body.cells).toBeGreaterThan(20);
  expect(body.appeals).toBeGreaterThan(15); // including appeals begun before the range, found by the lookback
});

it('in small pages and chunks, on its worker thread, a difference in storage is found, and the list is capped', async () => {
  const engine = t.engine;
  await engine.checkpointer.commit();
  const clean = await engine.verify('default', T0, T0 + 180 * MIN, { pageSize: 2, chunkMs: 15 * MIN, appealBatch: 3 });
  expect(clean.totalDifferences).toBe(0);
  // corrupt the committed rollups behind the stream's back, through the same kind of port verify reads by
  const access = t.storage.sqlAccess!();
  const db = sqlOverPort((access.store as { port: import('node:worker_threads').MessagePort }).port);
  await db.query(`UPDATE rollups SET offered = offered + 1 WHERE tenant = 'default' AND bucket >= $1::timestamptz AND bucket < $2::timestamptz AND offered > 0`, [
    new Date(T0).toISOString(), new Date(T0 + 180 * MIN).toISOString(),
  ]);
  db.close();
  const broken = await engine.verify('default', T0, T0 + 180 * MIN, { pageSize: 2, chunkMs: 15 * MIN, maxDifferences: 3 });
  expect(broken.totalDifferences).toBeGreaterThan(3);
  expect(broken.differences).toHaveLength(3);
  expect(broken.truncated).toBe(true);
  expect(broken.differences[0]).toMatchObject({ field: 'offered' });
});

it('keeps the 31-day limit with its 400', async () => {
  const res = await t.app.inject({ url: `/v1/verify?from=${T0 - 40 * 86_400_000}&to=${T0}` });
  expect(res.statusCode).toBe(400);
  expect(res.json().error.message).toMatch(/31 days/);
});
