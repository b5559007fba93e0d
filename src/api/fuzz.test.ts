/**
 * Fuzz test of every route of the real app (buildApp over a real engine and PGlite), through a real
 * listening server, with and without API keys. The routes are read from the app itself, so a new one is
 * fuzzed without anyone remembering to add it. For every route and method, plus HEAD, OPTIONS, other and
 * unknown methods, generated paths, query strings, headers and bodies (events, dead-letter ids, staffing
 * calculations, anything) must never give a 5xx (nor no answer), and every 4xx must have the documented
 * shape. POST /v1/events must keep the valid events of a batch mixed with broken ones.
 */
import http from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_CHANNELS, EVENT_TYPES, OPERATOR_STATUSES } from '../contract/event.js';
import { DEFAULT_CONFIG } from '../config/config.js';
import { startTestApp, type TestApp } from './testing/test-app.js';

const NUM_RUNS = Number(process.env.CCPULSE_FUZZ_RUNS ?? 25);
const KEY = 'k-fuzz';

// ---- the routes, as the app has them ------------------------------------------------------------

interface Route {
  url: string;
  methods: string[];
}

/** Parses `printRoutes({ commonPrefix: false })`: one line per route node, children indented by 4. */
export function routesOf(printed: string): Route[] {
  const out: Route[] = [];
  const stack: string[] = [];
  for (const line of printed.split('\n')) {
    const m = /^([│ ]*)(?:├── |└── )(\S+) \(([^)]+)\)$/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 4;
    const seg = m[2].startsWith('/') ? m[2] : `/${m[2]}`;
    const url = `${depth > 0 ? stack[depth - 1] : ''}${seg}`;
    stack[depth] = url;
    stack.length = depth + 1;
    out.push({ url, methods: m[3].split(',').map((s) => s.trim()) });
  }
  return out;
}

// ---- generators ---------------------------------------------------------------------------------

const PROTO = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype'];

/** Any UTF-16 code unit, lone surrogates and controls included. */
const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const nasty = fc.oneof(
  fc.constantFrom(
    '', ' ', '0', '-1', '1', '1.5', '1e20', '1e400', '-1e400', 'Infinity', '-Infinity', 'NaN', '0x10', '9007199254740993',
    '99999999999999999999', 'null', 'true', '[]', '{}', '2026-11-21T10:00:00Z', '2026-02-31T10:00:00Z', 'yesterday', '1795000000000',
    'queue', 'channel', 'operator', 'queue,channel,operator', 'queue,,queue', '1m', '0m', '99999999999999999999m', '36601d', '1h', KEY,
    '\u0000', 'a\u0000b', '\ud800', '\udc00x', '😀', '%', '%zz', '../..', 'x'.repeat(3000), '1'.repeat(400), ...PROTO,
  ),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: anyUnit, maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.integer().map(String),
  fc.double().map(String),
  fc.bigInt().map(String),
);

/** Percent-encodes the UTF-8 of a string (a lone surrogate becomes U+FFFD, as a browser sends it). */
const pct = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
/** Raw bytes, percent-encoded: invalid UTF-8 and broken escapes included. */
const rawBytes = fc.uint8Array({ maxLength: 12 }).map((b) => [...b].map((x) => `%${x.toString(16).padStart(2, '0')}`).join(''));
const encoded = fc.oneof(
  { weight: 4, arbitrary: nasty.map(pct) },
  { weight: 1, arbitrary: rawBytes },
  { weight: 1, arbitrary: fc.constantFrom('%', '%2', '%zz', '%%', '+', '%2B', '&', '=', '==', ';', '%23', '%3F', '%ED%A0%80', '%C0%AF', '%FF%FE') },
);

