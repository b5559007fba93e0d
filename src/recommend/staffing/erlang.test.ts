import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { erlangAMetrics } from './erlang-a.js';
import { erlangB, erlangC, erlangCAsaSec, erlangCMetrics, erlangCOccupancy, erlangCServiceLevel } from './erlang.js';
import { expectClose } from './testing/close.js';
import { referenceChain } from './testing/reference-chain.js';

describe('Erlang B and C against published values', () => {
  // The worked example of the R package ErlangC (CRAN, README of github.com/Damonsoul/ErlangC):
  // 100 calls per 30 min, AHT 180 s, 14 agents, SL threshold 20 s → traffic 10 Erlangs,
  // wait_probability 0.1741319, service_level 0.88835, average_speed_of_answer 7.83593701177724 s,
  // occupancy 0.7142857. Commonly quoted rounded as P(wait) 17.4 %, ASA 7.84 s, SL 88.8–88.9 %.
  const example = { loadErlangs: (100 * 180) / 1800, ahtSec: 180, slSec: 20 };

  it('the 10-Erlang, 14-agent example: P(wait), ASA, SL and occupancy', () => {
    expect(example.loadErlangs).toBe(10);
    const m = erlangCMetrics(14, example);
    expect(m.pWait).toBeCloseTo(0.174, 3);
    expect(m.asaSec).toBeCloseTo(7.84, 2);
    expect(Math.abs(m.serviceLevel * 100 - 88.9)).toBeLessThan(0.1);
    // and to the digits the package prints
    expect(m.pWait).toBeCloseTo(0.1741319, 7);
    expect(m.asaSec).toBeCloseTo(7.83593701177724, 9);
    expect(m.serviceLevel).toBeCloseTo(0.88835, 5);
    expect(m.occupancy).toBeCloseTo(0.7142857, 7);
    expect(m.abandonRate).toBe(0);
  });

  it('the same example through the single-metric functions', () => {
    expect(erlangC(14, 10)).toBeCloseTo(0.1741319, 7);
    expect(erlangCAsaSec(14, 10, 180)).toBeCloseTo(7.835937, 6);
    expect(erlangCServiceLevel(14, 10, 180, 20)).toBeCloseTo(0.88835, 5);
    expect(erlangCOccupancy(14, 10)).toBeCloseTo(10 / 14, 12);
    // the package's search table for 11–13 agents (same README): P(wait) and SL
    expect(erlangC(11, 10)).toBeCloseTo(0.6821182, 7);
    expect(erlangCServiceLevel(11, 10, 180, 20)).toBeCloseTo(0.3896138, 7);
    expect(erlangC(12, 10)).toBeCloseTo(0.4493882, 7);
    expect(erlangC(13, 10)).toBeCloseTo(0.2852705, 7);
    expect(erlangCServiceLevel(13, 10, 180, 20)).toBeCloseTo(0.7955948, 7);
  });

  it('Erlang B table values', () => {
    // Standard Erlang B table: 15 trunks offered 10 Erlangs block 3.65 % of calls.
    expect(erlangB(15, 10)).toBeCloseTo(0.0365, 4);
    // Westbay/erlang.com calculator manual: 15 lines at 1 % blocking carry 8.108 Erlangs.
    expect(erlangB(15, 8.108)).toBeCloseTo(0.01, 5);
    expect(erlangB(0, 3)).toBe(1);
    expect(erlangB(1, 1)).toBeCloseTo(0.5, 15); // A/(1+A)
  });

  it('an Erlang C textbook value: M/M/3 with λ = 2, μ = 1 waits with probability 4/9', () => {
    // Worked by hand from the defining sum: (A^c/c!)·c/(c−A) = (8/6)·3 = 4 over 1 + 2 + 2 + 4 = 9.
    expect(erlangC(3, 2)).toBeCloseTo(4 / 9, 14);
    // M/M/1: P(wait) = ρ and ASA = ρ/(1−ρ)·AHT
    expect(erlangC(1, 0.7)).toBeCloseTo(0.7, 14);
    expect(erlangCAsaSec(1, 0.7, 60)).toBeCloseTo((0.7 / 0.3) * 60, 10);
  });
});

