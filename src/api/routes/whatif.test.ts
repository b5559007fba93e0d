import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../config/config.js';
import { expectErrorShape } from '../testing/http.js';
import { startTestApp, type TestApp } from '../testing/test-app.js';

/** sales/voice with 3 operators ready and 6 people waiting; support/voice with 2 ready. */
function center(now: number) {
  const ops = (queue: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({ id: `${queue}-op${i}:ready`, type: 'OPERATOR_STATUS', ts: now - 60_000, operatorId: `${queue}-op${i}`, status: 'ready', queue, channel: 'voice' }));
  const waiting = Array.from({ length: 6 }, (_, i) => [
    { id: `w${i}:new`, type: 'APPEAL_NEW', ts: now - 30_000, appealId: `w${i}`, queue: 'sales', channel: 'voice' },
    { id: `w${i}:sd`, type: 'APPEAL_SENT_DISTRIBUTION', ts: now - 30_000, appealId: `w${i}`, queue: 'sales', channel: 'voice' },
  ]).flat();
  const support = [
    { id: 's1:new', type: 'APPEAL_NEW', ts: now - 20_000, appealId: 's1', queue: 'support', channel: 'voice' },
    { id: 's1:sd', type: 'APPEAL_SENT_DISTRIBUTION', ts: now - 20_000, appealId: 's1', queue: 'support', channel: 'voice' },
  ];
  return [...ops('sales', 3), ...ops('support', 2), ...waiting, ...support];
}

interface Reply {
  at: string;
  horizonMinutes: number;
  runs: number;
  streams: Array<{ queue: string; channel: string; operators: { now: number; withActions: number }; steps: Array<{ minute: number; slPct: { p10: number; p50: number; p90: number } | null; waiting: { p10: number; p50: number; p90: number } }> }>;
}

describe('POST /v1/whatif', () => {
  let t: TestApp;
  const ask = (payload: unknown) => t.app.inject({ method: 'POST', url: '/v1/whatif', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });

  beforeAll(async () => {
    t = await startTestApp({ recommend: { ...DEFAULT_CONFIG.recommend } });
    expect((await t.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(center(Date.now())) })).statusCode).toBe(202);
    // the recommender has seen the board (it evaluates within 50 ms of a change)
    for (let i = 0; i < 100 && t.engine.recommender!.whatIfStreams('default').length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  });
  afterAll(() => t?.close());

  it('answers the hour ahead in 5-minute steps with a band, per queue × channel, with the actions applied', async () => {
    const r = await ask({ actions: [{ action: 'add', queue: 'sales', channel: 'voice', n: 3 }], runs: 8 });
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json() as Reply;
    expect(body).toMatchObject({ horizonMinutes: 60, runs: 8 });
    const sales = body.streams.find((s) => s.queue === 'sales')!;
    expect(sales.operators).toEqual({ now: 3, withActions: 6 });
    expect(sales.steps.map((s) => s.minute)).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60]);
    for (const s of sales.steps) {
      expect(s.waiting.p10).toBeLessThanOrEqual(s.waiting.p50);
      expect(s.waiting.p50).toBeLessThanOrEqual(s.waiting.p90);
      if (s.slPct) expect(s.slPct.p10 <= s.slPct.p50 && s.slPct.p50 <= s.slPct.p90 && s.slPct.p90 <= 100).toBe(true);
    }
    expect(body.streams.find((s) => s.queue === 'support')!.operators).toEqual({ now: 2, withActions: 2 });
  });

  it('more operators never look worse: the same runs with three more answer the waiting sooner', async () => {
    const waitingSum = (b: Reply) => b.streams.find((s) => s.queue === 'sales')!.steps.reduce((n, s) => n + s.waiting.p50, 0);
    const none = (await ask({ actions: [], runs: 8 })).json() as Reply;
    const more = (await ask({ actions: [{ action: 'add', queue: 'sales', channel: 'voice', n: 3 }], runs: 8 })).json() as Reply;
    const fewer = (await ask({ actions: [{ action: 'move', from: { queue: 'sales', channel: 'voice' }, to: { queue: 'support', channel: 'voice' }, n: 2 }], runs: 8 })).json() as Reply;
    expect(waitingSum(more)).toBeLessThanOrEqual(waitingSum(none));
    expect(waitingSum(fewer)).toBeGreaterThanOrEqual(waitingSum(none));
    expect(fewer.streams.find((s) => s.queue === 'support')!.operators).toEqual({ now: 2, withActions: 4 });
  });

  it.each([
    [{ actions: [{ action: 'add', queue: 'nowhere', channel: 'voice', n: 1 }] }, 400, '/actions/0/queue'],
    [{ actions: [{ action: 'move', from: { queue: 'sales', channel: 'voice' }, to: { queue: '__proto__', channel: 'voice' }, n: 1 }] }, 400, '/actions/0/to'],
    [{ actions: [{ action: 'add', queue: 'sales', channel: 'voice', n: 0 }] }, 400, '/actions/0'],
    [{ actions: [{ action: 'hire', queue: 'sales', channel: 'voice', n: 1 }] }, 400, '/actions/0'],
    [{ actions: [], runs: 500 }, 400, '/runs'],
    [{}, 400, 'actions'],
    [{ actions: [], constructor: 1 }, 400, 'constructor'],
  ])('%j → %i naming %s', async (payload, status, path) => {
    const r = await ask(payload);
    expect(r.statusCode, r.body).toBe(status);
    expectErrorShape(r.json());
    expect(JSON.stringify(r.json())).toContain(path);
  });

  it('refuses actions that add more than 10,000 operators in all, naming /actions (a million ran the thread out of memory: 500)', async () => {
    const million = { actions: Array.from({ length: 100 }, () => ({ action: 'add', queue: 'sales', channel: 'voice', n: 10_000 })), runs: 50 };
    const justOver = { actions: [{ action: 'add', queue: 'sales', channel: 'voice', n: 10_000 }, { action: 'add', queue: 'support', channel: 'voice', n: 1 }] };
    for (const payload of [million, justOver]) {
      const r = await ask(payload);
      expect(r.statusCode, r.body).toBe(400);
      expectErrorShape(r.json());
      expect(JSON.stringify(r.json())).toContain('/actions');
    }
    // releases and moves add nobody
    const moves = Array.from({ length: 100 }, () => ({ action: 'move', from: { queue: 'sales', channel: 'voice' }, to: { queue: 'support', channel: 'voice' }, n: 10_000 }));
    expect((await ask({ actions: moves, runs: 1 })).statusCode).toBe(200);
  });

  it('refuses at once with 503 and Retry-After beyond two simulations in flight, and serves again after', async () => {
    const rs = await Promise.all(Array.from({ length: 5 }, () => ask({ actions: [], runs: 50 })));
    const refused = rs.filter((r) => r.statusCode === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(r.json().error.code).toBe('CCP_OVERLOADED');
    }
    expect(rs.filter((r) => r.statusCode === 200).length).toBeGreaterThan(0);
    expect((await ask({ actions: [], runs: 2 })).statusCode).toBe(200);
  });
});

