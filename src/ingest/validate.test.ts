import { describe, expect, it } from 'vitest';
import { parseBatch, BatchError } from './parse-batch.js';
import { createEventValidator } from './validate.js';

const validate = createEventValidator({ customChannels: ['viber'] });
const base = { id: 'e1', type: 'APPEAL_NEW', ts: '2026-11-21T10:00:00Z', appealId: 'a1', channel: 'voice', queue: 'sales' };
const without = (k: keyof typeof base) => Object.fromEntries(Object.entries(base).filter(([f]) => f !== k));
const errorsOf = (v: unknown) => {
  const r = validate(v);
  return r.ok ? [] : r.errors;
};

describe('event validation', () => {
  it('accepts a valid event and normalizes ts to epoch ms (ISO with zone or epoch ms)', () => {
    expect(validate(base)).toEqual({ ok: true, event: { ...base, ts: Date.UTC(2026, 10, 21, 10) } });
    expect(validate({ ...base, ts: '2026-11-21T13:00:00.250+03:00' })).toMatchObject({ ok: true, event: { ts: Date.UTC(2026, 10, 21, 10) + 250 } });
    expect(validate({ ...base, ts: 1795264800000 })).toMatchObject({ ok: true, event: { ts: 1795264800000 } });
    expect(validate({ ...base, channel: 'viber', attrs: { vip: true } }).ok).toBe(true);
  });

  it.each([
    ['not an object', 42, [{ path: '', message: 'must be a JSON object' }]],
    ['missing id', without('id'), [{ path: '/id', message: 'required' }]],
    ['empty id', { ...base, id: '' }, [{ path: '/id', message: expect.stringMatching(/length/) }]],
    ['unknown type', { ...base, type: 'APPEAL_OPENED' }, [{ path: '/type', message: expect.stringMatching(/^must be one of APPEAL_NEW/) }]],
    ['missing ts', without('ts'), [{ path: '/ts', message: 'required' }]],
    ['ts without zone', { ...base, ts: '2026-11-21T10:00:00' }, [{ path: '/ts', message: expect.stringMatching(/time zone/) }]],
    ['ts in epoch seconds', { ...base, ts: 1795264800 }, [{ path: '/ts', message: expect.stringMatching(/epoch seconds/) }]],
    ['ts as boolean', { ...base, ts: true }, [{ path: '/ts', message: expect.stringMatching(/ISO 8601/) }]],
    ['invalid date', { ...base, ts: '2026-13-45T10:00:00Z' }, [{ path: '/ts', message: 'is not a valid date' }]],
    ['appeal fields missing', { id: 'x', type: 'APPEAL_NEW', ts: base.ts }, ['/appealId', '/channel', '/queue'].map((path) => ({ path, message: 'required for APPEAL_NEW' }))],
    ['operator missing', { ...base, type: 'APPEAL_APPOINTED' }, [{ path: '/operatorId', message: 'required for APPEAL_APPOINTED' }]],
    ['status missing', { id: 'x', type: 'OPERATOR_STATUS', ts: base.ts, operatorId: 'o' }, [{ path: '/status', message: 'required for OPERATOR_STATUS' }]],
    ['bad status', { id: 'x', type: 'OPERATOR_STATUS', ts: base.ts, operatorId: 'o', status: 'lunch' }, [{ path: '/status', message: expect.stringMatching(/^must be one of offline/) }]],
    ['unknown channel', { ...base, channel: 'fax' }, [{ path: '/channel', message: expect.stringMatching(/^must be one of voice.*viber/) }]],
    ['bad direction', { ...base, direction: 'sideways' }, [{ path: '/direction', message: 'must be one of inbound, outbound' }]],
    ['unknown field', { ...base, opertorId: 'o' }, [{ path: '/opertorId', message: 'unknown field' }]],
    ['wrong type', { ...base, queue: 7 }, [{ path: '/queue', message: expect.stringMatching(/string/) }]],
    ['a day that does not exist', { ...base, ts: '2026-02-31T10:00:00Z' }, [{ path: '/ts', message: 'is not a valid date' }]],
    ['an hour that does not exist', { ...base, ts: '2026-02-01T24:00:00Z' }, [{ path: '/ts', message: 'is not a valid date' }]],
    ['NUL in an id', { ...base, id: 'a\u0000b' }, [{ path: '/id', message: expect.stringMatching(/control characters/) }]],
    ['a control character in a queue', { ...base, queue: 'q\u0001x' }, [{ path: '/queue', message: expect.stringMatching(/control characters/) }]],
    ['a lone surrogate in a queue', { ...base, queue: 'q\ud800' }, [{ path: '/queue', message: expect.stringMatching(/surrogates/) }]],
    ['NUL in an attribute', { ...base, attrs: { note: { text: 'x\u0000' } } }, [{ path: '/attrs/note/text', message: expect.stringMatching(/NUL/) }]],
  ])('rejects %s, naming the field', (_name, input, expected) => {
    expect(errorsOf(input)).toEqual(expected);
  });

  it('takes names of Object.prototype properties as data: an unknown field at the top, a key among the attributes', () => {
    // JSON.parse makes "__proto__" an own key, as a request body does
    const top = JSON.parse(`{"__proto__": {"queue": "x"}, "constructor": 1, ${JSON.stringify(base).slice(1)}`);
    expect(errorsOf(top)).toEqual([
      { path: '/__proto__', message: 'unknown field' },
      { path: '/constructor', message: 'unknown field' },
    ]);
    const attrs = JSON.parse(`{"__proto__": "p", "constructor": "c", "toString": {"valueOf": 1}}`);
    const v = validate({ ...base, queue: '__proto__', appealId: 'constructor', attrs });
    expect(v).toMatchObject({ ok: true, event: { queue: '__proto__', appealId: 'constructor' } });
    expect(Object.hasOwn((v as { event: { attrs: object } }).event.attrs, '__proto__')).toBe(true);
    expect(JSON.stringify((v as { event: object }).event)).toContain('"attrs":{"__proto__":"p","constructor":"c","toString":{"valueOf":1}}');
  });

  it('reports every problem of an event at once', () => {
    expect(errorsOf({ id: 'x', type: 'APPEAL_CLOSED', ts: 'soon' }).map((e) => e.path)).toEqual(['/ts', '/appealId', '/channel', '/queue', '/operatorId']);
  });
});

describe('batch parsing', () => {
  it('takes a JSON array, a single object, or NDJSON with a bad line rejected alone', () => {
    expect(parseBatch([base, base], 'json', 10)).toHaveLength(2);
    expect(parseBatch(base, 'json', 10)).toHaveLength(1);
    const items = parseBatch(`${JSON.stringify(base)}\n{oops\n\n${JSON.stringify(base)}\n`, 'ndjson', 10);
    expect(items.map((i) => i.ok)).toEqual([true, false, true]);
    expect(items[1]).toMatchObject({ ok: false, errors: [{ path: '', message: expect.stringMatching(/^invalid JSON/) }] });
  });

  it('refuses empty batches, non-arrays and batches over the limit', () => {
    expect(() => parseBatch([], 'json', 10)).toThrow(BatchError);
    expect(() => parseBatch('\n\n', 'ndjson', 10)).toThrow(/no events/);
    expect(() => parseBatch('"text"', 'json', 10)).toThrow(/JSON array/);
    expect(() => parseBatch([1, 2, 3], 'json', 2)).toThrow(/at most 2 events/);
  });
});
