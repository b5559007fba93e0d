/**
 * POST /v1/staffing/calc through the real app (buildApp, its hooks and its one error handler): the
 * published Erlang C case, the other models, every kind of bad input answered 400 naming the field, and
 * generated bodies that must never get a 5xx.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_AGENTS, staffingCalc, type StaffingCalcInput } from '../../recommend/staffing/index.js';
import { expectErrorShape } from '../testing/http.js';
import { startTestApp, type TestApp } from '../testing/test-app.js';

const ROUTE = '/v1/staffing/calc';
/** The textbook case: 100 calls a half-hour of 180 s each (10 Erlangs), 14 agents, SL threshold 20 s. */
const PUBLISHED = { model: 'erlang-c', callsPerInterval: 100, intervalSec: 1800, ahtSec: 180, agents: 14, slSec: 20 } as const;
const PROTO = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '__defineGetter__'];

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

/** POSTs a value as JSON, or a string as the raw body. */
const post = (body: unknown, contentType = 'application/json') =>
  t.app.inject({ method: 'POST', url: ROUTE, headers: { 'content-type': contentType }, payload: typeof body === 'string' ? body : JSON.stringify(body) });

/** A 400 in the documented shape whose details name exactly `path` (and nothing else). */
async function expect400(body: unknown, path: string, message?: RegExp, contentType?: string) {
  const r = await post(body, contentType);
  expect(r.statusCode, `${JSON.stringify(body)} → ${r.body}`).toBe(400);
  const json = r.json();
  expectErrorShape(json);
  expect(json.error.code).toBe('CCP_BAD_REQUEST');
  // Every detail is about that field (a wrong item of an array may also fail the array's other shape).
  const paths: string[] = json.error.details.map((d: { path: string }) => d.path);
  expect(paths, r.body).toContain(path);
  for (const p of paths) expect(p.split('/')[1], r.body).toBe(path.split('/')[1]);
  if (message) expect(json.error.details.find((d: { path: string }) => d.path === path).message, r.body).toMatch(message);
}

describe('POST /v1/staffing/calc', () => {
  it('answers the published Erlang C case: P(wait) 0.174, ASA 7.84 s, SL 88.8 %', async () => {
    const r = await post(PUBLISHED);
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    expect(Object.keys(body).sort()).toEqual(['abandonPct', 'asaSec', 'occupancy', 'pWait', 'slPct']);
    expect(body.pWait).toBeCloseTo(0.174, 3);
    expect(body.asaSec).toBeCloseTo(7.84, 2);
    expect(body.slPct).toBeGreaterThan(88.8);
    expect(body.slPct).toBeLessThan(88.9);
    expect(body.abandonPct).toBe(0);
    expect(body.occupancy).toBeCloseTo(10 / 14, 12);
    // the route is the module, nothing added or lost on the way through JSON
    expect(body).toEqual(staffingCalc(PUBLISHED));
  });

  it('with targetSlPct 80: 14 agents required; shrinkage grosses the headcount up', async () => {
    const r = await post({ ...PUBLISHED, targetSlPct: 80 });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ requiredAgents: 14, scheduledAgents: 14 });
    const capped = (await post({ ...PUBLISHED, targetSlPct: 80, maxOccupancy: 0.7, shrinkage: 0.3 })).json();
    expect(capped).toMatchObject({ requiredAgents: 15, scheduledAgents: 22 }); // 10 / 15 ≤ 0.7; ⌈15 / 0.7⌉
  });

  it('erlang-a: callers with 2 minutes of patience abandon, and those who stay wait less than in Erlang C', async () => {
    const r = await post({ ...PUBLISHED, model: 'erlang-a', patienceSec: 120, targetSlPct: 80 });
    expect(r.statusCode, r.body).toBe(200);
    const a = r.json();
    const c = staffingCalc(PUBLISHED);
    expect(a.abandonPct).toBeGreaterThan(0);
    expect(a.abandonPct).toBeLessThan(10);
    expect(a.pWait).toBeLessThan(c.pWait);
    expect(a.asaSec).toBeLessThan(c.asaSec!);
    expect(a.slPct).toBeGreaterThan(c.slPct);
    expect(a.slPct + a.abandonPct).toBeLessThanOrEqual(100);
    expect(a.occupancy).toBeLessThan(c.occupancy); // abandoned calls are work not done
    expect(a.requiredAgents).toBeGreaterThan(10);
    expect(a.requiredAgents).toBeLessThanOrEqual(14);
  });

  it('chat: operators holding up to 3 chats, with one efficiency factor or a speed per level', async () => {
    const chat = { ...PUBLISHED, model: 'chat', callsPerInterval: 300, agents: 14, concurrency: 3 };
    for (const extra of [{}, { slowdown: 0.85 }, { slowdown: [1, 0.9, 0.75] }, { patienceSec: 300, targetSlPct: 90 }]) {
      const r = await post({ ...chat, ...extra });
      expect(r.statusCode, `${JSON.stringify(extra)}: ${r.body}`).toBe(200);
      const m = r.json();
      for (const k of ['pWait', 'occupancy']) expect(m[k] >= 0 && m[k] <= 1, `${k} ${r.body}`).toBe(true);
      for (const k of ['slPct', 'abandonPct']) expect(m[k] >= 0 && m[k] <= 100, `${k} ${r.body}`).toBe(true);
      expect(m.asaSec).toBeGreaterThanOrEqual(0);
      expect(m).toEqual(staffingCalc({ ...chat, ...extra } as StaffingCalcInput));
    }
    // 30 Erlangs on 14 operators × 3 slots at 0.85 efficiency: the slots are busier than with one chat each
    const r = (await post({ ...chat, slowdown: 0.85 })).json();
    expect(r.occupancy).toBeGreaterThan(30 / 42);
  });

  it('an unstable Erlang C queue (agents ≤ load): asaSec null, P(wait) 1, SL 0', async () => {
    const r = await post({ ...PUBLISHED, agents: 10 });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ pWait: 1, asaSec: null, slPct: 0, abandonPct: 0, occupancy: 1 });
  });

  it('takes the largest staffing and the extremes of patience the module accepts', async () => {
    expect((await post({ ...PUBLISHED, agents: MAX_AGENTS })).statusCode).toBe(200);
    for (const patienceSec of [1e-9, 0.001, 1e9]) {
      const r = await post({ ...PUBLISHED, model: 'erlang-a', patienceSec });
      expect(r.statusCode, `${patienceSec}: ${r.body}`).toBe(200);
      for (const v of Object.values(r.json())) expect(Number.isFinite(v), `${patienceSec}: ${r.body}`).toBe(true);
    }
  });
});

