import { describe, expect, it } from 'vitest';
import { emptyCounters, type Counters } from '../../metrics/counters.js';
import { binOf } from '../../metrics/wait-histogram.js';
import { estimatePatience, StreamFollower } from './follower.js';

const M = 60_000;
const T0 = Date.UTC(2026, 10, 30, 9, 0);
const priors = { channel: { arrivalsPerHour: 60, ahtSec: 240 } };

/** A minute with `offered` arrivals, answered waits summing to `waitSec`, and abandons after the given waits. */
function cell(offered: number, waitSec = 0, answered = 0, abandonWaitsSec: number[] = []): Counters {
  const c = emptyCounters();
  c.offered = offered;
  c.waitSumMs = waitSec * 1000;
  c.waitCount = answered;
  for (const w of abandonWaitsSec) {
    const bin = String(binOf(w * 1000));
    c.abandonHist[bin] = (c.abandonHist[bin] ?? 0) + 1;
  }
  c.missed = abandonWaitsSec.length;
  return c;
}

describe('StreamFollower', () => {
  it('starts at the first minute with data: the minutes before it are unknown, not zeros', () => {
    const cells = new Map([[T0 + 30 * M, cell(3)]]);
    const f = new StreamFollower('sales', 'voice');
    expect(f.feed(T0 + 20 * M, T0, (b) => cells.get(b))).toBe(false);
    expect(f.state.next).toBeNull();
    expect(f.feed(T0 + 40 * M, T0, (b) => cells.get(b))).toBe(true);
    expect(f.state.next).toBe(T0 + 40 * M);
    expect(f.lastArrivalEnd).toBe(T0 + 31 * M);
  });

  it('feeds each minute once, in order, however often it is asked', () => {
    const cells = new Map(Array.from({ length: 60 }, (_, i) => [T0 + i * M, cell(2)] as const));
    const once = new StreamFollower('q', 'voice');
    once.feed(T0 + 60 * M, T0, (b) => cells.get(b));
    const inSteps = new StreamFollower('q', 'voice');
    for (let m = 1; m <= 60; m++) {
      inSteps.feed(T0 + m * M, T0, (b) => cells.get(b));
      inSteps.feed(T0 + m * M, T0, (b) => cells.get(b));
    }
    expect(inSteps.state).toEqual(once.state);
    expect(once.forecastAt(T0 + 60 * M, priors).horizons[0].perHour).toBeCloseTo(120, 0);
  });

  it('records, per 15-minute slot, what the first forecast made in it expected, for eight hours and no longer', () => {
    const cells = new Map(Array.from({ length: 600 }, (_, i) => [T0 + i * M, cell(2)] as const));
    const f = new StreamFollower('q', 'voice');
    // evaluated at minutes 1, 2, …: the slot of 09:00 first at 09:01, the next at 09:15
    for (let m = 1; m <= 40; m++) {
      f.feed(T0 + m * M, T0, (b) => cells.get(b));
      f.forecastAt(T0 + m * M, priors);
    }
    const slots = f.expectedBySlot();
    expect(slots.map((x) => (x.from - T0) / M)).toEqual([0, 15, 30]);
    // 2 a minute learned by then: ~30 expected in 15 minutes (the first slot's forecast was made at 09:01, on one minute and the prior)
    expect(slots[2].arrivals).toBeCloseTo(30, 0);
    // a later forecast in the same slot does not replace the first
    const again = f.forecastAt(T0 + 41 * M, { channel: { arrivalsPerHour: 6000, ahtSec: 240 } });
    expect(again).toBeDefined();
    expect(f.expectedBySlot()[2].arrivals).toBe(slots[2].arrivals);
    for (let m = 42; m <= 600; m += 5) f.forecastAt(T0 + m * M, priors);
    const kept = f.expectedBySlot();
    expect(kept.length).toBeLessThanOrEqual(32);
    expect(kept.at(-1)!.from).toBe(T0 + 585 * M);
    expect(kept[0].from).toBeGreaterThan(T0 + 585 * M - 8 * 60 * M);
  });

  it('compares arrivals with the forecast made 15 minutes before, and a silence with the forecast made when it began', () => {
    const cells = new Map(Array.from({ length: 30 }, (_, i) => [T0 + i * M, cell(1)] as const));
    const f = new StreamFollower('q', 'voice');
    for (let m = 1; m <= 45; m++) {
      f.feed(T0 + m * M, T0, (b) => cells.get(b));
      f.forecastAt(T0 + m * M, priors);
    }
    // the forecast made at minute 30 (60/h) expected 15 arrivals in the 15 minutes after it
    expect(f.expectedLast15(T0 + 45 * M)).toBeCloseTo(15, 0);
    // nothing since minute 30: 15 minutes of silence against ~15 expected by the forecast made then
    const s = f.silence(T0 + 45 * M, null);
    expect(s.silentSec).toBe(15 * 60);
    expect(s.expected).toBeCloseTo(15, 0);
    expect(f.silence(T0 + 45 * M, T0 + 45 * M)).toEqual({ silentSec: 0, expected: 0 });
    // an arrival in a minute still settling (not fed yet) ends the silence there
    const live = f.silence(T0 + 45 * M, T0 + 44 * M);
    expect(live.silentSec).toBe(60);
  });

  it('says nothing about a silence it has no forecast from before (just after a start)', () => {
    const cells = new Map([[T0, cell(5)]]);
    const f = new StreamFollower('q', 'voice');
    f.feed(T0 + 30 * M, T0, (b) => cells.get(b));
    f.forecastAt(T0 + 30 * M, priors);
    expect(f.silence(T0 + 30 * M, null)).toEqual({ silentSec: 29 * 60, expected: 0 });
  });
});

describe('estimatePatience (exponential, censored by answers)', () => {
  it('is the time callers were seen waiting over the number who gave up, against a direct computation', () => {
    const until = T0 + 60 * M;
    const answeredWaits = [10, 20, 30, 40];
    const abandons = [30, 60, 90, 120, 150, 180];
    const cells = new Map([
      [T0 + 10 * M, cell(5, answeredWaits.reduce((a, b) => a + b), answeredWaits.length, abandons.slice(0, 3))],
      [T0 + 50 * M, cell(5, 0, 0, abandons.slice(3))],
    ]);
    const expected = (answeredWaits.reduce((a, b) => a + b) + abandons.reduce((a, b) => a + b)) / abandons.length;
    expect(estimatePatience(until, (b) => cells.get(b))).toBeCloseTo(expected, 6);
  });

  it('makes no estimate from fewer than five abandons, or from cells older than the hour', () => {
    const few = new Map([[T0, cell(4, 100, 4, [30, 30, 30, 30])]]);
    expect(estimatePatience(T0 + 10 * M, (b) => few.get(b))).toBeUndefined();
    const old = new Map([[T0, cell(9, 0, 0, [30, 30, 30, 30, 30, 30])]]);
    expect(estimatePatience(T0 + 61 * M, (b) => old.get(b))).toBeUndefined();
    expect(estimatePatience(T0 + 60 * M, (b) => old.get(b))).toBeCloseTo(30, 6);
  });
});
