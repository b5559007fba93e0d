import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorShape } from './testing/http.js';
import { startTestApp, type TestApp } from './testing/test-app.js';

const ev = (id: string) => ({ id, type: 'APPEAL_NEW', ts: Date.now(), appealId: `A-${id}`, channel: 'voice', queue: 'q' });

/** Every /v1 route, with a request that passes its own checks. */
const ROUTES: Array<{ method: 'GET' | 'POST'; url: string; payload?: unknown }> = [
  { method: 'GET', url: '/v1/live' },
  { method: 'GET', url: '/v1/stream' },
  { method: 'GET', url: '/v1/metrics' },
  { method: 'GET', url: '/v1/verify' },
  { method: 'GET', url: '/v1/dlq' },
  { method: 'GET', url: '/v1/dlq/1' },
  { method: 'POST', url: '/v1/dlq/replay', payload: {} },
  { method: 'POST', url: '/v1/events', payload: [ev('e1')] },
  // pure computation, but behind the same keys
  { method: 'POST', url: '/v1/staffing/calc', payload: { model: 'erlang-c', callsPerInterval: 100, intervalSec: 1800, ahtSec: 180, agents: 14, slSec: 20 } },
];
const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__'];

describe('API keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    // As a config file gives them: JSON.parse makes `constructor` an own key, which is then a real key.
    t = await startTestApp({ apiKeys: JSON.parse('{"k-acme": "acme", "constructor": "ctor"}') });
  });
  afterAll(() => t?.close());

  const as = (how: 'bearer' | 'header' | 'query', key: string) => (r: (typeof ROUTES)[number]) => ({
    method: r.method,
    url: how === 'query' ? `${r.url}?apiKey=${encodeURIComponent(key)}` : r.url,
    headers: how === 'bearer' ? { authorization: `Bearer ${key}` } : how === 'header' ? { 'x-api-key': key } : {},
    ...(r.payload !== undefined ? { payload: r.payload as object } : {}),
  });

  for (const name of PROTOTYPE_NAMES.filter((n) => n !== 'constructor')) {
    for (const how of ['bearer', 'header', 'query'] as const) {
      it(`refuses the key "${name}" (${how}) on every /v1 route`, async () => {
        for (const route of ROUTES) {
          const r = await t.app.inject(as(how, name)(route));
          expect(r.statusCode, `${route.method} ${route.url}`).toBe(401);
          expectErrorShape(r.json());
          expect(r.json().error.code).toBe('CCP_UNAUTHORIZED');
        }
      });
    }
  }

  it('refuses a request with no key on every /v1 route', async () => {
    for (const route of ROUTES) {
      const r = await t.app.inject({ method: route.method, url: route.url, ...(route.payload !== undefined ? { payload: route.payload as object } : {}) });
      expect(r.statusCode, `${route.method} ${route.url}`).toBe(401);
      expect(r.json().error.code).toBe('CCP_UNAUTHORIZED');
    }
  });

  it('takes a configured key whatever its spelling, as data', async () => {
    const r = await t.app.inject({ url: '/v1/live', headers: { 'x-api-key': 'constructor' } });
    expect(r.statusCode).toBe(200);
    expect(r.json().tenant).toBe('ctor');
    expect((await t.app.inject({ url: '/v1/live', headers: { authorization: 'Bearer k-acme' } })).json().tenant).toBe('acme');
    expect((await t.app.inject({ url: '/v1/live', headers: { authorization: 'bearer  k-acme' } })).json().tenant).toBe('acme');
  });

  it('refuses a near miss, an empty key, and a key given twice in the query', async () => {
    for (const req of [
      { url: '/v1/live', headers: { 'x-api-key': 'k-acm' } },
      { url: '/v1/live', headers: { 'x-api-key': 'k-acme ' } },
      { url: '/v1/live', headers: { authorization: 'Bearer ' } },
      { url: '/v1/live?apiKey=' },
      { url: '/v1/live?apiKey=k-acme&apiKey=k-acme' },
      { url: '/v1/live?apiKey=k-acme&apiKey=nope' },
    ]) {
      const r = await t.app.inject(req);
      expect(r.statusCode, JSON.stringify(req)).toBe(401);
      expectErrorShape(r.json());
    }
  });

  it('takes ?apiKey= on every /v1 route, not only the stream (it is not one of the route’s parameters)', async () => {
    for (const route of ROUTES.filter((r) => r.url !== '/v1/stream')) {
      const r = await t.app.inject(as('query', 'k-acme')({ ...route, payload: route.url === '/v1/events' ? [ev('q1')] : route.payload }));
      expect([200, 202, 404], `${route.method} ${route.url}: ${r.body}`).toContain(r.statusCode);
      if (r.statusCode === 404) expect(r.json().error.code).toBe('CCP_NOT_FOUND'); // /v1/dlq/1: no such dead letter
    }
    // the stream answers (its headers) with the key in the query
    await t.listen();
    const ac = new AbortController();
    const res = await fetch(`${t.url}/v1/stream?apiKey=k-acme`, { signal: ac.signal });
    expect(res.status).toBe(200);
    ac.abort();
  });
});

describe('the key id (req.keyId, what rate limits are keyed on)', () => {
  const whoami = async (apiKeys: Record<string, string>, keys: Array<string | undefined>) => {
    const t = await startTestApp({ apiKeys });
    const out = [];
    for (const key of keys) out.push((await t.app.inject({ url: '/v1/session', headers: key === undefined ? {} : { 'x-api-key': key } })).json());
    await t.close();
    return out;
  };

  it('is stable for a key, another for another key, and never the key', async () => {
    const secret = 'k-acme-0123456789abcdef0123456789abcdef';
    const [a1, a2, b, c] = await whoami({ [secret]: 'acme', 'k-other': 'acme', __proto__x: 'beta' }, [secret, secret, 'k-other', '__proto__x']);
    expect(a1.keyId).toMatch(/^[A-Za-z0-9_-]{8,16}$/);
    expect(a2.keyId).toBe(a1.keyId);
    expect(b.keyId).not.toBe(a1.keyId);
    expect([a1.tenant, b.tenant, c.tenant]).toEqual(['acme', 'acme', 'beta']);
    for (const r of [a1, b, c]) expect(secret.includes(r.keyId) || 'k-other'.includes(r.keyId)).toBe(false);
  });

  it("is '' in open mode (no keys configured)", async () => {
    const [a, b] = await whoami({}, [undefined, 'anything']);
    expect([a.tenant, a.keyId, b.tenant, b.keyId]).toEqual(['default', '', 'default', '']);
  });
});