describe('Erlang B recursion', () => {
  it('equals the factorial formula where that formula is still computable', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 120 }), fc.double({ min: 0.01, max: 150, noNaN: true }), (n, a) => {
        let term = 1;
        let sum = 1;
        for (let k = 1; k <= n; k++) {
          term *= a / k;
          sum += term;
        }
        expect(Math.abs(erlangB(n, a) - term / sum)).toBeLessThan(1e-12);
      }),
      { numRuns: 200 },
    );
  });

  it('stays finite and in (0, 1) at 2,000 agents and loads up to 2,000 Erlangs, where Aⁿ/n! overflows', () => {
    for (const [n, a] of [
      [2000, 1990],
      [2000, 2000],
      [2000, 1500],
      [1000, 2000],
      [5000, 20],
    ]) {
      const b = erlangB(n, a);
      expect(Number.isFinite(b)).toBe(true);
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThanOrEqual(1);
    }
    const c = erlangC(2000, 1990);
    expect(c).toBeGreaterThan(0);
    expect(c).toBeLessThan(1);
  });
});

describe('Erlang C against a plain birth–death chain', () => {
  it('P(wait) and ASA agree for random loads up to 2,000 agents', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.double({ min: 0.05, max: 0.99, noNaN: true }), (n, rho) => {
        const a = n * rho;
        const ref = referenceChain({ load: a, slots: n, serviceRate: (m) => m, theta: 0 });
        const m = erlangCMetrics(n, { loadErlangs: a, ahtSec: 1, slSec: 0.2 });
        expect(Math.abs(m.pWait - ref.pWait)).toBeLessThan(1e-9);
        // Little: the mean queue over the arrival rate (μ = 1, so the arrival rate is A).
        expectClose(m.asaSec, ref.meanQueue / a, 1e-8, 1e-15, 'ASA');
      }),
      { numRuns: 60 },
    );
  });

  it('the closed-form SL equals Erlang A with patience so long nobody abandons', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.double({ min: 0.05, max: 0.97, noNaN: true }), fc.double({ min: 0, max: 3, noNaN: true }), (n, rho, tInAht) => {
        const inputs = { loadErlangs: n * rho, ahtSec: 180, slSec: 180 * tInAht };
        const c = erlangCMetrics(n, inputs);
        const a = erlangAMetrics(n, { ...inputs, patienceSec: 180 * 1e9 });
        expect(Math.abs(a.serviceLevel - c.serviceLevel)).toBeLessThan(1e-6);
        expect(Math.abs(a.pWait - c.pWait)).toBeLessThan(1e-6);
        expectClose(a.asaSec, c.asaSec, 1e-5, 1e-12, 'ASA');
      }),
      { numRuns: 40 },
    );
  });
});

describe('Erlang C edge cases', () => {
  it('agents at or below the load: unstable, everyone waits, no finite ASA, SL 0', () => {
    for (const [n, a] of [
      [10, 10],
      [5, 10],
      [0, 1],
    ]) {
      expect(erlangCMetrics(n, { loadErlangs: a, ahtSec: 180, slSec: 20 })).toEqual({ pWait: 1, asaSec: null, serviceLevel: 0, abandonRate: 0, occupancy: 1 });
      expect(erlangC(n, a)).toBe(1);
      expect(erlangCAsaSec(n, a, 180)).toBeNull();
    }
  });

  it('no traffic: nobody waits', () => {
    expect(erlangCMetrics(3, { loadErlangs: 0, ahtSec: 180, slSec: 20 })).toEqual({ pWait: 0, asaSec: 0, serviceLevel: 1, abandonRate: 0, occupancy: 0 });
  });
});
