import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildForecastState } from './build.js';
import { ForecastInputError } from './errors.js';
import { afterGap, createForecastState, observeEmpty, observeGap, observeMinute, type ForecastState } from './state.js';
import { arbitraryHistory } from './testing/arbitrary.js';
import { DAY, HOUR, MIN, MONDAY, poissonCells, weeklyRate, WEEK } from './testing/series.js';
import type { MinuteCell } from './types.js';

const fieldOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ForecastInputError);
    return (e as ForecastInputError).field;
  }
  return 'no error';
};

/** Feed cells to a state the live way: one at a time, quiet minutes left out, then up to `to`. */
function feed(state: ForecastState, cells: readonly MinuteCell[], to: number): ForecastState {
  for (const c of cells) if (c.offered || c.handled) observeMinute(state, c);
  if (state.next !== null && state.next < to) observeEmpty(state, to);
  return state;
}

describe('forecast state: live (minute by minute) and built from history agree', () => {
  const from = MONDAY;
  const to = MONDAY + 2 * WEEK + 3 * DAY;
  const cells = poissonCells(weeklyRate(4), from, (to - from) / MIN, 7).map((c, i) => ({ ...c, handleSec: 90 * (i % 5), handled: i % 5 ? 1 : 0 }));

  it('built from [from, cut) then fed the rest equals built from all of it', () => {
    const whole = buildForecastState({ cells, from, to });
    for (const cut of [from + 5 * DAY + 7 * HOUR + 13 * MIN, from + WEEK + 15 * MIN, to - MIN]) {
      const head = cells.filter((c) => c.bucket < cut);
      const state = buildForecastState({ cells: head, from, to: cut });
      feed(state, cells.filter((c) => c.bucket >= cut), to);
      expect(state).toEqual(whole);
    }
  });

  it('a checkpoint (JSON) picks up where it left off', () => {
    const whole = buildForecastState({ cells, from, to });
    const cut = from + WEEK + 2 * DAY + 9 * HOUR + 1 * MIN;
    const saved = JSON.stringify(buildForecastState({ cells: cells.filter((c) => c.bucket < cut), from, to: cut }));
    const restored = JSON.parse(saved) as ForecastState;
    expect(feed(restored, cells.filter((c) => c.bucket >= cut), to)).toEqual(whole);
  });

  it('a quiet minute is the same given as a zero cell or left out; cells of one minute add up', () => {
    const sparse = cells.filter((c) => c.offered > 0 || c.handled > 0);
    expect(buildForecastState({ cells: sparse, from, to })).toEqual(buildForecastState({ cells, from, to }));
    const split = cells.flatMap((c) => [{ ...c, offered: Math.floor(c.offered / 2), handleSec: 0, handled: 0 }, { bucket: c.bucket, offered: c.offered - Math.floor(c.offered / 2), handleSec: c.handleSec, handled: c.handled }]);
    expect(buildForecastState({ cells: split.reverse(), from, to })).toEqual(buildForecastState({ cells, from, to }));
  });

  it('the same on arbitrary series: spikes, zeros, gaps, any cut', () => {
    fc.assert(
      fc.property(arbitraryHistory(), fc.double({ min: 0, max: 1, noNaN: true }), (h, where) => {
        const whole = buildForecastState(h);
        const cut = h.from + Math.floor(((h.to - h.from) / MIN) * where) * MIN;
        const head = buildForecastState({ cells: h.cells.filter((c) => c.bucket < cut), from: h.from, to: cut, gaps: h.gaps.filter((g) => g.from < cut).map((g) => ({ from: g.from, to: Math.min(g.to, cut) })) });
        // the rest, the live way: minutes, quiet stretches and gaps in time order
        const rest = h.cells.filter((c) => c.bucket >= cut);
        const gaps = h.gaps.filter((g) => g.to > cut).map((g) => ({ from: Math.max(g.from, cut), to: g.to }));
        const live = head;
        let c = 0;
        for (const g of gaps) {
          while (c < rest.length && rest[c].bucket < g.from) observeMinute(live, rest[c++]);
          if (live.next === null) observeGap(live, g.to);
          else {
            if (live.next < g.from) observeEmpty(live, g.from);
            observeGap(live, g.to);
          }
        }
        while (c < rest.length) observeMinute(live, rest[c++]);
        if (live.next !== null && live.next < h.to) observeEmpty(live, h.to);
        expect(live).toEqual(whole);
      }),
      { numRuns: 40 },
    );
  });
});

