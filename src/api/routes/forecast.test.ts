import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../config/config.js';
import { expectErrorShape } from '../testing/http.js';
import { startTestApp, type TestApp } from '../testing/test-app.js';

const SLOT = 15 * 60_000;
/** 40 minutes of sales/voice at 2 arrivals a minute and one support/webchat appeal, ending now. */
function traffic(now: number) {
  const out: unknown[] = [];
  for (let m = 40; m >= 1; m--) {
    for (let k = 0; k < 2; k++) out.push({ id: `s${m}-${k}`, type: 'APPEAL_NEW', ts: now - m * 60_000 + k * 20_000, appealId: `s${m}-${k}`, queue: 'sales', channel: 'voice' });
  }
  out.push({ id: 'c1', type: 'APPEAL_NEW', ts: now - 30_000, appealId: 'c1', queue: 'support', channel: 'webchat' });
  return out;
}

interface Reply {
  at: string;
  items: Array<{ queue: string; channel: string; basis: string; past: Array<{ from: string; arrivals: number }>; ahead: Array<{ from: string; arrivals: number }> }>;
}

describe('GET /v1/forecast', () => {
  let t: TestApp;
  const get = (url: string, key?: string) => t.app.inject({ url, headers: key ? { authorization: `Bearer ${key}` } : {} });

  beforeAll(async () => {
    t = await startTestApp({ recommend: { ...DEFAULT_CONFIG.recommend }, apiKeys: { ka: 'acme', kb: 'beta' } });
    const post = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json', authorization: 'Bearer ka' }, payload: JSON.stringify(traffic(Date.now())) });
    expect(post.statusCode, post.body).toBe(202);
    for (let i = 0; i < 200 && t.engine.recommender!.forecasts('acme').length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  });
  afterAll(() => t?.close());

  it('gives each queue × channel the hour ahead in four 15-minute slots, and what it expected of the slots so far', async () => {
    const r = await get('/v1/forecast', 'ka');
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json() as Reply;
    expect(body.items.map((i) => `${i.queue}/${i.channel}`)).toEqual(['sales/voice', 'support/webchat']);
    const sales = body.items[0];
    expect(sales.ahead).toHaveLength(4);
    const starts = sales.ahead.map((s) => Date.parse(s.from));
    for (let i = 1; i < 4; i++) expect(starts[i] - starts[i - 1]).toBe(SLOT);
    for (const s of sales.ahead) expect(s.arrivals).toBeGreaterThanOrEqual(0);
    // the current slot is recorded, on its 15-minute boundary
    expect(sales.past.length).toBeGreaterThanOrEqual(1);
    const last = Date.parse(sales.past.at(-1)!.from);
    expect(last % SLOT).toBe(0);
    expect(Date.now() - last).toBeLessThan(SLOT + 60_000);
    expect(['prior', 'recent', 'seasonal', 'blend']).toContain(sales.basis);
  });

  it('filters by queue and channel; a name no stream has gives none, whatever it spells', async () => {
    const only = (await get('/v1/forecast?queue=support', 'ka')).json() as Reply;
    expect(only.items.map((i) => i.queue)).toEqual(['support']);
    const chat = (await get('/v1/forecast?channel=webchat', 'ka')).json() as Reply;
    expect(chat.items.map((i) => i.channel)).toEqual(['webchat']);
    for (const name of ['__proto__', 'constructor', 'nobody']) {
      const r = await get(`/v1/forecast?queue=${name}`, 'ka');
      expect(r.statusCode).toBe(200);
      expect((r.json() as Reply).items).toEqual([]);
    }
  });

  it('shows a tenant its own streams only', async () => {
    const beta = (await get('/v1/forecast', 'kb')).json() as Reply;
    expect(beta.items).toEqual([]);
    expect((await get('/v1/forecast')).statusCode).toBe(401);
  });

  it('names the field of a bad query', async () => {
    for (const [url, path] of [
      ['/v1/forecast?queue=', '/queue'],
      [`/v1/forecast?channel=${'x'.repeat(300)}`, '/channel'],
      ['/v1/forecast?queue=a%01b', '/queue'],
      ['/v1/forecast?color=red', '/color'],
    ] as const) {
      const r = await get(url, 'ka');
      expect(r.statusCode, url).toBe(400);
      expectErrorShape(r.json());
      expect(r.json().error.details.map((d: { path: string }) => d.path), url).toContain(path);
    }
  });
});

describe('GET /v1/forecast with the recommender off', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ recommend: { ...DEFAULT_CONFIG.recommend, enabled: false } });
  });
  afterAll(() => t?.close());

  it('says so with a 404', async () => {
    const r = await t.app.inject({ url: '/v1/forecast' });
    expect(r.statusCode).toBe(404);
    expect(r.json().error.message).toContain('recommend.enabled');
  });
});
