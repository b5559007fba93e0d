import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildForecastState } from './build.js';
import { ForecastInputError } from './errors.js';
import { forecast } from './forecast.js';
import { createForecastState, observeGap, observeMinute } from './state.js';
import { arbitraryHistory } from './testing/arbitrary.js';
import { DAY, exactCells, HOUR, integrate, MIN, MONDAY, rateCells, weeklyRate, WEEK } from './testing/series.js';
import type { Forecast } from './types.js';

const priors = { channel: { arrivalsPerHour: 120, ahtSec: 240 } };
const arrivals = (f: Forecast) => f.horizons.map((h) => h.arrivals);

describe('cold start', () => {
  it('with no data at all the forecast is the prior, and says so', () => {
    const now = MONDAY + 9 * HOUR;
    const f = forecast(createForecastState(), now, priors);
    expect(f.basis).toBe('prior');
    expect(f.dataUntil).toBeNull();
    expect(f.levelCorrection).toBeNull();
    expect(f.horizons.map((h) => [h.minutes, h.arrivals, h.basis, h.recent, h.seasonal])).toEqual([
      [15, 30, 'prior', null, null],
      [30, 60, 'prior', null, null],
      [60, 120, 'prior', null, null],
    ]);
    for (const s of f.slots) expect(s).toMatchObject({ arrivals: 30, perHour: 120, weights: { recent: 0, seasonal: 0, prior: 1 }, basis: 'prior' });
    expect(f.aht).toEqual({ sec: 240, basis: 'prior', weights: { recent: 0, prior: 1 }, handled: 0, priorSource: 'channel' });
    expect(f.prior).toEqual({ arrivalsPerHour: 120, ahtSec: 240, arrivalsSource: 'channel', ahtSource: 'channel' });
  });

  it('configured priors win field by field', () => {
    const f = forecast(createForecastState(), MONDAY, { configured: { ahtSec: 600 }, channel: { arrivalsPerHour: 60, ahtSec: 240 } });
    expect(f.prior).toEqual({ arrivalsPerHour: 60, ahtSec: 600, arrivalsSource: 'channel', ahtSource: 'configured' });
    expect(f.aht.sec).toBe(600);
    expect(arrivals(f)).toEqual([15, 30, 60]);
    const g = forecast(createForecastState(), MONDAY, { configured: { arrivalsPerHour: 0 }, channel: { arrivalsPerHour: 60, ahtSec: 240 } });
    expect(g.prior.arrivalsSource).toBe('configured');
    expect(arrivals(g)).toEqual([0, 0, 0]);
  });

  it('the first minutes share with the prior until recent flow is warmed up', () => {
    const cells = Array.from({ length: 10 }, (_, i) => ({ bucket: MONDAY + i * MIN, offered: 5 }));
    const f = forecast(buildForecastState({ cells }), MONDAY + 10 * MIN, priors);
    expect(f.basis).toBe('blend');
    const w = 10 / 30; // 10 of the 30 warm-up minutes
    expect(f.horizons[0].weights.recent).toBeCloseTo(w, 12);
    expect(f.horizons[0].weights.prior).toBeCloseTo(1 - w, 12);
    expect(f.horizons[0].arrivals).toBeCloseTo(15 * (w * 5 + (1 - w) * 2), 9);
  });
});