describe('gaps and bad input', () => {
  it('a long gap restarts recent flow; a short one keeps it; both age the level and AHT', () => {
    const cells = Array.from({ length: 120 }, (_, i) => ({ bucket: MONDAY + i * MIN, offered: 3, handleSec: 200, handled: 2 }));
    const state = buildForecastState({ cells });
    const short = observeGap(structuredClone(state), MONDAY + 150 * MIN);
    expect(short.next).toBe(MONDAY + 150 * MIN);
    expect(afterGap(short).recent).toEqual(state.recent);
    expect(afterGap(short).aht.handled).toBeCloseTo(state.aht.handled * (1 - 1 / 120) ** 30, 9);
    const long = observeGap(structuredClone(state), MONDAY + 180 * MIN);
    expect(afterGap(long).recent.minutes).toBe(0);
    expect(observeMinute(structuredClone(long), { bucket: MONDAY + 180 * MIN, offered: 5 }).recent).toEqual({ level: 5, trend: 0, minutes: 1 });
    // in pieces, the same as whole: the gap is measured from the last minute seen
    const pieces = observeGap(observeGap(structuredClone(state), MONDAY + 150 * MIN), MONDAY + 180 * MIN);
    expect(afterGap(pieces)).toEqual(afterGap(long));
    // declared in a history, the same
    expect(buildForecastState({ cells, from: MONDAY, to: MONDAY + 180 * MIN, gaps: [{ from: MONDAY + 120 * MIN, to: MONDAY + 180 * MIN }] })).toEqual(long);
  });

  it('a gap is not zeros: the profile keeps only the slots seen whole', () => {
    const cells = Array.from({ length: WEEK / MIN + 60 }, (_, i) => ({ bucket: MONDAY + i * MIN, offered: 2 }));
    const withGap = buildForecastState({ cells: cells.filter((c) => c.bucket < MONDAY + 10 * HOUR + 5 * MIN || c.bucket >= MONDAY + 11 * HOUR) , gaps: [{ from: MONDAY + 10 * HOUR + 5 * MIN, to: MONDAY + 11 * HOUR }] });
    expect(withGap.profile.weight[40]).toBe(0); // Monday 10:00–10:15: partly in the gap
    expect(withGap.profile.weight[43]).toBe(0);
    expect(withGap.profile.weight[44]).toBe(1);
    expect(withGap.profile.sum[39]).toBe(30);
  });

  it('names what is wrong', () => {
    const s = () => buildForecastState({ cells: [{ bucket: MONDAY, offered: 1 }] });
    expect(fieldOf(() => observeMinute(s(), { bucket: MONDAY - MIN, offered: 1 }))).toBe('cell.bucket');
    expect(fieldOf(() => observeMinute(s(), { bucket: MONDAY + MIN + 1, offered: 1 }))).toBe('cell.bucket');
    expect(fieldOf(() => observeMinute(s(), { bucket: MONDAY + MIN, offered: -1 }))).toBe('cell.offered');
    expect(fieldOf(() => observeMinute(s(), { bucket: MONDAY + MIN, offered: Number.NaN }))).toBe('cell.offered');
    expect(fieldOf(() => observeMinute(s(), { bucket: MONDAY + MIN, offered: 1, handled: -2 }))).toBe('cell.handled');
    expect(fieldOf(() => observeMinute(s(), { bucket: MONDAY + MIN, offered: 1e300 }))).toBe('cell.offered');
    expect(fieldOf(() => observeEmpty(createForecastState(), MONDAY))).toBe('until');
    expect(fieldOf(() => observeGap(s(), MONDAY))).toBe('until');
    expect(fieldOf(() => buildForecastState({ cells: [{ bucket: MONDAY, offered: 1 }], from: MONDAY + MIN, to: MONDAY + HOUR }))).toBe('cells');
    expect(fieldOf(() => buildForecastState({ cells: [{ bucket: MONDAY, offered: 1 }], gaps: [{ from: MONDAY, to: MONDAY + MIN }] }))).toBe('gaps');
    expect(fieldOf(() => buildForecastState({ cells: [{ bucket: MONDAY + 30_000, offered: 1 }] }))).toBe('cells[0].bucket');
    expect(fieldOf(() => createForecastState({ recent: { alpha: 0 } }))).toBe('recent.alpha');
    expect(fieldOf(() => createForecastState({ blend: { recentWeight: [0.5, 0.5] } }))).toBe('blend.recentWeight');
    expect(fieldOf(() => createForecastState({ utcOffsetMinutes: 30.5 }))).toBe('utcOffsetMinutes');
  });
});