const QUERY_NAMES: Record<string, string[]> = {
  '/v1/metrics': ['from', 'to', 'queue', 'channel', 'operator', 'groupBy', 'interval'],
  '/v1/verify': ['from', 'to'],
  '/v1/appeals': ['from', 'to', 'queue', 'channel', 'operator', 'outcome', 'limit', 'after'],
  '/v1/dlq': ['limit', 'afterId'],
  '/v1/recommendations': ['from', 'to', 'limit'],
};
const ALL_NAMES = [...new Set(Object.values(QUERY_NAMES).flat())];
const HOUR_AGO = Date.now() - 3_600_000;
/** Values a client would send, so that generated requests also get past validation into the handlers. */
const PLAUSIBLE: Record<string, string[]> = {
  from: [new Date(HOUR_AGO).toISOString(), String(HOUR_AGO), '2026-11-21T10:00:00Z', '2026-11-21'],
  to: [new Date(HOUR_AGO + 7_200_000).toISOString(), String(HOUR_AGO + 1_800_000), '2026-11-21T11:00:00%2B03:00'],
  queue: ['q', 'support', '__proto__', 'constructor', '%F0%9F%98%80'],
  channel: ['voice', 'email', 'telegram', 'toString'],
  operator: ['op-1', 'hasOwnProperty', 'a%20b'],
  groupBy: ['queue', 'channel', 'operator', 'queue,channel', '', 'operator,queue', 'queue,queue'],
  interval: ['1m', '5m', '15m', '1h', '1d', '36600d'],
  limit: ['1', '100', '10000', '007'],
  afterId: ['0', '5', '9007199254740991'],
  outcome: ['missed', 'offered', 'withinSl', '__proto__', ''],
  // a cursor as the server makes them (base64url of JSON), one of another range, and nonsense
  after: [Buffer.from(JSON.stringify([HOUR_AGO - (HOUR_AGO % 60_000), 'a1', HOUR_AGO, 'APPEAL_NEW', 'e1'])).toString('base64url'), Buffer.from('[0,"a",0,"APPEAL_NEW","e"]').toString('base64url'), 'WzFd', '%2F%2F'],
};

const queryOf = (url: string, keyed: boolean) =>
  fc
    .array(
      fc.tuple(
        fc.oneof(
          { weight: 5, arbitrary: fc.constantFrom(...(QUERY_NAMES[url] ?? ALL_NAMES)) },
          { weight: 1, arbitrary: fc.constantFrom('apiKey', ...PROTO, ...ALL_NAMES) },
          { weight: 1, arbitrary: encoded },
        ),
        fc.oneof({ weight: 3, arbitrary: encoded }, { weight: 3, arbitrary: fc.constantFrom(...Object.values(PLAUSIBLE).flat()) }, { weight: keyed ? 1 : 0, arbitrary: fc.constant(KEY) }),
        fc.boolean(),
      ),
      { maxLength: 5 },
    )
    .map((pairs) => pairs.map(([k, v, bare]) => (bare && v === '' ? k : `${k}=${v}`)).join('&'));

/** Mostly plausible queries (each of the route's parameters at most once, most values sensible), some not. */
const plausibleQueryOf = (url: string) =>
  fc
    .subarray(QUERY_NAMES[url] ?? [])
    .chain((names) => fc.tuple(...names.map((name) => fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PLAUSIBLE[name]) }, { weight: 1, arbitrary: encoded }).map((v) => `${name}=${v}`))))
    .map((pairs) => pairs.join('&'));

/** The route's URL made concrete: path parameters and the static wildcard filled with odd values. */
const concretePath = (url: string) => {
  if (url.endsWith('/*')) {
    const seg = fc.oneof(
      fc.constantFrom('..', '.', '%2e%2e', '..%2f..%2f', '..%5c', '.env', '.git', 'index.html', 'assets', 'v1', 'etc', 'passwd', '%00', '%zz', '~', ''),
      fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/),
      encoded,
    );
    return fc.array(seg, { maxLength: 5 }).map((segs) => url.slice(0, -1) + segs.join('/'));
  }
  if (!url.includes(':')) return fc.constant(url);
  const param = fc.oneof(fc.integer({ min: 0, max: 1e6 }).map(String), fc.constantFrom('1', '9007199254740991', '9007199254740992', '1'.repeat(300)), encoded);
  return fc.array(param, { minLength: 4, maxLength: 4 }).map((vals) => {
    let i = 0;
    return url.replace(/:[A-Za-z]+/g, () => vals[i++] || '0');
  });
};

/** Spellings of a path: the router and the auth hook must agree on what they name. */
const SPELLINGS: Array<(p: string) => string> = [
  (p) => `/${p}`,
  (p) => p.replace(/\/(?=[^/]*$)/, '//'),
  (p) => `${p}/`,
  (p) => p.replace('/v1/', '/%761/'),
  (p) => p.replace('/v1/', '/%76%31/'),
  (p) => p.replace('/v1/', '/v1/./'),
  (p) => p.replace('/v1/', '/x/../v1/'),
  (p) => p.toUpperCase(),
  (p) => `${p};x=1`,
  (p) => `${p}%2F`,
];
const pathVariant = (path: string) =>
  fc.oneof({ weight: 2, arbitrary: fc.constant(path) }, { weight: 1, arbitrary: fc.constantFrom(...SPELLINGS).map((f) => f(path)) });