describe('POST /v1/staffing/calc: bad input is a 400 naming the field', () => {
  it.each(['model', 'callsPerInterval', 'intervalSec', 'ahtSec', 'agents', 'slSec'])('%s missing', async (field) => {
    const body: Record<string, unknown> = { ...PUBLISHED };
    delete body[field];
    await expect400(body, `/${field}`, /^required$/);
  });

  it.each<[string, string, Record<string, unknown>, RegExp?]>([
    ['an unknown model', '/model', { model: 'erlang-x' }, /must be one of erlang-c, erlang-a, chat/],
    ['a model that is not a string', '/model', { model: 3 }],
    ['a NaN-like string', '/ahtSec', { ahtSec: 'NaN' }, /must be number/],
    ['Infinity as a string', '/callsPerInterval', { callsPerInterval: 'Infinity' }],
    ['a number as a string', '/agents', { agents: '14' }],
    ['null', '/slSec', { slSec: null }],
    ['a negative AHT', '/ahtSec', { ahtSec: -180 }, /greater than 0/],
    ['a zero interval', '/intervalSec', { intervalSec: 0 }],
    ['negative calls', '/callsPerInterval', { callsPerInterval: -1 }],
    ['1e308 calls (a load beyond any staffing)', '/callsPerInterval', { callsPerInterval: 1e308 }, /Erlangs/],
    ['a 1e308-second AHT', '/ahtSec', { ahtSec: 1e308 }],
    ['non-integer agents', '/agents', { agents: 3.5 }, /integer/],
    ['zero agents', '/agents', { agents: 0 }],
    ['negative agents', '/agents', { agents: -14 }],
    ['more agents than the module takes', '/agents', { agents: MAX_AGENTS + 1 }, new RegExp(`at most ${MAX_AGENTS}`)],
    ['1e308 agents', '/agents', { agents: 1e308 }],
    ['a negative SL threshold', '/slSec', { slSec: -1 }],
    ['erlang-a without patience', '/patienceSec', { model: 'erlang-a' }, /required by the erlang-a model/],
    ['zero patience', '/patienceSec', { model: 'erlang-a', patienceSec: 0 }],
    ['patience of the smallest double', '/patienceSec', { model: 'erlang-a', patienceSec: 5e-324 }],
    ['patience near the largest double', '/patienceSec', { model: 'erlang-a', patienceSec: 1.7976931348623157e308 }],
    ['patience too long to solve the queue', '/patienceSec', { model: 'erlang-a', callsPerInterval: 9000, agents: 1, patienceSec: 1e6 }, /erlang-c/],
    ['chat without concurrency', '/concurrency', { model: 'chat' }, /required by the chat model/],
    ['fractional concurrency', '/concurrency', { model: 'chat', concurrency: 1.5 }],
    ['concurrency 0', '/concurrency', { model: 'chat', concurrency: 0 }],
    ['concurrency beyond 50', '/concurrency', { model: 'chat', concurrency: 51 }],
    ['slowdown of the wrong length', '/slowdown', { model: 'chat', concurrency: 3, slowdown: [1, 0.9] }],
    ['slowdown above 1', '/slowdown', { model: 'chat', concurrency: 2, slowdown: 1.5 }],
    ['a bad speed factor', '/slowdown/1', { model: 'chat', concurrency: 2, slowdown: [1, -0.5] }],
    ['a speed factor that is not a number', '/slowdown/0', { model: 'chat', concurrency: 2, slowdown: ['1', 0.5] }],
    ['a slowdown that is an object', '/slowdown', { model: 'chat', concurrency: 2, slowdown: { 0: 1 } }],
    ['a target of 100 %', '/targetSlPct', { targetSlPct: 100 }],
    ['a target of 0 %', '/targetSlPct', { targetSlPct: 0 }],
    ['an occupancy cap of 0', '/maxOccupancy', { targetSlPct: 80, maxOccupancy: 0 }],
    ['an occupancy cap above 1', '/maxOccupancy', { targetSlPct: 80, maxOccupancy: 1.2 }],
    ['an occupancy cap no staffing meets', '/maxOccupancy', { targetSlPct: 80, maxOccupancy: 1e-6 }, /not reachable/],
    ['shrinkage of 1', '/shrinkage', { targetSlPct: 80, shrinkage: 1 }],
    ['negative shrinkage', '/shrinkage', { shrinkage: -0.1 }],
    ['a misspelt field', '/ahtsec', { ahtsec: 180 }, /unknown field/],
  ])('%s → %s', async (_what, path, change, message) => {
    await expect400({ ...PUBLISHED, ...change }, path, message);
  });

  it.each(PROTO)('a "%s" key in the body (kept by JSON.parse as an own key)', async (name) => {
    const text = `{${JSON.stringify(name)}:{"agents":1,"prototype":{"x":1}},${JSON.stringify(PUBLISHED).slice(1)}`;
    await expect400(text, `/${name}`, /unknown field/);
    expect(({} as Record<string, unknown>).agents).toBeUndefined(); // and nothing leaked into Object.prototype
  });

  it('a number beyond the double range in the JSON text (1e400 parses to Infinity)', async () => {
    await expect400(JSON.stringify(PUBLISHED).replace('"ahtSec":180', '"ahtSec":1e400'), '/ahtSec');
    await expect400(JSON.stringify(PUBLISHED).replace('"agents":14', '"agents":-1e400'), '/agents');
  });

  it('a body that is not an object: an array, null, a string, a number; text/plain', async () => {
    for (const body of ['[]', JSON.stringify([PUBLISHED]), 'null', '"erlang-c"', '42', 'true']) await expect400(body, '/', /must be object/);
    await expect400(JSON.stringify(PUBLISHED), '/', /must be object/, 'text/plain');
  });

  it('no body, an empty one, broken JSON, another media type', async () => {
    const none = await t.app.inject({ method: 'POST', url: ROUTE });
    expect(none.statusCode).toBe(400);
    expect(none.json().error.details).toEqual([{ path: '/', message: 'must be object' }]);
    const empty = await post('');
    expect(empty.statusCode).toBe(400);
    expectErrorShape(empty.json());
    const broken = await post('{"model": "erlang-c",');
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.code).toBe('CCP_INVALID_JSON');
    for (const type of ['application/xml', 'application/x-ndjson', 'application/x-www-form-urlencoded']) {
      const r = await post(JSON.stringify(PUBLISHED), type);
      expect(r.statusCode, type).toBe(415);
      expect(r.json().error.code).toBe('CCP_UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('GET is not a method of the route', async () => {
    const r = await t.app.inject({ method: 'GET', url: ROUTE });
    expect(r.statusCode).toBe(404);
    expectErrorShape(r.json());
  });
});

// ---- generated bodies ----------------------------------------------------------------------------

const FIELDS = ['model', 'callsPerInterval', 'intervalSec', 'ahtSec', 'agents', 'slSec', 'patienceSec', 'concurrency', 'slowdown', 'targetSlPct', 'maxOccupancy', 'shrinkage'];

/** Numbers a client might send, sensible or not. */
const number = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(0, 1, 2, 3, 14, 20, 80, 100, 180, 1800, 0.5, 0.85, 0.99, -1, -0.5, 1e-9, 1e9, 1e308, -1e308, 5e-324, 1.7976931348623157e308, 2 ** 53, 100_001) },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 2, arbitrary: fc.integer({ min: -10, max: 3000 }) },
);
/** Any JSON value at all, NaN-like strings and prototype names included. */
const anyValue = fc.oneof(
  { weight: 6, arbitrary: number },
  { weight: 1, arbitrary: fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e400', '', '14', 'erlang-c', null, true, false, [], {}, ...PROTO) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.array(number, { maxLength: 6 }) },
);
/** What each field mostly gets: values in its domain (so that generated bodies reach the module), now and then any number. */
const mostly = (valid: fc.Arbitrary<unknown>) => fc.oneof({ weight: 15, arbitrary: valid }, { weight: 1, arbitrary: number });
const plausible: Record<string, fc.Arbitrary<unknown>> = {
  model: fc.constantFrom('erlang-c', 'erlang-a', 'chat'),
  callsPerInterval: mostly(fc.integer({ min: 0, max: 2000 })),
  intervalSec: mostly(fc.constantFrom(900, 1800, 3600)),
  ahtSec: mostly(fc.integer({ min: 1, max: 900 })),
  // up to 2,000: near MAX_AGENTS a chat search is seconds of work (a separate case covers MAX_AGENTS)
  agents: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 2000 }) }, { weight: 1, arbitrary: fc.constantFrom(0, -1, 2.5, 100_001, 1e308) }),
  slSec: mostly(fc.integer({ min: 0, max: 300 })),
  patienceSec: mostly(fc.integer({ min: 1, max: 3600 })),
  concurrency: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 5 }) }, { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5, 51, 1e308) }),
  slowdown: mostly(fc.oneof(fc.double({ min: 0.5, max: 1, noNaN: true }), fc.array(fc.double({ min: 0.5, max: 1, noNaN: true }), { minLength: 1, maxLength: 6 }))),
  targetSlPct: mostly(fc.double({ min: 50, max: 99.5, noNaN: true })),
  maxOccupancy: mostly(fc.double({ min: 0.5, max: 1, noNaN: true })),
  shrinkage: mostly(fc.double({ min: 0, max: 0.6, noNaN: true })),
};
const fieldValue = (f: string) => fc.oneof({ weight: 20, arbitrary: plausible[f] }, { weight: 1, arbitrary: anyValue });
const key = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...FIELDS) }, { weight: 1, arbitrary: fc.constantFrom(...PROTO) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });

