import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StaffingInputError } from './errors.js';
import { failingField as field } from './testing/failing-field.js';
import { applyShrinkage, modelMetrics, requiredAgents, type ModelInputs, type StaffingModel } from './required.js';
import { MAX_AGENTS, smallestPassing } from './search.js';

/** Random inputs for a model, with the load drawn separately so tests can vary it. */
function inputsFor(model: StaffingModel, loadErlangs: number, patienceSec: number): ModelInputs[StaffingModel] {
  const base = { loadErlangs, ahtSec: 240, slSec: 20 };
  if (model === 'erlang-a') return { ...base, patienceSec };
  if (model === 'chat') return { ...base, concurrency: 2, slowdown: [1, 0.8], patienceSec };
  return base;
}

const modelArb = fc.constantFrom<StaffingModel>('erlang-c', 'erlang-a', 'chat');
const loadArb = fc.double({ min: 0.2, max: 400, noNaN: true });
const targetArb = fc.integer({ min: 10, max: 99 });
const patienceArb = fc.double({ min: 20, max: 900, noNaN: true });

describe('requiredAgents against a published example', () => {
  it('R package ErlangC: 100 calls/30 min, AHT 180 s, 80 % in 20 s, occupancy ≤ 85 %, shrinkage 30 % → 14 agents, 20 scheduled', () => {
    // calculate_agents() example in the README of github.com/Damonsoul/ErlangC (CRAN): agents 14, agents_shrinked 20.
    const need = requiredAgents('erlang-c', { loadErlangs: 10, ahtSec: 180, slSec: 20 }, 80, { maxOccupancy: 0.85, shrinkage: 0.3 });
    expect(need).toMatchObject({ serviceLevelAgents: 14, agents: 14, scheduled: 20, limitedBy: 'service-level' });
    expect(need.metrics.serviceLevel).toBeCloseTo(0.88835, 5);
  });
});

describe('requiredAgents finds the fewest agents', () => {
  it('n meets the target and n − 1 does not, for every model', () => {
    fc.assert(
      fc.property(modelArb, loadArb, targetArb, patienceArb, (model, load, target, patience) => {
        const inputs = inputsFor(model, load, patience);
        const need = requiredAgents(model, inputs, target);
        const sl = (n: number) => modelMetrics(model, n, inputs).serviceLevel;
        expect(sl(need.serviceLevelAgents)).toBeGreaterThanOrEqual(target / 100);
        if (need.serviceLevelAgents > 1) expect(sl(need.serviceLevelAgents - 1)).toBeLessThan(target / 100);
        expect(need.agents).toBe(need.serviceLevelAgents); // no cap given
        expect(need.scheduled).toBe(need.agents); // no shrinkage given
      }),
      { numRuns: 60 },
    );
  });

  it('is monotone in the target and in the load', () => {
    fc.assert(
      fc.property(modelArb, loadArb, fc.double({ min: 1, max: 1.5, noNaN: true }), targetArb, targetArb, patienceArb, (model, load, grow, t1, t2, patience) => {
        const [lo, hi] = t1 <= t2 ? [t1, t2] : [t2, t1];
        const inputs = inputsFor(model, load, patience);
        expect(requiredAgents(model, inputs, lo).agents).toBeLessThanOrEqual(requiredAgents(model, inputs, hi).agents);
        expect(requiredAgents(model, inputs, lo).agents).toBeLessThanOrEqual(requiredAgents(model, inputsFor(model, load * grow, patience), lo).agents);
      }),
      { numRuns: 40 },
    );
  });

  it('needs no agents for no traffic', () => {
    for (const model of ['erlang-c', 'erlang-a', 'chat'] as const) {
      expect(requiredAgents(model, inputsFor(model, 0, 60), 80)).toMatchObject({ serviceLevelAgents: 0, agents: 0, scheduled: 0 });
    }
  });

  it('completes at 2,000 agents for every model', () => {
    // No timing assertion: this must simply finish (the search evaluates ~20 staffings, not 2,000).
    expect(requiredAgents('erlang-c', { loadErlangs: 1950, ahtSec: 180, slSec: 20 }, 90).agents).toBeGreaterThan(1950);
    expect(requiredAgents('erlang-a', { loadErlangs: 1950, ahtSec: 180, slSec: 20, patienceSec: 120 }, 90).agents).toBeGreaterThan(1700);
    expect(requiredAgents('chat', { loadErlangs: 4000, ahtSec: 180, slSec: 20, concurrency: 2, slowdown: 1 }, 90).agents).toBeGreaterThan(2000);
  });

  it('Erlang A with patience far beyond any wait staffs like Erlang C, passing over staffings too overloaded to solve', () => {
    // Below the load such a queue would hold millions of callers; the search must count those as misses.
    const c = requiredAgents('erlang-c', { loadErlangs: 2000, ahtSec: 180, slSec: 20 }, 80);
    const a = requiredAgents('erlang-a', { loadErlangs: 2000, ahtSec: 180, slSec: 20, patienceSec: 1e6 }, 80);
    expect(a.agents).toBe(c.agents);
  });

  it('reports a target that no staffing up to the limit can reach', () => {
    expect(() => requiredAgents('erlang-c', { loadErlangs: 99_999.5, ahtSec: 180, slSec: 20 }, 90)).toThrow(StaffingInputError);
  });
});

