import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorShape } from '../testing/http.js';
import { startTestApp, type TestApp } from '../testing/test-app.js';

const M = 60_000;
interface Item {
  id: string;
  status: string | null;
  queue: string | null;
  handling: number;
  handledToday: number;
  ahtSec: number | null;
  occupancyPct: number | null;
  minutesToday: { ready: number; busy: number; acw: number; break: number };
}

describe('GET /v1/operators', () => {
  let t: TestApp;
  const get = (url: string, key = 'ka') => t.app.inject({ url, headers: { authorization: `Bearer ${key}` } });
  let start = 0;

  beforeAll(async () => {
    t = await startTestApp({ apiKeys: { ka: 'acme', kb: 'beta' } });
    const now = Date.now();
    // today only: the test's events must not cross UTC midnight
    start = Math.max(now - 40 * M, now - (now % 86_400_000) + 1_000);
    const at = (ms: number) => new Date(Math.min(now - 1_000, start + ms)).toISOString();
    const st = (id: string, op: string, status: string, ms: number, queue = 'sales') => ({ id, type: 'OPERATOR_STATUS', ts: at(ms), operatorId: op, status, queue, channel: 'voice' });
    const appeal = (a: string, op: string, ms: number, handleMs: number, close = true) => [
      { id: `${a}:n`, type: 'APPEAL_NEW', ts: at(ms), appealId: a, queue: 'sales', channel: 'voice' },
      { id: `${a}:s`, type: 'APPEAL_SENT_DISTRIBUTION', ts: at(ms), appealId: a, queue: 'sales', channel: 'voice' },
      { id: `${a}:a`, type: 'APPEAL_APPOINTED', ts: at(ms + 5_000), appealId: a, queue: 'sales', channel: 'voice', operatorId: op },
      ...(close ? [{ id: `${a}:c`, type: 'APPEAL_CLOSED', ts: at(ms + 5_000 + handleMs), appealId: a, queue: 'sales', channel: 'voice', operatorId: op }] : []),
    ];
    const events = [
      st('s1', 'ann', 'ready', 0),
      st('s2', 'ann', 'busy', 60_000),
      ...appeal('a1', 'ann', 60_000, 120_000),
      st('s3', 'ann', 'ready', 185_000),
      ...appeal('a2', 'ann', 240_000, 60_000),
      ...appeal('a3', 'ann', 400_000, 0, false),
      st('s4', 'bob', 'break', 0, 'support'),
      st('s5', '__proto__', 'ready', 0, 'support'),
    ].sort((a, b) => a.ts.localeCompare(b.ts));
    const r = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json', authorization: 'Bearer ka' }, payload: JSON.stringify(events) });
    expect(r.statusCode, r.body).toBe(202);
  });
  afterAll(() => t?.close());

  it('lists each operator with status, place, what they handle now, handled today with AHT, and occupancy', async () => {
    const r = await get('/v1/operators');
    expect(r.statusCode, r.body).toBe(200);
    const items = (r.json() as { items: Item[] }).items;
    expect(items.map((i) => i.id)).toEqual(['__proto__', 'ann', 'bob']);
    const ann = items.find((i) => i.id === 'ann')!;
    expect(ann).toMatchObject({ status: 'ready', queue: 'sales', handling: 1, handledToday: 2 });
    expect(ann.ahtSec).toBe(90); // (120 + 60) / 2
    // 1 min ready, 2 min 5 s busy, then ready: occupancy is busy over ready + busy
    expect(ann.minutesToday.busy).toBeCloseTo(2.1, 1);
    expect(ann.occupancyPct).toBeGreaterThan(0);
    expect(ann.occupancyPct).toBeLessThan(100);
    const bob = items.find((i) => i.id === 'bob')!;
    expect(bob).toMatchObject({ status: 'break', queue: 'support', handling: 0, handledToday: 0, ahtSec: null, occupancyPct: null });
    expect(bob.minutesToday.break).toBeGreaterThan(0);
  });

  it('filters by queue and status, names a bad one, and shows a tenant its own operators only', async () => {
    expect(((await get('/v1/operators?queue=support')).json() as { items: Item[] }).items.map((i) => i.id)).toEqual(['__proto__', 'bob']);
    expect(((await get('/v1/operators?status=break')).json() as { items: Item[] }).items.map((i) => i.id)).toEqual(['bob']);
    expect(((await get('/v1/operators?queue=constructor')).json() as { items: Item[] }).items).toEqual([]);
    for (const [url, path] of [['/v1/operators?status=asleep', '/status'], ['/v1/operators?queue=', '/queue'], ['/v1/operators?x=1', '/x']] as const) {
      const r = await get(url);
      expect(r.statusCode, url).toBe(400);
      expectErrorShape(r.json());
      expect(r.json().error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect(((await get('/v1/operators', 'kb')).json() as { items: Item[] }).items).toEqual([]);
    expect((await t.app.inject({ url: '/v1/operators' })).statusCode).toBe(401);
  });
});
