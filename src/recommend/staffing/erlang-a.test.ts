import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { erlangAMetrics, estimatePatienceSec } from './erlang-a.js';
import { erlangCMetrics } from './erlang.js';
import { StaffingInputError } from './errors.js';
import { expectClose } from './testing/close.js';
import { referenceChain, referenceMeanWaitAnswered, referenceServiceLevel, type ReferenceQueue } from './testing/reference-chain.js';

/** The reference's view of an Erlang A queue (time in AHTs). */
function referenceQueue(agents: number, loadErlangs: number, ahtSec: number, patienceSec: number): ReferenceQueue {
  return { load: loadErlangs, slots: agents, serviceRate: (m) => m, theta: ahtSec / patienceSec };
}

describe('Erlang A against a plain birth–death chain', () => {
  it('P(wait), abandonment, ASA and occupancy agree for random loads and patience, up to 2,000 agents', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.double({ min: 0.2, max: 1.6, noNaN: true }), // load per agent: well staffed to overloaded
        fc.double({ min: 0.05, max: 20, noNaN: true }), // patience in AHTs
        (n, perAgent, patienceInAht) => {
          const ahtSec = 240;
          const inputs = { loadErlangs: n * perAgent, ahtSec, slSec: 20, patienceSec: patienceInAht * ahtSec };
          const m = erlangAMetrics(n, inputs);
          const q = referenceQueue(n, inputs.loadErlangs, ahtSec, inputs.patienceSec);
          const ref = referenceChain(q);
          expectClose(m.pWait, ref.pWait, 1e-8, 1e-13, 'P(wait)');
          expectClose(m.abandonRate, ref.abandon, 1e-8, 1e-13, 'abandon');
          expectClose(m.asaSec, referenceMeanWaitAnswered(q, ref) * ahtSec, 1e-8, 1e-10, 'ASA');
          // carried load over agents: A·(1 − P(abandon)) / n
          expectClose(m.occupancy, (inputs.loadErlangs * (1 - ref.abandon)) / n, 1e-8, 1e-13, 'occupancy');
        },
      ),
      { numRuns: 50 },
    );
  });

  it('SL agrees with uniformisation of the tagged customer for random small and medium queues', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 80 }),
        fc.double({ min: 0.3, max: 1.5, noNaN: true }),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 2, noNaN: true }), // threshold in AHTs
        (n, perAgent, patienceInAht, tInAht) => {
          const ahtSec = 180;
          const inputs = { loadErlangs: n * perAgent, ahtSec, slSec: tInAht * ahtSec, patienceSec: patienceInAht * ahtSec };
          const q = referenceQueue(n, inputs.loadErlangs, ahtSec, inputs.patienceSec);
          expectClose(erlangAMetrics(n, inputs).serviceLevel, referenceServiceLevel(q, referenceChain(q), tInAht), 0, 1e-8, 'SL');
        },
      ),
      { numRuns: 30 },
    );
  });

  it('SL agrees with uniformisation in fixed cases: staffed, overloaded, long threshold, 500 agents', () => {
    const cases = [
      { n: 14, a: 10, aht: 180, patience: 120, t: 20 },
      { n: 8, a: 10, aht: 180, patience: 60, t: 20 },
      { n: 14, a: 10, aht: 180, patience: 300, t: 600 },
      { n: 500, a: 490, aht: 300, patience: 300, t: 20 },
    ];
    for (const c of cases) {
      const q = referenceQueue(c.n, c.a, c.aht, c.patience);
      const expected = referenceServiceLevel(q, referenceChain(q), c.t / c.aht);
      const m = erlangAMetrics(c.n, { loadErlangs: c.a, ahtSec: c.aht, slSec: c.t, patienceSec: c.patience });
      expectClose(m.serviceLevel, expected, 0, 1e-8, JSON.stringify(c));
    }
  });
});

