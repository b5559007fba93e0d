import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorShape, rawRequest } from './testing/http.js';
import { startTestApp, type TestApp } from './testing/test-app.js';

describe('the one error handler', () => {
  let t: TestApp;
  const odd: Array<[string, () => unknown]> = [
    ['a string', () => 'boom'],
    ['null', () => null],
    ['undefined', () => undefined],
    ['a number', () => 42],
    ['a symbol', () => Symbol('s')],
    ['an Error with a numeric code', () => Object.assign(new Error('x'), { code: 42 })],
    ['an Error with an object code', () => Object.assign(new Error('x'), { code: { startsWith: 1 } })],
    ['an object with a string statusCode', () => ({ statusCode: '400', message: 'x' })],
    ['an object with no prototype', () => Object.create(null)],
    ['an Error with an out-of-range statusCode', () => Object.assign(new Error('x'), { statusCode: 700 })],
    ['an Error whose message getter throws', () => Object.defineProperty(new Error(), 'message', { get: () => { throw new Error('nope'); } })],
    ['a foreign 5xx carrying a body', () => Object.assign(new Error('db password is hunter2'), { statusCode: 503, code: 'ECONNREFUSED', body: { error: 'leak' } })],
  ];

  beforeAll(async () => {
    t = await startTestApp();
    // Test-only routes on the real app, behind the real hooks and the real error handler.
    odd.forEach(([, value], i) => t.app.get(`/__throw/${i}`, async () => { throw value(); }));
    t.app.get('/__throw/foreign-404', async () => { throw Object.assign(new Error('gone'), { statusCode: 404 }); });
    await t.listen();
  });
  afterAll(() => t?.close());

  it.each(odd.map(([name], i) => [name, i]))('answers a thrown %s with 500 CCP_INTERNAL in the documented shape', async (_name, i) => {
    const r = await t.app.inject({ url: `/__throw/${i}` });
    expect(r.statusCode).toBe(500);
    expect(r.json()).toEqual({ error: { code: 'CCP_INTERNAL', message: 'internal error; see the server log' } });
  });

  it('gives a foreign 4xx our code and keeps its status', async () => {
    const r = await t.app.inject({ url: '/__throw/foreign-404' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual({ error: { code: 'CCP_NOT_FOUND', message: 'gone' } });
  });

  it.each([
    ['a path traversal', '/..%2f..%2fetc/passwd', 403, 'CCP_FORBIDDEN'],
    ['an encoded path traversal into the web root', '/assets/..%2f..%2f..%2fetc/passwd', 403, 'CCP_FORBIDDEN'],
    ['a dotfile', '/.secret', 403, 'CCP_FORBIDDEN'],
    ['a dotfile that does not exist', '/.env', 403, 'CCP_FORBIDDEN'],
    ['a missing file', '/nope.js', 404, 'CCP_NOT_FOUND'],
    ['a malformed percent-encoding', '/v1/%zz', 400, 'CCP_BAD_REQUEST'],
    ['a malformed percent-encoding in a file path', '/assets/%E0%A4%A', 400, 'CCP_BAD_REQUEST'],
  ])('answers %s (%s) with %i %s', async (_name, url, status, code) => {
    const r = await t.app.inject({ url });
    expect(r.statusCode).toBe(status);
    expectErrorShape(r.json());
    expect(r.json().error.code).toBe(code);
  });

  it('still serves the dashboard files', async () => {
    expect((await t.app.inject({ url: '/' })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/assets/app.js' })).statusCode).toBe(200);
  });

  it('names an overlong path parameter instead of cutting it off in the router', async () => {
    const r = await t.app.inject({ url: `/v1/dlq/${'1'.repeat(500)}` });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.details.map((d: { path: string }) => d.path)).toEqual(['/id']);
  });

  it.each([
    ['a control character in a header value', 'GET /v1/live HTTP/1.1\r\nHost: x\r\nX-Api-Key: a\u0001b\r\n\r\n', 400, 'CCP_BAD_REQUEST'],
    ['a malformed request line', 'GARBAGE\r\n\r\n', 400, 'CCP_BAD_REQUEST'],
    ['an unknown method', 'BREW /v1/live HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'CCP_BAD_REQUEST'],
    ['a header without a colon', 'GET /v1/live HTTP/1.1\r\nHost: x\r\nnocolon\r\n\r\n', 400, 'CCP_BAD_REQUEST'],
    ['a bad Content-Length', 'POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 400, 'CCP_BAD_REQUEST'],
    ['headers too large', `GET /v1/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'CCP_HEADERS_TOO_LARGE'],
    ['an HTTP/1.1 request without Host (Node answers it with an empty body by default)', 'GET /v1/live HTTP/1.1\r\n\r\n', 400, 'CCP_BAD_REQUEST'],
    ['CONNECT (Node drops it unanswered by default)', 'CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\r\n', 405, 'CCP_METHOD_NOT_ALLOWED'],
  ])('answers %s, refused by the HTTP parser, in the documented shape', async (_name, bytes, status, code) => {
    const r = await rawRequest(t.url, bytes);
    expect(r.status).toBe(status);
    expect(r.headers).toMatch(/content-type: application\/json/i);
    expectErrorShape(JSON.parse(r.body));
    expect(JSON.parse(r.body).error.code).toBe(code);
  });
});
