import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../config/config.js';
import { Engine } from '../../stream/engine.js';
import { expectErrorShape } from '../testing/http.js';
import { startTestApp, type TestApp } from '../testing/test-app.js';

/** No hysteresis, so that a test sees items open and resolve as soon as their conditions change. */
const recommend = { ...DEFAULT_CONFIG.recommend, lifecycle: { raiseAfterSec: 0, clearAfterSec: 0, minOpenSec: 0 } };

/** An appeal queued `waitSec` ago and still waiting (nobody answers it). */
const waiting = (appealId: string, queue: string, waitSec: number) => {
  const ts = Date.now() - waitSec * 1000;
  return [
    { id: `${appealId}:new`, type: 'APPEAL_NEW', ts, appealId, queue, channel: 'voice' },
    { id: `${appealId}:sd`, type: 'APPEAL_SENT_DISTRIBUTION', ts, appealId, queue, channel: 'voice' },
  ];
};
const answered = (appealId: string, queue: string) => [{ id: `${appealId}:ap`, type: 'APPEAL_APPOINTED', ts: Date.now(), appealId, queue, channel: 'voice', operatorId: 'op1' }];

interface Item {
  id: string;
  key: string;
  kind: string;
  state: string;
  severity: string;
  reason: string;
  data: Record<string, unknown>;
  acknowledgedBy?: string;
  resolvedAt?: string;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('recommendations over HTTP: the open board, acknowledging, history, the live stream', () => {
  let t: TestApp;
  const post = (events: object[], key = 'k1') =>
    t.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, payload: JSON.stringify(events) });
  const board = async (key = 'k1') => {
    const r = await t.app.inject({ url: '/v1/recommendations', headers: { authorization: `Bearer ${key}` } });
    expect(r.statusCode, r.body).toBe(200);
    return (r.json() as { items: Item[] }).items;
  };
  const ack = (id: string, payload: unknown, key = 'k1') =>
    t.app.inject({ method: 'POST', url: `/v1/recommendations/${id}/ack`, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, payload: JSON.stringify(payload) });
  const openOf = async (key: string, kind: string) => (await board()).find((i) => i.key === key && i.kind === kind);

  beforeAll(async () => {
    t = await startTestApp({ recommend, apiKeys: { k1: 't1', k2: 't2' } });
  });
  afterAll(() => t?.close());

  it('opens a critical long-wait alert and staffing advice as soon as the event that caused them is applied, with the numbers', async () => {
    expect((await post(waiting('a1', 'sales', 400))).statusCode).toBe(202);
    const wait = await until('the long-wait alert', () => openOf('long-wait:sales:voice', 'long-wait'), 10_000);
    expect(wait).toMatchObject({ state: 'open', severity: 'critical', data: { waiting: 1, thresholdSec: 120 } });
    expect(wait.data.longestWaitSec).toBeGreaterThanOrEqual(400);
    expect(wait.reason).toMatch(/^sales voice: the longest wait is \d+ s \(threshold 120 s\), 1 waiting$/);
    // nobody is on sales/voice: the advice is to add operators, with the numbers
    // the two are raised by separate evaluations of the same state: wait for the second rather than assume it came with the first
    const add = await until('the staffing advice', async () => (await board()).find((i) => i.key === 'staffing-add:sales:voice'), 10_000);
    expect(add.data).toMatchObject({ available: 0, expectedSlPctNow: 0 });
    expect(add.data.add).toBe(add.data.required);
    expect(add.data.onPrior).toBe(add.data.basis === 'prior');
    // a queue whose first appeal came this minute has no settled minute yet: its advice rests on priors, and says so
    expect((await post(waiting('n1', 'fresh', 0))).statusCode).toBe(202);
    const fresh = await until('advice for the new queue', async () => (await board()).find((i) => i.key === 'staffing-add:fresh:voice'));
    expect(fresh.data).toMatchObject({ onPrior: true, basis: 'prior', available: 0 });
    expect(fresh.reason).toContain('forecast from priors');
  });

