import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorShape } from './testing/http.js';
import { startTestApp, type TestApp } from './testing/test-app.js';

/** [request, the field a 400 must name] */
const BAD: Array<[string, string]> = [
  ...['1e20', 'Infinity', '-Infinity', '-1', '1.5', '0x10', '', '%00', '%201', '1%20', '%2B1', '99999999999999999', '9007199254740992', 'NaN', '1e400'].map(
    (v): [string, string] => [`/v1/dlq?afterId=${v}`, '/afterId'],
  ),
  ...['1e400', 'Infinity', '-Infinity', '0', '10001', 'NaN', '', '5.0', '1e3'].map((v): [string, string] => [`/v1/dlq?limit=${v}`, '/limit']),
  ['/v1/dlq?limit=1&limit=2', '/limit'],
  ['/v1/dlq?afterId=1&afterId=2', '/afterId'],
  ['/v1/dlq?after=1', '/after'],
  ...['0', '-1', '1e3', '1.0', '%00', '%20', 'abc', '9007199254740992', '99999999999999999999', '0x1', '１'].map((v): [string, string] => [`/v1/dlq/${v}`, '/id']),
  ...['queue', 'channel', 'operator'].flatMap((f): Array<[string, string]> => [
    [`/v1/metrics?${f}=%00`, `/${f}`],
    [`/v1/metrics?${f}=a%00b`, `/${f}`],
    [`/v1/metrics?${f}=a%0Ab`, `/${f}`],
    [`/v1/metrics?${f}=`, `/${f}`],
    [`/v1/metrics?${f}=${'x'.repeat(300)}`, `/${f}`],
    [`/v1/metrics?${f}=a&${f}=b`, `/${f}`],
  ]),
  ['/v1/metrics?interval=' + '9'.repeat(400) + 'm', '/interval'],
  ['/v1/metrics?interval=99999999999m', '/interval'],
  ['/v1/metrics?interval=36601d', '/interval'],
  ['/v1/metrics?interval=0m', '/interval'],
  ['/v1/metrics?interval=1e3m', '/interval'],
  ['/v1/metrics?interval=', '/interval'],
  ['/v1/metrics?interval=1m&interval=5m', '/interval'],
  ['/v1/metrics?groupBy=queue,constructor,__proto__,toString,x,y', '/groupBy'],
  ['/v1/metrics?groupBy=a&groupBy=b', '/groupBy'],
  ['/v1/metrics?from=1e400', '/from'],
  ['/v1/metrics?from=' + '9'.repeat(400), '/from'],
  ['/v1/metrics?from=Infinity', '/from'],
  ['/v1/metrics?from=%00', '/from'],
  ['/v1/metrics?to=', '/to'],
  ['/v1/metrics?to=-1', '/to'],
  ['/v1/metrics?from=March%207', '/from'],
  ['/v1/metrics?from=1%202', '/from'],
  ['/v1/metrics?from=2026-13-01T00:00:00Z', '/from'],
  ['/v1/metrics?from=a&from=b', '/from'],
  ['/v1/verify?from=%00', '/from'],
  ['/v1/verify?to=99999999999999999999', '/to'],
  ['/v1/verify?to=a&to=b', '/to'],
  ['/v1/verify?color=red', '/color'],
  ['/v1/appeals?from=1e400&to=1', '/from'],
  ['/v1/appeals?from=2026-11-21T10:00:00Z&to=2026-11-21T11:00:00Z&limit=Infinity', '/limit'],
  ['/v1/appeals?from=2026-11-21T10:00:00Z&to=2026-11-21T11:00:00Z&outcome=constructor', '/outcome'],
  ['/v1/appeals?from=2026-11-21T10:00:00&to=2026-11-21T11:00:00Z', '/from'],
  ['/v1/appeals?from=2026-11-21T10:00:00Z&to=2026-11-21T11:00:00Z&groupBy=queue', '/groupBy'],
  ['/v1/live?x=1', '/x'],
  ['/v1/live?__proto__=1', '/__proto__'],
  ['/v1/stream?x=1', '/x'],
];