const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'Application/JSON', 'application/json;',
  'application/x-ndjson', 'application/ndjson', 'application/jsonl', 'text/plain', 'APPLICATION/X-NDJSON; charset=latin1',
  'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'text/event-stream', '*/*', ';;;', 'a/b/c',
];
/** Header values Node's client will send (visible ASCII and spaces). */
const headerText = fc.oneof(fc.constantFrom(...PROTO, KEY, '', ' ', 'x'.repeat(2000)), fc.string({ maxLength: 24 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')));
const headersOf = () =>
  fc.record(
    {
      'content-type': fc.oneof({ weight: 4, arbitrary: fc.constantFrom('application/json', 'application/x-ndjson') }, { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) }),
      authorization: fc.oneof(
        { weight: 4, arbitrary: fc.constant(`Bearer ${KEY}`) },
        { weight: 1, arbitrary: headerText.map((k) => `Bearer ${k}`) },
        { weight: 2, arbitrary: fc.constantFrom(`bearer ${KEY}`, 'Basic a2V5OnZhbHVl', 'Bearer', 'Bearer  ', ...PROTO.map((p) => `Bearer ${p}`)) },
      ),
      'x-api-key': fc.oneof(headerText, fc.constant(KEY)),
      accept: fc.constantFrom('application/json', 'text/event-stream', '*/*', 'text/html'),
      'content-encoding': fc.constantFrom('gzip', 'identity', 'br', 'x'),
    },
    { requiredKeys: [] },
  );

// Events: valid ones, and ways to break one.

const NAMES = fc.oneof(
  fc.constantFrom(...PROTO, 'q', 'support', '😀', 'é', 'a b', 'x'.repeat(64)),
  fc.stringMatching(/^[A-Za-z0-9 _.:-]{1,24}$/),
);
const attrsArb = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...PROTO), fc.string({ maxLength: 8 })), fc.jsonValue({ maxDepth: 2 })), { maxLength: 4 })
  .map((entries) => {
    const o: Record<string, unknown> = {};
    for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
    return o;
  });

/**
 * A valid event: `make(id, at)` times it up to 50 minutes before `at`. Appeal ids are drawn from a few
 * names, so one appeal's events come in many batches, in any order, on time and late, before and after
 * the appeal is retired from memory: what /v1/verify then checks.
 */
const validEvent = fc
  .record({
    type: fc.constantFrom(...EVENT_TYPES),
    ago: fc.integer({ min: 0, max: 3_000_000 }),
    appealId: NAMES,
    queue: NAMES,
    channel: fc.constantFrom(...BUILTIN_CHANNELS),
    operatorId: NAMES,
    status: fc.constantFrom(...OPERATOR_STATUSES),
    direction: fc.option(fc.constantFrom('inbound', 'outbound'), { nil: undefined }),
    attrs: fc.option(attrsArb, { nil: undefined }),
    isoTs: fc.boolean(),
  })
  .map((r) => (id: string, at: number) => {
    const ts = at - r.ago;
    const e: Record<string, unknown> = { id, type: r.type, ts: r.isoTs ? new Date(ts).toISOString() : ts };
    if (r.type === 'OPERATOR_STATUS') Object.assign(e, { operatorId: r.operatorId, status: r.status });
    else {
      Object.assign(e, { appealId: r.appealId, queue: r.queue, channel: r.channel });
      if (['APPEAL_APPOINTED', 'APPEAL_TRANSFERRED', 'APPEAL_CLOSED'].includes(r.type)) e.operatorId = r.operatorId;
      if (r.direction) e.direction = r.direction;
    }
    if (r.attrs) e.attrs = r.attrs;
    return e;
  });