describe('known structure', () => {
  it('a constant rate is forecast as that rate: recent flow alone without past weeks', () => {
    const cells = rateCells(() => 5, MONDAY, 3 * DAY / MIN);
    const f = forecast(buildForecastState({ cells }), MONDAY + 3 * DAY, priors);
    expect(f.basis).toBe('recent');
    expect(arrivals(f)).toEqual([75, 150, 300]);
    expect(f.slots.map((s) => s.arrivals)).toEqual([75, 75, 75, 75]);
  });

  it('a constant rate with past weeks: both methods agree on it, blended', () => {
    const cells = rateCells(() => 5, MONDAY, 3 * WEEK / MIN);
    const f = forecast(buildForecastState({ cells }), MONDAY + 3 * WEEK, priors);
    expect(f.basis).toBe('blend');
    expect(f.levelCorrection).toBeCloseTo(1, 12);
    for (const [i, h] of f.horizons.entries()) {
      expect(h.arrivals).toBeCloseTo([75, 150, 300][i], 9);
      expect(h.seasonal).toBeCloseTo([75, 150, 300][i], 9);
      expect(h.weights.recent + h.weights.seasonal).toBeCloseTo(1, 12);
      expect(h.weights.recent).toBeGreaterThan(0);
      expect(h.weights.seasonal).toBeGreaterThan(0);
    }
  });

  it('a pure weekly pattern with two past weeks: the seasonal forecast reproduces it', () => {
    const rate = weeklyRate(6);
    const cells = rateCells(rate, MONDAY, 3 * WEEK / MIN);
    // The slot alone (no neighbours): exact, at every quarter hour of week 3, ramps and weekends included.
    const sharp = buildForecastState({ cells: cells.filter((c) => c.bucket < MONDAY + 2 * WEEK) }, { seasonal: { neighbourWeight: 0 } });
    const smooth = buildForecastState({ cells: cells.filter((c) => c.bucket < MONDAY + 2 * WEEK) });
    let worstSmooth = 0;
    for (let t = MONDAY + 2 * WEEK; t < MONDAY + 3 * WEEK; t += MIN) {
      if ((t - MONDAY) % (15 * MIN) === 0) {
        const fs = forecast(sharp, t, priors);
        // The profile itself exactly; today's level against it within a part in a thousand or so (the
        // comparison weighs the minutes of a slot unequally, the profile holds their sum).
        expect(Math.abs(fs.levelCorrection! - 1)).toBeLessThan(2e-3);
        for (const h of fs.horizons) {
          const truth = integrate(rate, t, t + h.minutes * MIN);
          expect(h.seasonal! / fs.levelCorrection!, new Date(t).toISOString()).toBeCloseTo(truth, 6);
          expect(Math.abs(h.seasonal! - truth)).toBeLessThanOrEqual(2e-3 * truth);
        }
        // Through the default kernel: within a few % where there is traffic (the kinks of the day's shape,
        // 07:00, 09:00, 17:00, 20:00, are where the kernel blurs).
        const f = forecast(smooth, t, priors);
        const truth = integrate(rate, t, t + HOUR);
        if (truth > 60) worstSmooth = Math.max(worstSmooth, Math.abs(f.horizons[2].seasonal! / truth - 1));
      }
      observeMinute(sharp, cells[(t - MONDAY) / MIN]);
      observeMinute(smooth, cells[(t - MONDAY) / MIN]);
    }
    expect(worstSmooth).toBeGreaterThan(0);
    expect(worstSmooth).toBeLessThan(0.05);
  });

  it('the blend follows the pattern where recent flow alone lags it: the morning ramp', () => {
    const rate = weeklyRate(6);
    const now = MONDAY + 2 * WEEK + 8 * HOUR; // Wednesday-of-ramp: 08:00, rising from 07:00 to 09:00
    const state = buildForecastState({ cells: exactCells(rate, MONDAY, (now - MONDAY) / MIN) });
    const f = forecast(state, now, priors);
    const truth = integrate(rate, now, now + HOUR);
    expect(Math.abs(f.horizons[2].arrivals / truth - 1)).toBeLessThan(0.03);
    expect(f.horizons[2].recent! / truth).toBeLessThan(0.9); // the damped trend does not catch all of a ramp
    expect(f.horizons[2].weights.seasonal).toBeGreaterThan(0.5);
  });

  it('a past week missing a day (declared as a gap) is still right on that day', () => {
    const rate = weeklyRate(6);
    const cells = exactCells(rate, MONDAY, 3 * WEEK / MIN);
    const wednesday1 = { from: MONDAY + 2 * DAY, to: MONDAY + 3 * DAY };
    const history = cells.filter((c) => c.bucket < MONDAY + 2 * WEEK + 2 * DAY && !(c.bucket >= wednesday1.from && c.bucket < wednesday1.to));
    const state = buildForecastState({ cells: history, from: MONDAY, to: MONDAY + 2 * WEEK + 2 * DAY, gaps: [wednesday1] });
    for (const hour of [3, 8, 11, 15, 18]) {
      const at = MONDAY + 2 * WEEK + 2 * DAY + hour * HOUR;
      while (state.next! < at) observeMinute(state, cells[(state.next! - MONDAY) / MIN]);
      const f = forecast(state, at, priors);
      const truth = integrate(rate, at, at + HOUR);
      expect(f.horizons[2].seasonal, `${hour}:00`).not.toBeNull();
      expect(Math.abs(f.horizons[2].arrivals - truth), `${hour}:00`).toBeLessThan(0.05 * truth + 2);
    }
  });

  it('a past week missing a day that nobody declared (zeros): level correction and tracked errors keep it sane', () => {
    const rate = weeklyRate(6);
    const cells = exactCells(rate, MONDAY, 3 * WEEK / MIN);
    const history = cells.filter((c) => c.bucket < MONDAY + 2 * WEEK + 2 * DAY).map((c) => (c.bucket >= MONDAY + 2 * DAY && c.bucket < MONDAY + 3 * DAY ? { ...c, offered: 0 } : c));
    const state = buildForecastState({ cells: history });
    const at = MONDAY + 2 * WEEK + 2 * DAY + 14 * HOUR;
    while (state.next! < at) observeMinute(state, cells[(state.next! - MONDAY) / MIN]);
    const f = forecast(state, at, priors);
    const truth = integrate(rate, at, at + HOUR);
    const profileAlone = f.horizons[2].seasonal! / f.levelCorrection!;
    expect(profileAlone / truth).toBeLessThan(0.6); // the zeros nearly halve the profile for Wednesday …
    expect(f.levelCorrection!).toBeGreaterThan(1.1); // … today runs above it, which the (damped) correction sees …
    expect(f.horizons[0].weights.recent).toBeGreaterThan(0.9); // … and seasonal's errors since the morning hand recent flow the lead
    expect(Math.abs(f.horizons[2].arrivals / truth - 1)).toBeLessThan(0.15);
    expect(Math.abs(f.horizons[2].seasonal! / truth - 1)).toBeGreaterThan(0.25); // what seasonal alone would have said
  });

  it('forecasts from a later now and from the middle of a minute', () => {
    const cells = rateCells(() => 2, MONDAY, 120);
    const state = buildForecastState({ cells });
    expect(arrivals(forecast(state, MONDAY + 125 * MIN, priors))).toEqual([30, 60, 120]);
    const f = forecast(state, MONDAY + 120 * MIN + 20_000, priors);
    expect(f.horizons[0].arrivals).toBeCloseTo(30, 9);
    expect(f.slots[1]).toMatchObject({ from: MONDAY + 135 * MIN + 20_000, to: MONDAY + 150 * MIN + 20_000 });
    expect(() => forecast(state, MONDAY + 119 * MIN, priors)).toThrow(ForecastInputError);
  });

  it('after a long gap recent flow starts over: seasonal, or the prior, carries the forecast', () => {
    const cells = rateCells(() => 4, MONDAY, 3 * HOUR / MIN);
    const state = observeGap(buildForecastState({ cells }), MONDAY + 5 * HOUR);
    const f = forecast(state, MONDAY + 5 * HOUR, priors);
    expect(f.basis).toBe('prior');
    expect(arrivals(f)).toEqual([30, 60, 120]);
  });
});