/** [body of POST /v1/dlq/replay as sent, the field a 400 must name] */
const BAD_REPLAY: Array<[string, string]> = [
  ['{"ids":["Infinity"]}', '/ids/0'],
  ['{"ids":["1"]}', '/ids/0'],
  ['{"ids":[1e400]}', '/ids/0'],
  ['{"ids":[-1e400]}', '/ids/0'],
  ['{"ids":[0]}', '/ids/0'],
  ['{"ids":[1.5]}', '/ids/0'],
  ['{"ids":[9007199254740992]}', '/ids/0'],
  ['{"ids":[1, null]}', '/ids/1'],
  ['{"ids":[1, 1]}', '/ids'],
  ['{"ids":[]}', '/ids'],
  ['{"ids":"1"}', '/ids'],
  ['{"ids":1}', '/ids'],
  ['{"ids":[[1]]}', '/ids/0'],
  ['{"id":[1]}', '/id'],
  ['{"__proto__":{"ids":[1]}}', '/__proto__'],
  ['[1]', '/'],
  ['"all"', '/'],
];

describe('odd query, path and body values', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await t.listen();
  });
  afterAll(() => t?.close());

  it.each(BAD)('%s → 400 naming %s', async (url, field) => {
    const r = await t.app.inject({ url });
    expect(r.statusCode, r.body).toBe(400);
    expectErrorShape(r.json());
    expect(r.json().error.code).toBe('CCP_BAD_REQUEST');
    expect(r.json().error.details.map((d: { path: string }) => d.path)).toContain(field);
  });

  it.each(BAD_REPLAY)('POST /v1/dlq/replay %s → 400 naming %s', async (payload, field) => {
    const r = await t.app.inject({ method: 'POST', url: '/v1/dlq/replay', headers: { 'content-type': 'application/json' }, payload });
    expect(r.statusCode, r.body).toBe(400);
    expectErrorShape(r.json());
    expect(r.json().error.details.map((d: { path: string }) => d.path)).toContain(field);
  });

  it.each([
    ['/v1/dlq?limit=5&afterId=0', 200],
    ['/v1/dlq?limit=10000&afterId=9007199254740991', 200],
    ['/v1/dlq?limit=007', 200],
    ['/v1/dlq/9007199254740991', 404],
    ['/v1/dlq/1', 404],
    ['/v1/metrics?queue=%F0%9F%98%80&channel=voice&operator=op%20%C3%A9', 200],
    ['/v1/metrics?queue=' + 'q'.repeat(128), 200],
    ['/v1/metrics?interval=36600d', 200],
    ['/v1/metrics?groupBy=queue,queue,', 200],
    ['/v1/metrics?groupBy=', 200],
    ['/v1/metrics?from=2026-11-21&to=2026-11-22', 400], // a day with no zone: whose day?
    ['/v1/metrics?from=2026-11-21T10:00:00.123%2B03:00&to=2026-11-21T10:00:00Z', 200],
    ['/v1/metrics?from=1795000000000&to=1795003600000', 200],
    ['/v1/live', 200],
  ])('%s → %i', async (url, status) => {
    const r = await t.app.inject({ url });
    expect(r.statusCode, r.body).toBe(status);
    if (status >= 400) expectErrorShape(r.json());
  });

  it('takes dead-letter ids as JSON numbers, and names the ones that do not exist (404, nothing replayed)', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/v1/dlq/replay', payload: { ids: [1, 9007199254740991] } });
    expect(r.statusCode, r.body).toBe(404);
    expect(r.json().error).toEqual({ code: 'CCP_NOT_FOUND', message: 'no dead letter 1, 9007199254740991; nothing was replayed' });
    const all = await t.app.inject({ method: 'POST', url: '/v1/dlq/replay', payload: {} });
    expect(all.json()).toEqual({ replayed: 0, accepted: 0, duplicates: 0 });
  });

  it('answers HEAD /v1/stream at once, with the stream’s headers and no body', async () => {
    const res = await fetch(`${t.url}/v1/stream`, { method: 'HEAD', signal: AbortSignal.timeout(3000) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(await res.text()).toBe('');
    const injected = await t.app.inject({ method: 'HEAD', url: '/v1/stream' });
    expect(injected.statusCode).toBe(200);
    expect(injected.body).toBe('');
    const bad = await t.app.inject({ method: 'HEAD', url: '/v1/stream?x=1' });
    expect(bad.statusCode).toBe(400);
  });

  it('still streams on GET', async () => {
    const ac = new AbortController();
    const res = await fetch(`${t.url}/v1/stream`, { signal: ac.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toMatch(/event: snapshot/);
    ac.abort();
  });
});

describe('HEAD /v1/stream with API keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ apiKeys: { 'k-1': 'one' } });
  });
  afterAll(() => t?.close());

  it('asks for a key, and answers with one', async () => {
    const r = await t.app.inject({ method: 'HEAD', url: '/v1/stream' });
    expect(r.statusCode).toBe(401);
    expect((await t.app.inject({ method: 'HEAD', url: '/v1/stream?apiKey=k-1' })).statusCode).toBe(200);
  });
});