/** A broken event, as the text of one batch entry (each is also one line of NDJSON). */
const brokenItem = fc.oneof(
  fc.tuple(fc.constantFrom('__proto__', 'constructor', 'opertorId', 'x', 'toString'), fc.jsonValue({ maxDepth: 1 })).map(([k, v]) => (e: Record<string, unknown>) => `{${JSON.stringify(k)}:${JSON.stringify(v)},${JSON.stringify(e).slice(1)}`),
  fc.constantFrom<(e: Record<string, unknown>) => string>(
    (e) => JSON.stringify({ ...e, id: '' }),
    (e) => JSON.stringify({ ...e, id: 'a\u0000b' }),
    (e) => JSON.stringify({ ...e, id: 7 }),
    (e) => JSON.stringify({ ...e, id: 'x'.repeat(257) }),
    (e) => JSON.stringify({ ...e, type: 'APPEAL_OPENED' }),
    (e) => JSON.stringify({ ...e, ts: 'yesterday' }),
    (e) => JSON.stringify({ ...e, ts: 1795000000 }),
    (e) => JSON.stringify(e).replace(/"ts":("[^"]*"|\d+)/, '"ts":1e400'),
    (e) => JSON.stringify({ ...e, channel: 'fax', type: 'APPEAL_NEW', appealId: 'a', queue: 'q' }),
    (e) => JSON.stringify({ ...e, queue: 'q\ud800', type: 'APPEAL_NEW', appealId: 'a', channel: 'voice' }),
    (e) => JSON.stringify({ ...e, attrs: { k: 'v\u0000' } }),
    (e) => JSON.stringify({ ...e, attrs: { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: 1 } } } } } } } } } } }),
    (e) => JSON.stringify({ ...e, attrs: [1, 2] }),
    () => '42',
    () => 'null',
    () => '"text"',
    () => '[]',
    () => `${'['.repeat(3000)}${']'.repeat(3000)}`,
  ),
).map((f) => ({ text: f }));
const ndjsonGarbage = fc.oneof(fc.constantFrom('{oops', '{"id":', '1e400e', ']', '\u0000', '\ud800'), fc.string({ minLength: 1, maxLength: 20 }).filter((s) => {
  try {
    JSON.parse(s);
    return false;
  } catch {
    return s.trim() !== '' && !s.includes('\n');
  }
}));

let batches = 0;
/** A batch of events, valid and broken, as JSON or NDJSON. */
const eventsBody = fc
  .tuple(fc.array(fc.oneof(validEvent.map((v) => ({ v })), brokenItem.map((b) => ({ b }))), { minLength: 1, maxLength: 6 }), validEvent, fc.boolean(), fc.array(ndjsonGarbage, { maxLength: 2 }))
  .map(([items, base, ndjson, garbage]) => {
    const batch = `b${++batches}`;
    const now = Date.now();
    const texts = items.map((it, i) => ('v' in it ? JSON.stringify(it.v(`${batch}-${i}`, now)) : it.b.text(base(`${batch}-bad-${i}`, now))));
    return Buffer.from(ndjson ? [...texts, ...garbage].join('\n') : `[${texts.join(',')}]`);
  });

/** A dead-letter replay body. */
const idsBody = fc.array(fc.oneof(fc.integer({ min: -2, max: 20 }), fc.constant(9007199254740991)), { maxLength: 4 }).map((ids) => Buffer.from(JSON.stringify({ ids })));

/** A staffing calculation: the fields, mostly in their domains, some odd values and keys. */
/** A what-if body: add / release / move on names of every kind (most not on the board), odd counts and runs. */
const whatIfBody = fc
  .record(
    {
      actions: fc.array(
        fc.oneof(
          fc.record({ action: fc.constantFrom('add', 'release', 'hire', '__proto__'), queue: NAMES, channel: fc.constantFrom('voice', 'telegram', 'toString'), n: fc.oneof(fc.integer({ min: -2, max: 20_000 }), fc.constantFrom(1.5, 1e308)) }),
          fc.record({ action: fc.constant('move'), from: fc.record({ queue: NAMES, channel: fc.constantFrom('voice', 'email') }), to: fc.record({ queue: NAMES, channel: fc.constantFrom('voice', 'constructor') }), n: fc.integer({ min: 0, max: 5 }) }),
          fc.jsonValue({ maxDepth: 2 }),
        ),
        { maxLength: 4 },
      ),
      // a valid what-if simulates the whole (fuzzed, many-queued) board: at most 2 runs, so that the fuzz stays a fuzz
      runs: fc.constantFrom(0, 1, 2, 51, 1.5, -1, 1e308),
    },
    { requiredKeys: ['runs'] },
  )
  .map((r) => Buffer.from(JSON.stringify(r)));
