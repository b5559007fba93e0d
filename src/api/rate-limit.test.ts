import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type Config } from '../config/config.js';
import { expectErrorShape } from './testing/http.js';
import { startTestApp, type TestApp } from './testing/test-app.js';

const ev = (id: string) => ({ id, type: 'APPEAL_NEW', ts: Date.now(), appealId: `A-${id}`, channel: 'voice', queue: 'q' });
const limits = (perKey: number, perTenant: number, windowSec = 60): Config['rateLimit'] => ({ enabled: true, perKey: { max: perKey, windowSec }, perTenant: { max: perTenant, windowSec } });
const get = (t: TestApp, key: string | undefined, url = '/v1/live') => t.app.inject({ url, headers: key === undefined ? {} : { authorization: `Bearer ${key}` } });

/** Tenants with prototype names are data like any other: each its own budget (the counters are Maps). */
const PROTOTYPE_TENANTS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];

describe('rate limits per API key and per tenant', () => {
  let t: TestApp;
  beforeAll(async () => {
    // 3 requests a minute per key, 5 per tenant; each test uses keys of its own
    const apiKeys: Record<string, string> = {};
    for (const n of ['h', 'k', 's', 'u', 'm', 'x']) apiKeys[`k-${n}1`] = `tenant-${n}`;
    apiKeys['k-s2'] = 'tenant-s';
    apiKeys['k-s3'] = 'tenant-s';
    apiKeys['k-k2'] = 'tenant-k';
    PROTOTYPE_TENANTS.forEach((name, i) => (apiKeys[`k-proto${i}`] = name));
    t = await startTestApp({ apiKeys, metricsKey: 'scrape-token', rateLimit: limits(3, 5) });
  });
  afterAll(() => t?.close());

  it('tells the budget left on every answer: x-ratelimit-limit, -remaining and -reset', async () => {
    const seen = [];
    for (let i = 0; i < 3; i++) {
      const r = await get(t, 'k-h1');
      expect(r.statusCode).toBe(200);
      seen.push([r.headers['x-ratelimit-limit'], r.headers['x-ratelimit-remaining']]);
      const reset = Number(r.headers['x-ratelimit-reset']);
      expect(Number.isInteger(reset) && reset >= 1 && reset <= 60, `reset ${reset}`).toBe(true);
    }
    // the key's budget (3) is nearer its end than the tenant's (5): it is the one told
    expect(seen).toEqual([['3', '2'], ['3', '1'], ['3', '0']]);
  });

  it("refuses a key over its own budget with 429 CCP_RATE_LIMITED naming the key's limit, Retry-After and the headers; the tenant's other key goes on", async () => {
    for (let i = 0; i < 3; i++) expect((await get(t, 'k-k1')).statusCode).toBe(200);
    const r = await get(t, 'k-k1');
    expect(r.statusCode).toBe(429);
    expectErrorShape(r.json());
    expect(r.json().error.code).toBe('CCP_RATE_LIMITED');
    expect(r.json().error.message).toMatch(/^this API key's rate limit of 3 requests per 60 s is used up: retry in \d+ s/);
    const retryAfter = r.headers['retry-after'];
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    expect(r.headers).toMatchObject({ 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': retryAfter });
    expect(r.headers['x-request-id']).toBeDefined();
    // an ingest batch is refused as well, before its body matters
    expect((await t.app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: 'Bearer k-k1' }, payload: [ev('k1')] })).statusCode).toBe(429);
    // the key's refusals did not spend the tenant's budget: its other key has the 2 of the tenant's 5 left
    for (let i = 0; i < 2; i++) expect((await get(t, 'k-k2')).statusCode).toBe(200);
    expect((await get(t, 'k-k2')).json().error.message).toMatch(/^this tenant's rate limit/);
  });

  it("shares a tenant's budget among its keys: over it, every key of the tenant is refused naming the tenant's limit, other tenants are not", async () => {
    expect((await get(t, 'k-s1')).statusCode).toBe(200);
    expect((await get(t, 'k-s1')).statusCode).toBe(200);
    expect((await get(t, 'k-s2')).statusCode).toBe(200);
    expect((await get(t, 'k-s2')).statusCode).toBe(200);
    const fifth = await get(t, 'k-s3');
    expect(fifth.statusCode).toBe(200);
    // the tenant's budget is the nearer end now: 0 of 5 left, though this key used one of its 3
    expect(fifth.headers).toMatchObject({ 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0' });
    for (const key of ['k-s1', 'k-s2', 'k-s3']) {
      const r = await get(t, key);
      expect(r.statusCode, key).toBe(429);
      expect(r.json().error.message).toMatch(/^this tenant's rate limit \(shared by all its API keys\) of 5 requests per 60 s is used up: retry in \d+ s/);
      expect(r.headers).toMatchObject({ 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0' });
      expect(r.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    }
    expect((await get(t, 'k-u1')).statusCode).toBe(200);
  });

  it('does not let requests without a valid key spend anyone’s budget', async () => {
    for (let i = 0; i < 20; i++) {
      for (const key of [undefined, 'nope', 'k-m1x', 'K-M1', '']) expect((await get(t, key)).statusCode).toBe(401);
    }
    for (let i = 0; i < 3; i++) expect((await get(t, 'k-m1')).statusCode).toBe(200);
  });

  it('never limits /healthz, /readyz, /metrics or the dashboard’s files, and puts no limit headers on them', async () => {
    for (let i = 0; i < 10; i++) {
      for (const [url, headers] of [['/healthz', {}], ['/readyz', {}], ['/metrics', { authorization: 'Bearer scrape-token' }], ['/', {}], ['/assets/app.js', {}], ['/index.html', { authorization: 'Bearer k-x1' }]] as const) {
        const r = await t.app.inject({ url, headers });
        expect(r.statusCode, url).toBeLessThan(429);
        expect(r.headers['x-ratelimit-limit'], url).toBeUndefined();
      }
    }
    // and the key used above still has its whole budget
    expect((await get(t, 'k-x1')).headers['x-ratelimit-remaining']).toBe('2');
  });

  it('keeps a budget per tenant named like a prototype property (__proto__, constructor, …), as data', async () => {
    for (let i = 0; i < 3; i++) expect((await get(t, 'k-proto0')).statusCode).toBe(200);
    expect((await get(t, 'k-proto0')).statusCode).toBe(429);
    for (let i = 1; i < PROTOTYPE_TENANTS.length; i++) {
      const r = await get(t, `k-proto${i}`);
      expect(r.statusCode, PROTOTYPE_TENANTS[i]).toBe(200);
      expect(r.json().tenant).toBe(PROTOTYPE_TENANTS[i]);
      expect(r.headers['x-ratelimit-remaining']).toBe('2');
    }
  });

  it('counts refusals by which limit in ccpulse_rate_limited_total, with no tenant label', async () => {
    const text = (await t.app.inject({ url: '/metrics', headers: { authorization: 'Bearer scrape-token' } })).body;
    const value = (limit: string) => Number(new RegExp(`^ccpulse_rate_limited_total\\{limit="${limit}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
    // by now: the key k-k1 twice (a GET and a batch), the key k-proto0 once; tenant-k once, tenant-s three times
    expect(value('key')).toBe(3);
    expect(value('tenant')).toBe(4);
    expect(text).not.toMatch(/ccpulse_rate_limited_total\{[^}]*tenant=/);
  });
});

describe('rate limits: the window, the live stream, open mode and the switch', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const a of apps) await a.close();
  });
  const start = async (overrides: Partial<Config>) => {
    const a = await startTestApp(overrides);
    apps.push(a);
    return a;
  };

  it('gives the budget back when the window ends', async () => {
    const t = await start({ apiKeys: { k: 'acme' }, rateLimit: limits(2, 10, 1) });
    expect((await get(t, 'k')).statusCode).toBe(200);
    expect((await get(t, 'k')).statusCode).toBe(200);
    const refused = await get(t, 'k');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    await new Promise((r) => setTimeout(r, 1_100));
    const again = await get(t, 'k');
    expect(again.statusCode).toBe(200);
    expect(again.headers['x-ratelimit-remaining']).toBe('1');
  });

  it('counts a live stream (SSE) once, at connect', async () => {
    const t = await start({ apiKeys: { k: 'acme' }, rateLimit: limits(3, 10) });
    const url = await t.listen();
    const stream = new AbortController();
    const res = await fetch(`${url}/v1/stream`, { headers: { authorization: 'Bearer k' }, signal: stream.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-remaining')).toBe('2');
    const reader = res.body!.getReader();
    await reader.read(); // the snapshot: the stream is under way, and stays open below
    expect((await get(t, 'k')).headers['x-ratelimit-remaining']).toBe('1');
    expect((await get(t, 'k')).headers['x-ratelimit-remaining']).toBe('0');
    const refused = await fetch(`${url}/v1/stream`, { headers: { authorization: 'Bearer k' } });
    expect(refused.status).toBe(429);
    expect((await refused.json()).error.code).toBe('CCP_RATE_LIMITED');
    stream.abort();
    await reader.cancel().catch(() => {});
  });

  it('limits nothing in open mode (no API keys: one center, tenant "default"), nor when switched off', async () => {
    for (const overrides of [{ rateLimit: limits(1, 1) }, { apiKeys: { k: 'acme' }, rateLimit: { ...limits(1, 1), enabled: false } }]) {
      const t = await start(overrides);
      const key = 'apiKeys' in overrides ? 'k' : undefined;
      for (let i = 0; i < 5; i++) {
        const r = await get(t, key);
        expect(r.statusCode).toBe(200);
        expect(r.headers['x-ratelimit-limit']).toBeUndefined();
      }
    }
  });

  it('is on with the defaults when the config says nothing of it', async () => {
    const t = await start({ apiKeys: { k: 'acme' } });
    const r = await get(t, 'k');
    expect(r.headers).toMatchObject({ 'x-ratelimit-limit': String(DEFAULT_CONFIG.rateLimit.perKey.max), 'x-ratelimit-remaining': String(DEFAULT_CONFIG.rateLimit.perKey.max - 1) });
  });
});