/** An outbound campaign running now: 5 operators on outbound/voice, 30 calls answered in the last minutes, 2 of them handled. */
function campaignCenter(now: number) {
  const ops = Array.from({ length: 5 }, (_, i) => ({ id: `ob-op${i}:ready`, type: 'OPERATOR_STATUS', ts: now - 120_000, operatorId: `ob-op${i}`, status: 'ready', queue: 'outbound', channel: 'voice' }));
  const calls = Array.from({ length: 30 }, (_, i) => {
    const base = { appealId: `c${i}`, queue: 'outbound', channel: 'voice', direction: 'outbound', campaignId: 'spring', ts: now - 60_000 + i * 1_000 };
    const handled = i < 2 ? [{ ...base, id: `c${i}:ap`, type: 'APPEAL_APPOINTED', operatorId: `ob-op${i}` }, { ...base, id: `c${i}:cl`, type: 'APPEAL_CLOSED', operatorId: `ob-op${i}`, ts: base.ts + 5_000 }] : [];
    return [{ ...base, id: `c${i}:new`, type: 'APPEAL_NEW' }, { ...base, id: `c${i}:sd`, type: 'APPEAL_SENT_DISTRIBUTION' }, ...handled];
  }).flat();
  return [...ops, ...calls];
}

describe('POST /v1/whatif: a campaign\'s pace', () => {
  let t: TestApp;
  const ask = (payload: unknown) => t.app.inject({ method: 'POST', url: '/v1/whatif', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
  const deadline = new Date(Date.now() + 3_600_000).toISOString();

  beforeAll(async () => {
    t = await startTestApp({ recommend: { ...DEFAULT_CONFIG.recommend } });
    const put = await t.app.inject({ method: 'PUT', url: '/v1/campaigns/spring', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ listSize: 1_000, answerRate: 0.3, deadline }) });
    expect(put.statusCode, put.body).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(campaignCenter(Date.now())) })).statusCode).toBe(202);
    for (let i = 0; i < 100 && t.engine.recommender!.whatIfStreams('default').length < 1; i++) await new Promise((r) => setTimeout(r, 20));
  });
  afterAll(() => t?.close());

  it('simulates the campaign at its pace now and at the pace asked: answered calls, drops against the cap, the finish against the deadline', async () => {
    const now = await ask({ actions: [], runs: 8 });
    expect(now.statusCode, now.body).toBe(200);
    const [c] = now.json().campaigns;
    // 30 answered in the last 15 minutes: 120 an hour
    expect(c).toMatchObject({ id: 'spring', queue: 'outbound', pace: { answeredPerHour: 120, factor: 1 }, dropCapPct: 3, finish: { remaining: 270, deadline } });
    expect(c.steps).toHaveLength(12);
    const faster = (await ask({ actions: [{ action: 'pace', campaign: 'spring', factor: 4 }], runs: 8 })).json().campaigns[0];
    expect(faster.pace.factor).toBe(4);
    expect(faster.answered.p50).toBeGreaterThan(c.answered.p50);
    expect(Date.parse(faster.finish.eta)).toBeLessThan(Date.parse(c.finish.eta));
    expect(faster.finish.onTime).toBe(true); // 270 to go at ~480 an hour: within the hour
    const paused = (await ask({ actions: [{ action: 'pace', campaign: 'spring', factor: 0 }], runs: 2 })).json().campaigns[0];
    expect(paused).toMatchObject({ answered: { p50: 0 }, dropPct: null, finish: { eta: null, onTime: false } });
  });

  it.each([
    [{ actions: [{ action: 'pace', campaign: 'autumn', factor: 1.2 }] }, '/actions/0/campaign'],
    [{ actions: [{ action: 'pace', campaign: '__proto__', factor: 1.2 }] }, '/actions/0/campaign'],
    [{ actions: [{ action: 'pace', campaign: 'spring', factor: 6 }] }, '/actions/0'],
    [{ actions: [{ action: 'pace', campaign: 'spring', factor: -1 }] }, '/actions/0'],
    [{ actions: [{ action: 'pace', campaign: 'spring' }] }, '/actions/0'],
  ])('%j → 400 naming %s', async (payload, path) => {
    const r = await ask(payload);
    expect(r.statusCode, r.body).toBe(400);
    expectErrorShape(r.json());
    expect(JSON.stringify(r.json())).toContain(path);
  });
});