describe('AHT', () => {
  const cell = (i: number, handled: number, handleSec: number) => ({ bucket: MONDAY + i * MIN, offered: 1, handled, handleSec });

  it('the smoothed mean handle time, weighted by handled count', () => {
    // 3 handled a minute at 100 s for an hour, then 1 a minute at 400 s: the mean follows the counts
    const cells = [...Array.from({ length: 60 }, (_, i) => cell(i, 3, 300)), ...Array.from({ length: 60 }, (_, i) => cell(60 + i, 1, 400))];
    const f = forecast(buildForecastState({ cells }), MONDAY + 120 * MIN, priors);
    expect(f.aht.basis).toBe('recent');
    const keep = 1 - 1 / 120;
    let h = 0;
    let n = 0;
    for (const c of cells) {
      h = h * keep + c.handleSec;
      n = n * keep + c.handled;
    }
    expect(f.aht.sec).toBeCloseTo(h / n, 9);
    expect(f.aht.sec).toBeGreaterThan(100);
    expect(f.aht.sec).toBeLessThan(400);
  });

  it('too few handled: the prior fills in for the missing ones', () => {
    const f = forecast(buildForecastState({ cells: [cell(0, 5, 5 * 60)] }), MONDAY + MIN, priors);
    expect(f.aht.basis).toBe('blend');
    expect(f.aht.weights.recent).toBeCloseTo(5 / 20, 12);
    expect(f.aht.sec).toBeCloseTo((5 * 60 + 15 * 240) / 20, 9);
  });
});

describe('properties', () => {
  it('finite, non-negative and consistent for any non-negative history', () => {
    fc.assert(
      fc.property(arbitraryHistory(), fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 59_999 }), (h, later, ms) => {
        const state = buildForecastState(h);
        const now = (state.next ?? h.from) + later * MIN + ms;
        const f = forecast(state, now, priors);
        const numbers = [f.aht.sec, f.aht.handled, ...f.horizons.flatMap((x) => [x.arrivals, x.perHour, x.recent ?? 0, x.seasonal ?? 0, x.prior]), ...f.slots.map((s) => s.arrivals)];
        for (const x of numbers) {
          expect(Number.isFinite(x)).toBe(true);
          expect(x).toBeGreaterThanOrEqual(0);
        }
        for (const x of [...f.horizons, ...f.slots]) {
          expect(x.weights.recent + x.weights.seasonal + x.weights.prior).toBeCloseTo(1, 9);
          for (const w of Object.values(x.weights)) expect(w).toBeGreaterThanOrEqual(-1e-12);
        }
        // the slots add up to the horizons
        const total = f.slots.reduce((a, s) => a + s.arrivals, 0);
        expect(f.horizons[2].arrivals).toBeCloseTo(total, 6 - Math.max(0, Math.round(Math.log10(total + 1))));
        expect(f.horizons[0].arrivals).toBeCloseTo(f.slots[0].arrivals, 6 - Math.max(0, Math.round(Math.log10(total + 1))));
        if (f.levelCorrection !== null) {
          expect(f.levelCorrection).toBeGreaterThanOrEqual(0.25);
          expect(f.levelCorrection).toBeLessThanOrEqual(4);
        }
      }),
      { numRuns: 60 },
    );
  });
});
