import { describe, expect, it } from 'vitest';
import { dampedReach, holtRate, holtStep, newHolt, type HoltState } from './holt.js';
import { DEFAULT_FORECAST_OPTIONS, type ForecastOptions } from './options.js';

const run = (ys: number[], o: ForecastOptions['recent'] = DEFAULT_FORECAST_OPTIONS.recent): HoltState => {
  const h = newHolt();
  for (const y of ys) holtStep(h, y, o);
  return h;
};
const sumAhead = (h: HoltState, from: number, to: number, phi: number) => {
  let s = 0;
  for (let lead = from; lead <= to; lead++) s += holtRate(h, lead, phi);
  return s;
};

describe('recent flow (damped Holt)', () => {
  it('a constant rate is forecast as that rate at every lead', () => {
    const h = run(new Array(500).fill(7));
    expect(h.level).toBe(7);
    expect(h.trend).toBe(0);
    for (const lead of [1, 15, 60, 600]) expect(holtRate(h, lead, 0.98)).toBe(7);
  });

  it('starts as the running mean, not stuck on the first minute', () => {
    const h = run([10, 0, 0, 0, 0], { ...DEFAULT_FORECAST_OPTIONS.recent, beta: 0 });
    // α = max(0.1, 1/n): the first 10 minutes are a plain mean
    expect(h.level).toBeCloseTo(2, 12);
  });

  it('an undamped trend tracks a linear ramp exactly once settled', () => {
    const o = { ...DEFAULT_FORECAST_OPTIONS.recent, alpha: 0.1, beta: 0.05, phi: 1 };
    const ramp = (t: number) => 2 + 0.01 * t;
    const n = 3000;
    const h = run(Array.from({ length: n }, (_, t) => ramp(t)), o);
    expect(h.trend).toBeCloseTo(0.01, 9);
    for (const lead of [1, 15, 60]) expect(holtRate(h, lead, 1)).toBeCloseTo(ramp(n - 1 + lead), 6);
  });

  it('the damped trend still follows a ramp better than a level alone', () => {
    const ramp = (t: number) => 1 + 0.02 * t; // doubles in under an hour, like a morning rise
    const ys = Array.from({ length: 240 }, (_, t) => ramp(t));
    const truth = (from: number, to: number) => {
      let s = 0;
      for (let lead = from; lead <= to; lead++) s += ramp(239 + lead);
      return s;
    };
    const d = DEFAULT_FORECAST_OPTIONS.recent;
    const damped = run(ys, { ...d, beta: 0.02, phi: 0.98 });
    const flat = run(ys, { ...d, beta: 0 });
    expect(damped.trend).toBeGreaterThan(0);
    for (const [a, z] of [[1, 15], [16, 30], [31, 60]]) {
      const errDamped = Math.abs(sumAhead(damped, a, z, 0.98) - truth(a, z));
      const errFlat = Math.abs(sumAhead(flat, a, z, 0.98) - truth(a, z));
      expect(errDamped).toBeLessThan(0.8 * errFlat);
    }
  });

  it('dampedReach is φ + φ² + … + φ^lead', () => {
    for (const phi of [0, 0.5, 0.98, 1]) {
      for (const lead of [1, 2, 15, 60]) {
        let s = 0;
        for (let i = 1; i <= lead; i++) s += phi ** i;
        expect(dampedReach(phi, lead)).toBeCloseTo(s, 10);
      }
    }
  });

  it('a falling trend never promises negative arrivals', () => {
    const o = { ...DEFAULT_FORECAST_OPTIONS.recent, beta: 0.1, phi: 1 };
    const h = run(Array.from({ length: 90 }, (_, t) => 5 - 0.05 * t), o);
    expect(h.trend).toBeLessThan(0);
    for (const lead of [1, 30, 120, 10_000]) expect(holtRate(h, lead, 1)).toBeGreaterThanOrEqual(0);
    expect(holtRate(h, 10_000, 1)).toBe(0);
  });
});