describe('POST /v1/whatif: what one request may simulate', () => {
  let t: TestApp;
  const ask = (payload: unknown) => t.app.inject({ method: 'POST', url: '/v1/whatif', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });

  beforeAll(async () => {
    t = await startTestApp({ recommend: { ...DEFAULT_CONFIG.recommend } });
    // a dialer at ~52,000 answered calls an hour: 13,000 in the last minutes, on 5 operators
    const now = Date.now();
    const ops = Array.from({ length: 5 }, (_, i) => ({ id: `op${i}`, type: 'OPERATOR_STATUS', ts: now - 600_000, operatorId: `op${i}`, status: 'ready', queue: 'blast', channel: 'voice' }));
    const calls = Array.from({ length: 13_000 }, (_, i) => ({ id: `b${i}`, type: 'APPEAL_NEW', ts: now - 300_000 + Math.floor(i / 50) * 1_000, appealId: `b${i}`, queue: 'blast', channel: 'voice', direction: 'outbound', campaignId: 'blast' }));
    const r = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload: JSON.stringify([...ops, ...calls]) });
    expect(r.statusCode, r.body).toBe(202);
    for (let i = 0; i < 100 && t.engine.recommender!.whatIfCampaigns('default').length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  }, 60_000);
  afterAll(() => t?.close());

  it('refuses a pace past 250,000 calls an hour, naming the factor, and runs fewer simulations of a busy hour', async () => {
    const tooFast = await ask({ actions: [{ action: 'pace', campaign: 'blast', factor: 5 }] });
    expect(tooFast.statusCode, tooFast.body).toBe(400);
    expectErrorShape(tooFast.json());
    expect(JSON.stringify(tooFast.json())).toContain('/actions/0/factor');
    // as it is: ~52,000 calls a run, and blast/voice's forecast besides: 4 runs at most, not 16
    const started = performance.now();
    const asIs = await ask({ actions: [], runs: 16 });
    expect(asIs.statusCode, asIs.body).toBe(200);
    expect(asIs.json().runs).toBeGreaterThanOrEqual(1);
    expect(asIs.json().runs).toBeLessThanOrEqual(4);
    expect(asIs.json().campaigns[0]).toMatchObject({ id: 'blast', queue: 'blast', channel: 'voice' });
    expect(performance.now() - started).toBeLessThan(15_000);
  }, 60_000);
});

