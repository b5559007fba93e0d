import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './testing/test-app.js';

/**
 * Parameters are strict on every route alike: the routes are enumerated from Fastify (a new one cannot
 * escape), and each refuses a parameter it does not take, naming it; a parameter given twice is named
 * as such; times without a zone or naming no real day are refused by name; text/plain is no format.
 */
describe('strict parameters, route by route', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({});
  });
  afterAll(() => t?.close());

  // answered for load balancers and scrapers, whatever the query; the dashboard's static files
  const EXEMPT = new Set(['/healthz', '/readyz', '/metrics', '/*', '/']);
  const concrete = (url: string) => url.replace(/:(\w+)/g, (_, name: string) => (name === 'id' || name === 'key' ? '1' : `x-${name}`));

  it('declares on every route the parameters it takes, and no others', () => {
    const routes = t.app.registeredRoutes.filter((r) => !EXEMPT.has(r.url) && r.method !== 'HEAD' && r.method !== 'OPTIONS');
    expect(routes.length).toBeGreaterThan(25);
    const lax = routes.filter((r) => (r.querystring as { additionalProperties?: unknown } | undefined)?.additionalProperties !== false).map((r) => `${r.method} ${r.url}`);
    expect(lax, 'routes that take any query parameter').toEqual([]);
  });

  it('refuses an unknown parameter on every route that needs nothing else, naming it', async () => {
    // (a route with a body or an id to check may name those first: Fastify validates them before the query)
    const routes = t.app.registeredRoutes.filter((r) => !EXEMPT.has(r.url) && r.method === 'GET' && !r.url.includes(':'));
    expect(routes.length).toBeGreaterThan(12);
    const lax: string[] = [];
    for (const r of routes) {
      const res = await t.app.inject({ method: r.method as 'GET', url: `${concrete(r.url)}?zz_unknown=1`, ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { payload: {} }) });
      const paths = res.statusCode === 400 ? (res.json().error.details ?? []).map((d: { path: string }) => d.path) : [];
      if (!paths.includes('/zz_unknown')) lax.push(`${r.method} ${r.url}: ${res.statusCode} ${res.body.slice(0, 120)}`);
    }
    expect(lax).toEqual([]);
  });

  it('names a parameter given twice, and leaves a name the route does not take to be named unknown', async () => {
    const twice = await t.app.inject({ url: '/v1/metrics?from=2026-12-01T10:00:00Z&from=2026-12-01T11:00:00Z&to=2026-12-01T12:00:00Z' });
    expect(twice.statusCode).toBe(400);
    expect(twice.json().error.details).toEqual([{ path: '/from', message: 'given more than once: give each parameter once' }]);
    const unknown = await t.app.inject({ url: '/v1/live?queue=a&queue=b' });
    expect(unknown.json().error.details).toEqual([{ path: '/queue', message: 'unknown parameter' }]);
  });

  it('leaves the query of the routes that take any (probes, scrapes, the dashboard\'s files) alone, repeated or not', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics', '/index.html', '/assets/app.js']) {
      const once = await t.app.inject({ url: `${url}?v=1` });
      const twice = await t.app.inject({ url: `${url}?v=1&v=2` });
      expect(twice.statusCode, `${url}?v=1&v=2: ${twice.body.slice(0, 200)}`).toBe(once.statusCode);
      expect(twice.statusCode, url).toBeLessThan(400);
    }
  });

  it('refuses a time with no zone, and a day or time that does not exist, by name', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['from=2026-12-01T10:00:00&to=2026-12-01T11:00:00Z', '/from', /must carry a time zone/],
      ['from=2026-12-01&to=2026-12-02T00:00:00Z', '/from', /must carry a time zone/],
      ['from=2026-02-30T10:00:00Z&to=2026-03-01T11:00:00Z', '/from', /is not a date/],
      ['from=2026-12-01T10:00:00Z&to=2026-12-01T24:00:00Z', '/to', /is not a date/],
      ['from=2026-04-31T00:00:00%2B03:00&to=2026-05-01T11:00:00Z', '/from', /is not a date/],
    ];
    for (const [q, path, message] of cases) {
      for (const route of ['/v1/metrics', '/v1/appeals']) {
        const res = await t.app.inject({ url: `${route}?${q}` });
        expect(res.statusCode, `${route}?${q}`).toBe(400);
        const d = res.json().error.details.find((x: { path: string }) => x.path === path);
        expect(d?.message, `${route}?${q}`).toMatch(message);
      }
    }
    expect((await t.app.inject({ url: '/v1/metrics?from=2028-02-29T10:00:00Z&to=2028-02-29T11:00:00Z' })).statusCode).toBe(200); // a leap day exists
  });

  it('answers text/plain with 415 naming the formats it takes', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'text/plain' }, payload: '{"id":"a"}' });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.message).toMatch(/application\/json.*application\/x-ndjson/);
  });

  it('counts intervals from `from`: no row starts before the range asked for', async () => {
    const h = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000;
    const ev = (id: string, minute: number) => ({ id, type: 'APPEAL_NEW', ts: new Date(h + minute * 60_000).toISOString(), appealId: id, queue: 'q', channel: 'voice' });
    expect((await t.app.inject({ method: 'POST', url: '/v1/events', payload: [ev('i1', 10), ev('i2', 65), ev('i3', 100)] })).statusCode).toBe(202);
    const from = new Date(h + 7 * 60_000).toISOString();
    const res = await t.app.inject({ url: `/v1/metrics?from=${from}&to=${new Date(h + 127 * 60_000).toISOString()}&interval=1h&groupBy=queue` });
    expect(res.statusCode, res.body).toBe(200);
    const rows = res.json().rows as Array<{ bucket: string; offered: number }>;
    expect(rows.map((r) => [r.bucket, r.offered])).toEqual([
      [from, 2], // 10:07–11:07: minutes 10 and 65
      [new Date(h + 67 * 60_000).toISOString(), 1], // 11:07–12:07: minute 100
    ]);
  });
});