describe('occupancy cap and shrinkage', () => {
  it('Erlang C: the cap is n ≥ A / maxOccupancy', () => {
    fc.assert(
      fc.property(loadArb, targetArb, fc.double({ min: 0.5, max: 1, noNaN: true }), (load, target, cap) => {
        const inputs = { loadErlangs: load, ahtSec: 240, slSec: 20 };
        const bySl = requiredAgents('erlang-c', inputs, target).agents;
        const need = requiredAgents('erlang-c', inputs, target, { maxOccupancy: cap });
        expect(need.serviceLevelAgents).toBe(bySl);
        expect(need.agents).toBe(Math.max(bySl, Math.ceil(load / cap - 1e-9)));
        expect(need.limitedBy).toBe(need.agents > bySl ? 'occupancy' : 'service-level');
      }),
      { numRuns: 100 },
    );
    // exactly on the cap counts as meeting it: 8 Erlangs on 10 agents is 80 %
    expect(requiredAgents('erlang-c', { loadErlangs: 8, ahtSec: 240, slSec: 20 }, 10, { maxOccupancy: 0.8 }).agents).toBe(10);
  });

  it('every model: occupancy at the answer is within the cap, and one fewer agent breaks it when the cap binds', () => {
    fc.assert(
      fc.property(modelArb, loadArb, targetArb, patienceArb, fc.double({ min: 0.5, max: 0.95, noNaN: true }), (model, load, target, patience, cap) => {
        const inputs = inputsFor(model, load, patience);
        const need = requiredAgents(model, inputs, target, { maxOccupancy: cap });
        expect(need.metrics.occupancy).toBeLessThanOrEqual(cap + 1e-9);
        if (need.limitedBy === 'occupancy') expect(modelMetrics(model, need.agents - 1, inputs).occupancy).toBeGreaterThan(cap);
      }),
      { numRuns: 60 },
    );
  });

  it('a low cap raises the answer above what the SL target needs', () => {
    const need = requiredAgents('erlang-c', { loadErlangs: 10, ahtSec: 180, slSec: 20 }, 80, { maxOccupancy: 0.6 });
    expect(need).toMatchObject({ serviceLevelAgents: 14, agents: 17, limitedBy: 'occupancy' });
  });

  it('shrinkage grosses the productive agents up to scheduled headcount', () => {
    expect(applyShrinkage(14, 0.3)).toBe(20);
    expect(applyShrinkage(10, 0.25)).toBe(14); // 13.33 → 14
    expect(applyShrinkage(7, 0.3)).toBe(10);
    expect(applyShrinkage(0, 0.3)).toBe(0);
    expect(applyShrinkage(12, 0)).toBe(12);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.double({ min: 0, max: 0.9, noNaN: true }), (agents, shrinkage) => {
        const scheduled = applyShrinkage(agents, shrinkage);
        // enough people, up to the 1e-9 relative dust that ceilTolerant ignores
        expect(scheduled * (1 - shrinkage)).toBeGreaterThanOrEqual(agents * (1 - 2e-9));
        if (scheduled > 0) expect((scheduled - 1) * (1 - shrinkage)).toBeLessThan(agents);
      }),
    );
    const need = requiredAgents('erlang-a', { loadErlangs: 10, ahtSec: 180, slSec: 20, patienceSec: 120 }, 80, { shrinkage: 0.35 });
    expect(need.scheduled).toBe(Math.ceil(need.agents / 0.65));
  });
});

describe('input checks', () => {
  const inputs = { loadErlangs: 10, ahtSec: 180, slSec: 20 };

  it('names the field', () => {
    expect(field(() => requiredAgents('erlang-c', inputs, 0))).toBe('targetSlPct');
    expect(field(() => requiredAgents('erlang-c', inputs, 100))).toBe('targetSlPct');
    expect(field(() => requiredAgents('erlang-c', inputs, Number.NaN))).toBe('targetSlPct');
    expect(field(() => requiredAgents('erlang-c', inputs, 80, { maxOccupancy: 0 }))).toBe('maxOccupancy');
    expect(field(() => requiredAgents('erlang-c', inputs, 80, { shrinkage: 1 }))).toBe('shrinkage');
    expect(field(() => requiredAgents('erlang-c', { ...inputs, ahtSec: 0 }, 80))).toBe('ahtSec');
    expect(field(() => requiredAgents('erlang-c', { ...inputs, loadErlangs: -1 }, 80))).toBe('loadErlangs');
    expect(field(() => requiredAgents('erlang-a', { ...inputs, patienceSec: 0 }, 80))).toBe('patienceSec');
    expect(field(() => requiredAgents('chat', { ...inputs, concurrency: 0 }, 80))).toBe('concurrency');
    expect(field(() => requiredAgents('erlang-x' as StaffingModel, inputs, 80))).toBe('model');
  });
});

describe('smallestPassing', () => {
  it('finds the threshold of any monotone test from any failing start', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_AGENTS }), fc.integer({ min: 0, max: MAX_AGENTS }), (threshold, start) => {
        fc.pre(start < threshold);
        let calls = 0;
        const n = smallestPassing((x) => {
          calls++;
          return x >= threshold;
        }, start);
        expect(n).toBe(threshold);
        expect(calls).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(threshold - start + 1)) + 2);
      }),
    );
    expect(smallestPassing(() => false, 0, 50)).toBeNull();
  });
});