/** An object built key by key with defineProperty: `__proto__` is an own key, as JSON.parse makes it. */
const objectOf = (entries: Array<[string, unknown]>) => {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
};
const body = fc.oneof(
  // mostly well-formed: the fields, most of them present, some with odd values, maybe an extra key
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        fc.record(Object.fromEntries(FIELDS.map((f) => [f, fieldValue(f)])), { requiredKeys: ['model', 'callsPerInterval', 'intervalSec', 'ahtSec', 'agents', 'slSec'] }),
        fc.oneof({ weight: 6, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(fc.tuple(key, anyValue), { maxLength: 2 }) }),
        fc.oneof({ weight: 6, arbitrary: fc.constant<string[]>([]) }, { weight: 1, arbitrary: fc.subarray(FIELDS, { maxLength: 2 }) }),
      )
      .map(([fields, extra, dropped]) => objectOf([...Object.entries(fields).filter(([k]) => !dropped.includes(k)), ...extra])),
  },
  // objects with arbitrary keys and values
  { weight: 2, arbitrary: fc.array(fc.tuple(key, anyValue), { maxLength: 8 }).map(objectOf) },
  // any JSON at all: arrays, scalars, nested objects
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

describe('POST /v1/staffing/calc: generated bodies', () => {
  it('are answered 200 with finite metrics, or 400 naming a field — never a 5xx', async () => {
    let ok = 0;
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const text = JSON.stringify(b) ?? 'null';
        const r = await post(text);
        const what = `${text} → ${r.statusCode} ${r.body.slice(0, 300)}`;
        expect([200, 400, 413, 415], what).toContain(r.statusCode);
        const json = r.json();
        if (r.statusCode === 200) {
          ok++;
          for (const k of ['pWait', 'occupancy']) expect(json[k] >= 0 && json[k] <= 1, what).toBe(true);
          for (const k of ['slPct', 'abandonPct']) expect(json[k] >= 0 && json[k] <= 100, what).toBe(true);
          expect(json.asaSec === null || (Number.isFinite(json.asaSec) && json.asaSec >= 0), what).toBe(true);
          for (const k of ['requiredAgents', 'scheduledAgents']) if (k in json) expect(Number.isInteger(json[k]) && json[k] >= 0, what).toBe(true);
          expect(json, what).toEqual(staffingCalc(JSON.parse(text)));
          return;
        }
        expectErrorShape(json);
        if (r.statusCode === 400) {
          expect(json.error.details?.length, what).toBeGreaterThan(0);
          for (const d of json.error.details) expect(d.path, what).toMatch(/^\//);
        }
      }),
      { numRuns: 400 },
    );
    expect(ok).toBeGreaterThan(20); // the generator does reach the module (about 1 body in 6), not only the schema
  }, 120_000);
});