describe('Erlang A properties', () => {
  const agentsLoadPatience = fc.tuple(fc.integer({ min: 1, max: 300 }), fc.double({ min: 0.3, max: 1.5, noNaN: true }), fc.double({ min: 5, max: 1200, noNaN: true }));

  it('one more agent: less abandonment, higher SL, less waiting', () => {
    fc.assert(
      fc.property(agentsLoadPatience, ([n, perAgent, patienceSec]) => {
        const inputs = { loadErlangs: n * perAgent, ahtSec: 180, slSec: 20, patienceSec };
        const fewer = erlangAMetrics(n, inputs);
        const more = erlangAMetrics(n + 1, inputs);
        // (1e-12: rounding noise where P(wait) is within a hair of 1)
        expect(more.abandonRate).toBeLessThanOrEqual(fewer.abandonRate + 1e-12);
        expect(more.serviceLevel).toBeGreaterThanOrEqual(fewer.serviceLevel - 1e-12);
        expect(more.pWait).toBeLessThanOrEqual(fewer.pWait + 1e-12);
        // the required-agents search assumes occupancy falls with agents, too
        expect(more.occupancy).toBeLessThanOrEqual(fewer.occupancy + 1e-12);
      }),
      { numRuns: 100 },
    );
  });

  it('shorter patience: more abandonment', () => {
    fc.assert(
      fc.property(agentsLoadPatience, ([n, perAgent, patienceSec]) => {
        const inputs = { loadErlangs: n * perAgent, ahtSec: 180, slSec: 20 };
        const impatient = erlangAMetrics(n, { ...inputs, patienceSec: patienceSec / 2 });
        expect(impatient.abandonRate).toBeGreaterThanOrEqual(erlangAMetrics(n, { ...inputs, patienceSec }).abandonRate - 1e-12);
      }),
      { numRuns: 60 },
    );
  });

  it('as patience grows without bound the results approach Erlang C', () => {
    const base = { loadErlangs: 10, ahtSec: 180, slSec: 20 };
    const c = erlangCMetrics(14, base);
    let previousGap = Infinity;
    for (const patienceSec of [600, 6000, 60_000, 600_000, 6e7]) {
      const a = erlangAMetrics(14, { ...base, patienceSec });
      const gap = Math.abs(a.serviceLevel - c.serviceLevel) + Math.abs(a.pWait - c.pWait) + Math.abs(a.asaSec! - c.asaSec!) / 180;
      expect(gap).toBeLessThan(previousGap);
      previousGap = gap;
    }
    const a = erlangAMetrics(14, { ...base, patienceSec: 6e7 });
    expectClose(a.pWait, c.pWait, 1e-4);
    expectClose(a.asaSec, c.asaSec, 1e-4);
    expectClose(a.serviceLevel, c.serviceLevel, 1e-4);
    expect(a.abandonRate).toBeLessThan(1e-6);
  });

  it('with very short patience many abandon — more than the capacity shortfall alone forces', () => {
    // 10 agents, 12 Erlangs: at least 1 − 10/12 ≈ 16.7 % must abandon; with 2 s patience almost every queued caller does.
    const m = erlangAMetrics(10, { loadErlangs: 12, ahtSec: 180, slSec: 20, patienceSec: 2 });
    expect(m.abandonRate).toBeGreaterThan(1 - 10 / 12);
    expect(m.abandonRate).toBeGreaterThan(0.5 * m.pWait);
    expect(m.asaSec!).toBeLessThan(2);
    // and the same queue with callers who wait 10 minutes abandons far less
    expect(erlangAMetrics(10, { loadErlangs: 12, ahtSec: 180, slSec: 20, patienceSec: 600 }).abandonRate).toBeLessThan(m.abandonRate);
  });

  it('is stable below the load, where Erlang C is not', () => {
    const m = erlangAMetrics(8, { loadErlangs: 10, ahtSec: 180, slSec: 20, patienceSec: 120 });
    expect(m.asaSec).not.toBeNull();
    expect(m.serviceLevel).toBeGreaterThan(0);
    expect(m.abandonRate).toBeGreaterThanOrEqual(1 - 8 / 10);
    expect(m.occupancy).toBeLessThanOrEqual(1);
  });

  it('handles 2,000 agents near the load and no traffic', () => {
    const m = erlangAMetrics(2000, { loadErlangs: 1990, ahtSec: 180, slSec: 20, patienceSec: 90 });
    for (const v of [m.pWait, m.asaSec!, m.serviceLevel, m.abandonRate, m.occupancy]) expect(Number.isFinite(v)).toBe(true);
    expect(erlangAMetrics(5, { loadErlangs: 0, ahtSec: 180, slSec: 20, patienceSec: 60 })).toEqual({ pWait: 0, asaSec: 0, serviceLevel: 1, abandonRate: 0, occupancy: 0 });
  });

  it('refuses a queue that would be millions of callers long instead of looping', () => {
    expect(() => erlangAMetrics(1000, { loadErlangs: 2000, ahtSec: 180, slSec: 20, patienceSec: 180 * 1e6 })).toThrow(StaffingInputError);
  });
});

describe('estimatePatienceSec', () => {
  it('divides all time at risk by the abandons; null without abandons', () => {
    expect(estimatePatienceSec({ abandonedCount: 10, abandonedWaitSec: 300, answeredWaitSec: 900 })).toBe(120);
    expect(estimatePatienceSec({ abandonedCount: 0, abandonedWaitSec: 0, answeredWaitSec: 900 })).toBeNull();
  });

  it('recovers the true mean patience from censored waits, where averaging abandoned waits does not', () => {
    // Deterministic simulation: patience ~ Exp(mean 90 s); the caller is answered after a wait ~ Exp(mean 30 s)
    // unless patience runs out first. 20,000 callers put the MLE's standard error near 1.4 %.
    const rng = mulberry32(7);
    const exp = (mean: number) => -mean * Math.log(1 - rng());
    let abandonedCount = 0;
    let abandonedWaitSec = 0;
    let answeredWaitSec = 0;
    for (let i = 0; i < 20_000; i++) {
      const patience = exp(90);
      const answerAfter = exp(30);
      if (patience < answerAfter) {
        abandonedCount++;
        abandonedWaitSec += patience;
      } else answeredWaitSec += answerAfter;
    }
    const estimate = estimatePatienceSec({ abandonedCount, abandonedWaitSec, answeredWaitSec })!;
    expect(Math.abs(estimate / 90 - 1)).toBeLessThan(0.06);
    expect(abandonedWaitSec / abandonedCount).toBeLessThan(40); // the naive estimate is off by a factor of ~4
  });
});

function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
