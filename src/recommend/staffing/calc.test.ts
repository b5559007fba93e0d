import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { staffingCalc, type StaffingCalcInput } from './calc.js';
import { StaffingInputError } from './errors.js';

const example: StaffingCalcInput = { model: 'erlang-c', callsPerInterval: 100, intervalSec: 1800, ahtSec: 180, agents: 14, slSec: 20 };

/** The field a StaffingInputError names, or what else happened. */
function failingField(input: unknown): string {
  try {
    staffingCalc(input as StaffingCalcInput);
  } catch (e) {
    if (e instanceof StaffingInputError) return e.field;
    return `not a StaffingInputError: ${String(e)}`;
  }
  return 'no error';
}

describe('staffingCalc', () => {
  it('the published Erlang C example, and the agents it needs', () => {
    const r = staffingCalc({ ...example, targetSlPct: 80, maxOccupancy: 0.85, shrinkage: 0.3 });
    expect(r.pWait).toBeCloseTo(0.1741319, 7);
    expect(r.asaSec).toBeCloseTo(7.835937, 6);
    expect(r.slPct).toBeCloseTo(88.835, 3);
    expect(r.abandonPct).toBe(0);
    expect(r.occupancy).toBeCloseTo(10 / 14, 12);
    expect(r.requiredAgents).toBe(14);
    expect(r.scheduledAgents).toBe(20);
  });

  it('leaves the requirement out when no target is asked for', () => {
    const r = staffingCalc(example);
    expect(r).not.toHaveProperty('requiredAgents');
    expect(r).not.toHaveProperty('scheduledAgents');
  });

  it('erlang-a reports abandonment and answers faster than erlang-c at the same staffing', () => {
    const c = staffingCalc(example);
    const a = staffingCalc({ ...example, model: 'erlang-a', patienceSec: 120, targetSlPct: 80 });
    expect(a.abandonPct).toBeGreaterThan(0);
    expect(a.asaSec!).toBeLessThan(c.asaSec!);
    expect(a.requiredAgents).toBeLessThanOrEqual(14);
  });

  it('chat: operators with 3 chats each', () => {
    const r = staffingCalc({ ...example, model: 'chat', agents: 6, concurrency: 3, slowdown: [1, 0.85, 0.72], targetSlPct: 80 });
    expect(r.slPct).toBeGreaterThan(0);
    expect(r.occupancy).toBeGreaterThan(0);
    expect(r.occupancy).toBeLessThan(1);
    expect(r.requiredAgents).toBeLessThan(14);
  });

  it('unstable Erlang C: P(wait) 1, no ASA (null, which survives JSON), SL 0', () => {
    for (const agents of [10, 7]) {
      const r = staffingCalc({ ...example, agents });
      expect(r).toEqual({ pWait: 1, asaSec: null, slPct: 0, abandonPct: 0, occupancy: 1 });
      expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    }
  });

  it('zero calls: nobody waits, nobody is needed', () => {
    expect(staffingCalc({ ...example, callsPerInterval: 0, targetSlPct: 80, shrinkage: 0.3 })).toEqual({
      pWait: 0,
      asaSec: 0,
      slPct: 100,
      abandonPct: 0,
      occupancy: 0,
      requiredAgents: 0,
      scheduledAgents: 0,
    });
  });

  it('large but supported values give finite numbers', () => {
    const r = staffingCalc({ ...example, callsPerInterval: 20_000, agents: 2050, targetSlPct: 90, maxOccupancy: 0.95 });
    for (const v of Object.values(r)) expect(Number.isFinite(v)).toBe(true);
    const a = staffingCalc({ ...example, model: 'erlang-a', patienceSec: 60, callsPerInterval: 20_000, agents: 1500, targetSlPct: 90 });
    for (const v of Object.values(a)) expect(Number.isFinite(v)).toBe(true);
  });
});

describe('staffingCalc input validation names the field', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['model', { model: 'erlang-x' }],
    ['model', { model: undefined }],
    ['callsPerInterval', { callsPerInterval: -1 }],
    ['callsPerInterval', { callsPerInterval: '100' }],
    ['callsPerInterval', { callsPerInterval: Number.POSITIVE_INFINITY }],
    ['callsPerInterval', { callsPerInterval: 1e12 }], // far beyond any staffing
    ['intervalSec', { intervalSec: 0 }],
    ['ahtSec', { ahtSec: -180 }],
    ['ahtSec', { ahtSec: Number.NaN }],
    ['ahtSec', { ahtSec: 1e300 }],
    ['agents', { agents: 3.5 }],
    ['agents', { agents: 0 }],
    ['agents', { agents: 1e9 }],
    ['slSec', { slSec: -1 }],
    ['patienceSec', { model: 'erlang-a' }],
    ['patienceSec', { model: 'erlang-a', patienceSec: 0 }],
    // at the ends of the double range the chain's rates overflow: refused by name, never answered NaN
    ['patienceSec', { model: 'erlang-a', patienceSec: 5e-324 }],
    ['patienceSec', { model: 'erlang-a', patienceSec: 1e308 }],
    ['patienceSec', { model: 'erlang-a', ahtSec: 2.56, slSec: 1e-145, patienceSec: 1.7976931348623157e308 }],
    ['patienceSec', { model: 'chat', concurrency: 2, patienceSec: 1e-300 }],
    ['patienceSec', { model: 'chat', concurrency: 2, patienceSec: 1e300 }],
    ['concurrency', { model: 'chat' }],
    ['concurrency', { model: 'chat', concurrency: 0 }],
    ['concurrency', { model: 'chat', concurrency: 1.5 }],
    ['slowdown', { model: 'chat', concurrency: 3, slowdown: [1, 0.9] }],
    ['slowdown', { model: 'chat', concurrency: 2, slowdown: 1.5 }],
    ['slowdown[1]', { model: 'chat', concurrency: 2, slowdown: [1, -0.5] }],
    ['targetSlPct', { targetSlPct: 0 }],
    ['targetSlPct', { targetSlPct: 100 }],
    ['targetSlPct', { targetSlPct: 150 }],
    ['maxOccupancy', { maxOccupancy: 0 }],
    ['maxOccupancy', { maxOccupancy: 1.2 }],
    ['shrinkage', { shrinkage: 1 }],
    ['shrinkage', { shrinkage: -0.1 }],
  ];
  it.each(cases)('%s in %j', (field, change) => {
    expect(failingField({ ...example, ...change })).toBe(field);
  });

  it('rejects a missing input', () => {
    expect(failingField(null)).toBe('input');
  });

  it('any garbage in one field is reported as that field, never as another error', () => {
    const garbage = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.string(),
      fc.boolean(),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, -1e-9, 1e300, 0.5),
    );
    const required = ['callsPerInterval', 'intervalSec', 'ahtSec', 'agents', 'slSec'] as const;
    fc.assert(
      fc.property(fc.constantFrom(...required), garbage, (field, value) => {
        const input = { ...example, [field]: value };
        const outcome = failingField(input);
        // some values are legal for some fields (0.5 s of SL, 1e300 s of SL threshold), so only check what fails
        if (outcome !== 'no error') expect(outcome).toBe(field);
      }),
      { numRuns: 200 },
    );
  });
});