  it("acknowledges an item (who and when), idempotently; another tenant neither sees nor acknowledges it", async () => {
    const item = (await openOf('long-wait:sales:voice', 'long-wait'))!;
    const r = await ack(item.id, { by: 'ann' });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ id: item.id, state: 'acknowledged', acknowledgedBy: 'ann' });
    const again = await ack(item.id, { by: 'bob' });
    expect(again.json()).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'ann' });
    expect((await openOf('long-wait:sales:voice', 'long-wait'))!.state).toBe('acknowledged');

    expect(await board('k2')).toEqual([]);
    const foreign = await ack(item.id, { by: 'mallory' }, 'k2');
    expect(foreign.statusCode).toBe(404);
    expectErrorShape(foreign.json());
  });

  it('refuses a "by" that storage cannot hold (NUL, control characters, broken UTF-16) with 400 naming /by; saving goes on for every tenant', async () => {
    expect((await post(waiting('z1', 'zed', 400))).statusCode).toBe(202);
    const item = await until('the long-wait alert on zed', () => openOf('long-wait:zed:voice', 'long-wait'));
    for (const by of ['a\u0000b', 'a\u0001b', '\ud800']) {
      const r = await ack(item.id, { by });
      expect(r.statusCode, r.body).toBe(400);
      expectErrorShape(r.json());
      expect(JSON.stringify(r.json())).toContain('/by');
    }
    expect((await openOf('long-wait:zed:voice', 'long-wait'))!.state).toBe('open');
    // a NUL reached PostgreSQL: the batch failed (500), was retried at the head of the queue forever, and no
    // item of any tenant was saved again; every history read answered 500
    expect((await ack(item.id, { by: '<b>ann</b> & "co"' })).json()).toMatchObject({ state: 'acknowledged', acknowledgedBy: '<b>ann</b> & "co"' });
    for (const key of ['k1', 'k2']) {
      const r = await t.app.inject({ url: `/v1/recommendations?from=${new Date(Date.now() - 3_600_000).toISOString()}`, headers: { authorization: `Bearer ${key}` } });
      expect(r.statusCode, r.body).toBe(200);
    }
  });

  it('resolves the item when its condition clears, and keeps it in the history of its range', async () => {
    const item = (await openOf('long-wait:sales:voice', 'long-wait'))!;
    expect((await post(answered('a1', 'sales'))).statusCode).toBe(202);
    await until('the long-wait alert to resolve', async () => ((await openOf('long-wait:sales:voice', 'long-wait')) ? undefined : true), 3_000);
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const r = await t.app.inject({ url: `/v1/recommendations?from=${from}`, headers: { authorization: 'Bearer k1' } });
    expect(r.statusCode, r.body).toBe(200);
    const kept = (r.json() as { items: Item[] }).items.find((i) => i.id === item.id)!;
    expect(kept).toMatchObject({ state: 'resolved', acknowledgedBy: 'ann' });
    expect(typeof kept.resolvedAt).toBe('string');
    // resolved: no longer acknowledgeable
    expect((await ack(item.id, {})).statusCode).toBe(404);
  });

  it('pushes each transition over /v1/stream after the snapshot and the open board', async () => {
    const url = await t.listen();
    const frames: Array<{ event: string; data: unknown }> = [];
    const req = http.get(`${url}/v1/stream`, { headers: { authorization: 'Bearer k1' } });
    let buf = '';
    req.on('response', (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) frames.push({ event, data: JSON.parse(data) });
        }
      });
    });
    try {
      await until('the board frame', async () => (frames.some((f) => f.event === 'recommendations') ? true : undefined));
      expect(frames.map((f) => f.event).slice(0, 2)).toEqual(['snapshot', 'recommendations']);
      const sent = Date.now();
      expect((await post(waiting('b1', 'billing', 500))).statusCode).toBe(202);
      const pushed = await until('the pushed transition', async () =>
        frames.find((f) => f.event === 'recommendation' && (f.data as { item: Item }).item.key === 'long-wait:billing:voice'),
      );
      expect(Date.now() - sent).toBeLessThan(2_000);
      expect(pushed.data).toMatchObject({ from: null, to: 'open', item: { kind: 'long-wait', state: 'open', severity: 'critical' } });
    } finally {
      req.destroy();
    }
  });

  it("measures each queue × channel against its own targets: /v1/live sends them, and an email waiting minutes is no long wait while a call is", async () => {
    const ts = Date.now() - 400_000;
    const mail = [
      { id: 'm1:new', type: 'APPEAL_NEW', ts, appealId: 'm1', queue: 'inbox', channel: 'email' },
      { id: 'm1:sd', type: 'APPEAL_SENT_DISTRIBUTION', ts, appealId: 'm1', queue: 'inbox', channel: 'email' },
    ];
    expect((await post([...mail, ...waiting('c1', 'inbox', 400)])).statusCode).toBe(202);
    const live = await t.app.inject({ url: '/v1/live', headers: { authorization: 'Bearer k1' } });
    const tiles = (live.json() as { tiles: Array<{ queue: string; channel: string; targets: unknown }> }).tiles;
    expect(tiles.find((x) => x.queue === 'inbox' && x.channel === 'email')?.targets).toEqual({ slPct: 80, slSec: 3600, longWaitSec: 3600 });
    expect(tiles.find((x) => x.queue === 'inbox' && x.channel === 'voice')?.targets).toEqual({ slPct: 80, slSec: 20, longWaitSec: 120 });
    await until('the long-wait alert on the inbox call', () => openOf('long-wait:inbox:voice', 'long-wait'), 10_000);
    // both were evaluated by then (one pass looks at every tile): the email's 400 s wait is within its hour
    await until('the advice on the inbox email', async () => (await board()).find((i) => i.key.endsWith(':inbox:email')), 10_000);
    expect(await openOf('long-wait:inbox:email', 'long-wait')).toBeUndefined();
  });

  it('keeps the open board and the numbering across a restart of the engine', async () => {
    const before = await board();
    expect(before.length).toBeGreaterThan(0);
    await t.engine.stop();
    const engine = await Engine.start({ storage: t.storage, config: { ...DEFAULT_CONFIG, recommend } });
    try {
      engine.recommender!.evaluate();
      await engine.recommender!.loaded();
      const ids = new Set(before.map((i) => i.id));
      const restored = engine.recommender!.board('t1');
      expect(restored.filter((i) => ids.has(i.id)).map((i) => i.key).sort()).toEqual(before.map((i) => i.key).sort());
      // new items are numbered after the stored ones
      const maxBefore = Math.max(...before.map((i) => Number(i.id.slice(1))));
      expect(engine.recommender!.board('t1').every((i) => ids.has(i.id) || Number(i.id.slice(1)) > maxBefore)).toBe(true);
    } finally {
      await engine.stop();
    }
  });
});