/** An acknowledgement body: who, or something else. */
const ackBody = fc.oneof(fc.record({ by: fc.oneof(NAMES, fc.constant(''), fc.integer()) }, { requiredKeys: [] }), fc.jsonValue({ maxDepth: 1 })).map((r) => Buffer.from(JSON.stringify(r)));
const staffingBody = fc
  .record(
    {
      model: fc.constantFrom('erlang-c', 'erlang-a', 'chat', 'erlang-x'),
      callsPerInterval: fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.constantFrom(-1, 1e308, 0.5)),
      intervalSec: fc.constantFrom(900, 1800, 0, -1, 1e308),
      ahtSec: fc.oneof(fc.integer({ min: 1, max: 900 }), fc.constantFrom(0, 5e-324, 1e308)),
      agents: fc.oneof(fc.integer({ min: 1, max: 2000 }), fc.constantFrom(0, 2.5, 100_000, 100_001, 1e308)),
      slSec: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constantFrom(-1, 1e308)),
      patienceSec: fc.oneof(fc.integer({ min: 1, max: 3600 }), fc.constantFrom(0, 5e-324, 1e-9, 1e308)),
      concurrency: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom(0, 1.5, 51)),
      slowdown: fc.oneof(fc.double({ min: 0, max: 1.2, noNaN: true }), fc.array(fc.double({ min: -0.1, max: 1.1, noNaN: true }), { maxLength: 4 })),
      targetSlPct: fc.oneof(fc.double({ min: 0, max: 100, noNaN: true }), fc.constantFrom(80, 150)),
      maxOccupancy: fc.double({ min: 0, max: 1.2, noNaN: true }),
      shrinkage: fc.double({ min: 0, max: 1, noNaN: true }),
      [PROTO[0]]: fc.jsonValue({ maxDepth: 1 }),
      x: fc.jsonValue({ maxDepth: 1 }),
    },
    { requiredKeys: ['model', 'callsPerInterval', 'intervalSec', 'ahtSec', 'agents', 'slSec'] },
  )
  .map((r) => {
    // an own `__proto__` key, as JSON.parse makes it (a plain assignment would set the prototype)
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r)) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
    return Buffer.from(JSON.stringify(o));
  });