describe('recommendation requests that are wrong get a 4xx naming the field', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ recommend });
  });
  afterAll(() => t?.close());

  it.each([
    ['/v1/recommendations?to=2026-11-30T10:00:00Z', '/from'],
    ['/v1/recommendations?limit=5', '/from'],
    ['/v1/recommendations?from=yesterday', '/from'],
    ['/v1/recommendations?from=2026-11-30T10:00:00Z&to=2026-11-30T09:00:00Z', '/from'],
    ['/v1/recommendations?from=2001-01-01&to=2026-01-01', '/from'],
    ['/v1/recommendations?from=2026-11-30&limit=0', '/limit'],
    ['/v1/recommendations?from=2026-11-30&limit=__proto__', '/limit'],
  ])('GET %s → 400 at %s', async (url, path) => {
    const r = await t.app.inject({ url });
    expect(r.statusCode, r.body).toBe(400);
    expectErrorShape(r.json());
    expect(JSON.stringify(r.json())).toContain(path);
  });

  it.each([
    ['x1', {}, 400, '/id'],
    ['constructor', {}, 400, '/id'],
    ['r0', {}, 400, '/id'],
    ['r99999', {}, 404, ''],
    ['r1', { by: 5 }, 400, '/by'],
    ['r1', { by: '' }, 400, '/by'],
    ['r1', { by: 'ann', extra: 1 }, 400, 'extra'],
  ])('POST /v1/recommendations/%s/ack %j → %i', async (id, body, status, path) => {
    const r = await t.app.inject({ method: 'POST', url: `/v1/recommendations/${id}/ack`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    expect(r.statusCode, r.body).toBe(status);
    expectErrorShape(r.json());
    expect(JSON.stringify(r.json())).toContain(path);
  });

  it('acknowledges with no body at all (who: anonymous)', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(waiting('c1', 'sales', 900)) })).statusCode).toBe(202);
    const item = await until('an item', async () => {
      const r = await t.app.inject({ url: '/v1/recommendations' });
      return (r.json() as { items: Item[] }).items.find((i) => i.kind === 'long-wait');
    });
    const r = await t.app.inject({ method: 'POST', url: `/v1/recommendations/${item.id}/ack` });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'anonymous' });
  });

  it('raises a stuck alert for a contact in handling far longer than the AHT (its close event lost)', async () => {
    const fresh = await startTestApp({ recommend });
    try {
      const ts = Date.now() - 40 * 60_000;
      const events = [
        { id: 'k1:new', type: 'APPEAL_NEW', ts, appealId: 'k1', queue: 'care', channel: 'voice' },
        { id: 'k1:sd', type: 'APPEAL_SENT_DISTRIBUTION', ts, appealId: 'k1', queue: 'care', channel: 'voice' },
        { id: 'k1:ap', type: 'APPEAL_APPOINTED', ts: ts + 5_000, appealId: 'k1', queue: 'care', channel: 'voice', operatorId: 'op9' },
      ];
      expect((await fresh.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(events) })).statusCode).toBe(202);
      // found by the pass over the contacts in handling the recommender makes once a minute, on its next evaluation
      const stuck = await until('the stuck alert', async () => {
        const r = await fresh.app.inject({ url: '/v1/recommendations' });
        return (r.json() as { items: Item[] }).items.find((i) => i.kind === 'stuck');
      }, 20_000);
      expect(stuck).toMatchObject({ key: 'stuck:care:voice', severity: 'warning', data: { stuck: 1 } });
      expect(stuck.data.oldestSec).toBeGreaterThan(39 * 60);
    } finally {
      await fresh.close();
    }
  });

  it("raises an AHT alert for an operator far slower than the peers on the same queue × channel, from the last hour's history", async () => {
    const fresh = await startTestApp({ recommend });
    try {
      const t0 = Date.now() - 50 * 60_000;
      const events = ['a', 'b', 'c', 'slow'].flatMap((op) =>
        Array.from({ length: 12 }, (_, i) => {
          const id = `${op}-${i}`;
          const ts = t0 + i * 3 * 60_000;
          const handle = op === 'slow' ? 170_000 : 60_000;
          return [
            { id: `${id}:new`, type: 'APPEAL_NEW', ts, appealId: id, queue: 'care', channel: 'voice' },
            { id: `${id}:sd`, type: 'APPEAL_SENT_DISTRIBUTION', ts, appealId: id, queue: 'care', channel: 'voice' },
            { id: `${id}:ap`, type: 'APPEAL_APPOINTED', ts: ts + 2_000, appealId: id, queue: 'care', channel: 'voice', operatorId: op },
            { id: `${id}:cl`, type: 'APPEAL_CLOSED', ts: ts + 2_000 + handle, appealId: id, queue: 'care', channel: 'voice', operatorId: op },
          ];
        }).flat(),
      );
      expect((await fresh.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(events) })).statusCode).toBe(202);
      // read from history on the slow path (the history thread) after the first evaluation
      const alert = await until('the AHT alert', async () => {
        const r = await fresh.app.inject({ url: '/v1/recommendations' });
        return (r.json() as { items: Item[] }).items.find((i) => i.kind === 'aht-outlier');
      }, 20_000);
      expect(alert).toMatchObject({ key: 'aht-outlier:care:voice:slow', severity: 'info', data: { operator: 'slow', ahtSec: 170, peersMedianSec: 60, peers: 3, handled: 12 } });
    } finally {
      await fresh.close();
    }
  });

  it('tells an outbound campaign dropping too many answered calls to slow down, learned from its events', async () => {
    const fresh = await startTestApp({ recommend });
    try {
      const ts = Date.now() - 5 * 60_000;
      const events = Array.from({ length: 60 }, (_, i) => {
        const base = { appealId: `dial-${i}`, queue: 'outbound', channel: 'voice', direction: 'outbound', campaignId: 'renewals' };
        return [
          { id: `d${i}:new`, type: 'APPEAL_NEW', ts: ts + i * 1000, ...base },
          { id: `d${i}:sd`, type: 'APPEAL_SENT_DISTRIBUTION', ts: ts + i * 1000, ...base },
          i < 6
            ? { id: `d${i}:miss`, type: 'APPEAL_MISSED', ts: ts + i * 1000 + 500, ...base, attrs: { reason: 'no-agent' } }
            : { id: `d${i}:ap`, type: 'APPEAL_APPOINTED', ts: ts + i * 1000 + 500, operatorId: `a${i % 5}`, ...base },
        ];
      }).flat();
      expect((await fresh.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(events) })).statusCode).toBe(202);
      const slow = await until('the pacing advice', async () => {
        const r = await fresh.app.inject({ url: '/v1/recommendations' });
        return (r.json() as { items: Item[] }).items.find((i) => i.kind === 'campaign-slow-down');
      }, 20_000);
      expect(slow).toMatchObject({ key: 'campaign-slow-down:renewals', severity: 'critical', data: { answered: 60, dropped: 6, dropPct: 10, capPct: 3 } });
    } finally {
      await fresh.close();
    }
  });

  it('registers a campaign (PUT /v1/campaigns/:id), lists it with its progress, and says when it will miss its deadline', async () => {
    const fresh = await startTestApp({ recommend });
    try {
      const put = (id: string, body: unknown) => fresh.app.inject({ method: 'PUT', url: `/v1/campaigns/${id}`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
      const deadline = new Date(Date.now() + 30 * 60_000).toISOString();
      const r = await put('renewals', { listSize: 5_000, deadline, answerRate: 0.4, dropCapPct: 2 });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toMatchObject({ id: 'renewals', listSize: 5_000, dropCapPct: 2, answerRate: 0.4, deadline, progress: { answered: 0 } });
      // 40 answered in the last minutes, none dropped
      const ts = Date.now() - 2 * 60_000;
      const events = Array.from({ length: 40 }, (_, i) => {
        const base = { appealId: `r-${i}`, queue: 'outbound', channel: 'voice', direction: 'outbound', campaignId: 'renewals' };
        return [
          { id: `r${i}:new`, type: 'APPEAL_NEW', ts: ts + i * 1000, ...base },
          { id: `r${i}:sd`, type: 'APPEAL_SENT_DISTRIBUTION', ts: ts + i * 1000, ...base },
        ];
      }).flat();
      expect((await fresh.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(events) })).statusCode).toBe(202);
      const list = (await fresh.app.inject({ url: '/v1/campaigns' })).json() as { items: Array<{ id: string; progress: { answered: number } }> };
      expect(list.items).toEqual([expect.objectContaining({ id: 'renewals', progress: { answered: 40, answeredLast15m: 40, droppedLast15m: 0, dropPctLast15m: 0 } })]);
      // 1,960 to go at 40 in 15 minutes: about 12 hours, past the deadline
      const finish = (list.items[0] as unknown as { finish: { remaining: number; eta: string; onTime: boolean } }).finish;
      expect(finish).toMatchObject({ remaining: 1960, onTime: false });
      expect(Date.parse(finish.eta) - Date.now()).toBeGreaterThan(11 * 3_600_000);
      expect(Date.parse(finish.eta) - Date.now()).toBeLessThan(13 * 3_600_000);
      // 2,000 to answer at ~160 an hour: far past a deadline in 30 minutes
      const late = await until('the finish-time alert', async () => {
        const res = await fresh.app.inject({ url: '/v1/recommendations' });
        return (res.json() as { items: Item[] }).items.find((i) => i.kind === 'campaign-late');
      }, 20_000);
      expect(late).toMatchObject({ key: 'campaign-late:renewals', severity: 'warning', data: { remaining: 1960 } });
      // two answered calls dropped (no agent took them): 2 of 42 answered
      const drops = [0, 1].flatMap((i) => {
        const base = { appealId: `d-${i}`, queue: 'outbound', channel: 'voice', direction: 'outbound', campaignId: 'renewals' };
        return [{ id: `d${i}:new`, type: 'APPEAL_NEW', ts: Date.now() - 30_000, ...base }, { id: `d${i}:m`, type: 'APPEAL_MISSED', ts: Date.now() - 29_000, ...base }];
      });
      expect((await fresh.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(drops) })).statusCode).toBe(202);
      const again = (await fresh.app.inject({ url: '/v1/campaigns' })).json() as { items: Array<{ progress: Record<string, number> }> };
      expect(again.items[0].progress).toMatchObject({ answered: 42, droppedLast15m: 2, dropPctLast15m: 4.8 });
      // bad registrations are named
      for (const [body, path] of [
        [{ listSize: 0, deadline }, '/listSize'],
        [{ listSize: 10, deadline: 'tomorrow' }, '/deadline'],
        [{ listSize: 10, deadline, answerRate: 1.5 }, '/answerRate'],
        [{ listSize: 10, deadline, extra: 1 }, 'extra'],
        [{ deadline }, 'listSize'],
      ] as const) {
        const bad = await put('x', body);
        expect(bad.statusCode, JSON.stringify(body)).toBe(400);
        expect(bad.body).toContain(path);
      }
      const badId = await put('%00', { listSize: 10, deadline });
      expect(badId.statusCode).toBe(400);
    } finally {
      await fresh.close();
    }
  });

  it('answers 404 with a clear message when recommendations are switched off', async () => {
    const off = await startTestApp({ recommend: { ...recommend, enabled: false } });
    try {
      const r = await off.app.inject({ url: '/v1/recommendations' });
      expect(r.statusCode).toBe(404);
      expect(r.json().error.message).toContain('switched off');
    } finally {
      await off.close();
    }
  });
});