/** Bodies of any request: none, events, random JSON, JSON with __proto__ keys, NDJSON garbage, huge numbers, deep nesting, NUL, invalid UTF-8. */
const anyBody = fc.oneof(
  fc.constant(undefined),
  eventsBody,
  idsBody,
  fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc.tuple(fc.constantFrom(...PROTO, 'ids'), fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => Buffer.from(`{${JSON.stringify(k)}:${JSON.stringify(v)},"ids":[1]}`)),
  fc.constantFrom(
    '{"ids":[1e400]}', '{"ids":["1"]}', '{"ids":[-0]}', '{"ids":[9007199254740993]}', '[1e400,-1e400,123456789012345678901234567890]', '{}', '[]', '',
    '{"__proto__":{"ids":[1]}}', '{"constructor":{"prototype":{"x":1}}}', `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
    `{"a":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}`, '{"id":"a\\u0000b"}', '\u0000\u0000', 'null', '"str"', 'true', '{oops\n{"id":1}\n\n',
  ).map((s) => Buffer.from(s)),
  fc.array(ndjsonGarbage, { maxLength: 5 }).map((lines) => Buffer.from(lines.join('\n'))),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.concat([Buffer.from('[{"id":"'), Buffer.from(b), Buffer.from('"}]')])),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
);

// ---- HTTP ---------------------------------------------------------------------------------------

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/** A fresh connection per request: an error answered before the body was read may close it, and a reused one would then fail on the client. */
const agent = new http.Agent({ keepAlive: false });

/** One request over a real socket; the path is sent exactly as given. An event stream is read up to its headers. */
function send(base: string, method: string, path: string, headers: Record<string, string>, body?: Buffer, limitMs = 10_000): Promise<Answer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method, path, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) }, agent });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer within ${limitMs / 1000} s to ${method} ${path}`));
    }, limitMs);
    req.on('response', (res) => {
      const contentType = String(res.headers['content-type'] ?? '');
      if (contentType.startsWith('text/event-stream')) {
        clearTimeout(timer);
        resolve({ status: res.statusCode!, contentType, body: '' });
        req.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode!, contentType, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${method} ${path}: ${e.message}`));
    });
    req.end(body);
  });
}

/** Never a 5xx; a 4xx (with a body) in the documented shape. */
function check(a: Answer, what: string, method: string): void {
  expect(a.status, `${what} → ${a.status} ${a.body.slice(0, 300)}`).toBeLessThan(500);
  expect(a.status, what).toBeGreaterThanOrEqual(200);
  if (a.status < 400 || method === 'HEAD') return;
  expect(a.contentType, what).toMatch(/^application\/json/);
  let body: { error?: { code?: unknown; message?: unknown; details?: unknown } };
  try {
    body = JSON.parse(a.body);
  } catch {
    throw new Error(`${what} → ${a.status} with a body that is not JSON: ${a.body.slice(0, 200)}`);
  }
  const e = body.error;
  expect(typeof e?.code === 'string' && e.code.startsWith('CCP_'), `${what} → ${a.body.slice(0, 300)}`).toBe(true);
  expect(typeof e?.message, what).toBe('string');
  if (e?.details !== undefined) {
    expect(Array.isArray(e.details), what).toBe(true);
    for (const d of e.details as unknown[]) expect(d, what).toEqual({ path: expect.any(String), message: expect.any(String) });
  }
}

// ---- the suites ---------------------------------------------------------------------------------

const EXTRA_METHODS = ['HEAD', 'OPTIONS', 'PUT', 'DELETE', 'PATCH', 'PROPFIND', 'TRACE', 'SEARCH', 'BREW'];

for (const keyed of [false, true]) {
  describe(`fuzz of every route (${keyed ? 'with API keys' : 'no API keys'})`, () => {
    let t: TestApp;
    let routes: Route[] = [];
    beforeAll(async () => {
      // Admission may refuse a batch with 503 CCP_OVERLOADED when the machine is slow (documented, and
      // tested by the overload suites); this suite is about input, so its deadline is the longest allowed.
      const ingest = { ...DEFAULT_CONFIG.ingest, maxQueueDelayMs: 60_000 };
      // Nor is it about rate limits (rate-limit.test.ts): thousands of requests with one key would spend its
      // budget, and the batches checked after would answer 429.
      const rateLimit = { ...DEFAULT_CONFIG.rateLimit, enabled: false };
      t = await startTestApp(keyed ? { apiKeys: { [KEY]: 'fuzz' }, ingest, rateLimit } : { ingest });
      await t.listen();
      routes = routesOf(t.app.printRoutes({ commonPrefix: false }));
    });
    afterAll(() => t?.close());

    it('reads the route table from the app', () => {
      // the parse is right: every route found is one the app has, and the known ones are all there
      for (const r of routes) for (const m of r.methods) expect(t.app.hasRoute({ method: m as 'GET', url: r.url }), `${m} ${r.url}`).toBe(true);
      const urls = routes.map((r) => r.url);
      for (const u of ['/v1/events', '/v1/live', '/v1/stream', '/v1/metrics', '/v1/verify', '/v1/appeals', '/v1/dlq', '/v1/dlq/replay', '/v1/dlq/:id', '/v1/staffing/calc', '/v1/recommendations', '/v1/recommendations/:id/ack', '/v1/whatif', '/v1/forecast', '/v1/operators', '/v1/campaigns', '/v1/campaigns/:id', '/healthz', '/*']) expect(urls).toContain(u);
    });

    it('never answers a generated request with a 5xx, and every 4xx in the documented shape', async () => {
      const cases = routes.flatMap((r) => [...new Set([...r.methods, ...EXTRA_METHODS])].map((method) => ({ url: r.url, method, own: r.methods.includes(method) })));
      for (const { url, method, own } of cases) {
        const request = fc.record({
          path: concretePath(url).chain(pathVariant),
          query: fc.oneof(fc.constant(undefined), plausibleQueryOf(url), queryOf(url, keyed)),
          headers: headersOf(),
          body: method === 'GET' || method === 'HEAD' ? fc.option(anyBody, { freq: 4, nil: undefined }) : method === 'POST' ? fc.oneof(eventsBody, idsBody, staffingBody, whatIfBody, ackBody, anyBody) : anyBody,
        });
        await fc.assert(
          fc.asyncProperty(request, async ({ path, query, headers, body }) => {
            const full = query === undefined ? path : `${path}?${query}`;
            const what = `${method} ${full} ${JSON.stringify(headers)}${body ? ` body ${JSON.stringify(body.toString('utf8').slice(0, 120))}` : ''}`;
            // verify recomputes history on a thread that yields the CPU (the slow path): on a CI machine whose
            // two cores run the whole suite it may take longer, however its path is spelt; the rest, 10 s
            check(await send(t.url, method, full, headers, body, url === '/v1/verify' ? 30_000 : 10_000), what, method);
          }),
          { numRuns: own ? NUM_RUNS * 4 : NUM_RUNS },
        );
      }
      // about 30 s alone on two cores; CI runs it beside the other suites' servers, which has taken it past 300 s
    }, 900_000);

    it('keeps the valid events of a batch mixed with broken ones (JSON and NDJSON)', async () => {
      let n = 0;
      const batch = fc.record({
        items: fc.array(fc.oneof(validEvent.map((v) => ({ valid: true as const, make: v })), brokenItem.map((b) => ({ valid: false as const, b }))), { minLength: 1, maxLength: 12 }),
        base: validEvent,
        ndjson: fc.boolean(),
        garbage: fc.array(fc.tuple(fc.nat(12), ndjsonGarbage), { maxLength: 3 }),
        contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8'),
      });
      await fc.assert(
        fc.asyncProperty(batch, async ({ items, base, ndjson, garbage, contentType }) => {
          const now = Date.now();
          const texts: Array<{ valid: boolean; text: string }> = items.map((it) =>
            it.valid ? { valid: true, text: JSON.stringify(it.make(`fz-${keyed}-${++n}`, now)) } : { valid: false, text: it.b.text(base(`fz-bad-${++n}`, now)) },
          );
          if (ndjson) for (const [i, line] of garbage) texts.splice(Math.min(i, texts.length), 0, { valid: false, text: line });
          if (!texts.some((x) => x.valid)) texts.push({ valid: true, text: JSON.stringify(base(`fz-${keyed}-${++n}`, now)) });
          const body = ndjson ? texts.map((x) => x.text).join('\n') : `[${texts.map((x) => x.text).join(',')}]`;
          const headers = { 'content-type': ndjson ? 'application/x-ndjson' : contentType, ...(keyed ? { authorization: `Bearer ${KEY}` } : {}) };
          const a = await send(t.url, 'POST', '/v1/events', headers, Buffer.from(body));
          const what = `POST /v1/events ${body.slice(0, 600)}`;
          expect(a.status, `${what} → ${a.body.slice(0, 400)}`).toBe(202);
          const r = JSON.parse(a.body);
          expect([r.accepted, r.duplicates], what).toEqual([texts.filter((x) => x.valid).length, 0]); // every id is new
          expect(r.rejected.map((x: { index: number }) => x.index), `${what} → ${a.body.slice(0, 400)}`).toEqual(texts.flatMap((x, i) => (x.valid ? [] : [i])));
          for (const rej of r.rejected) for (const e of rej.errors) expect(e, what).toEqual({ path: expect.any(String), message: expect.any(String) });
        }),
        { numRuns: NUM_RUNS * 4 },
      );
      // and what was kept reads back: live state, history, and the independent check agree
      const auth: Record<string, string> = keyed ? { authorization: `Bearer ${KEY}` } : {};
      const live = await send(t.url, 'GET', '/v1/live', auth);
      expect(live.status, live.body.slice(0, 300)).toBe(200);
      const metrics = await send(t.url, 'GET', `/v1/metrics?from=${Date.now() - 7_200_000}&groupBy=queue,channel`, auth);
      expect(metrics.status, metrics.body.slice(0, 300)).toBe(200);
      expect(JSON.parse(metrics.body).rows.length).toBeGreaterThan(0);
      // late events are folded in by the reconciliation job, in the background: verify once it has caught up
      for (let i = 0; i < 200 && t.engine.processor.lateWaiting > 0; i++) await new Promise((r) => setTimeout(r, 25));
      const verify = await send(t.url, 'GET', `/v1/verify?from=${Date.now() - 7_200_000}`, auth);
      expect(verify.status, verify.body.slice(0, 300)).toBe(200);
      expect(JSON.parse(verify.body).differences).toEqual([]);
    }, 120_000);
  });
}

afterAll(() => agent.destroy());
