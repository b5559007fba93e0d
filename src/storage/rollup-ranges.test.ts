import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, MINUTE_MS, planRange, truncate } from './rollup-ranges.js';

const T = Date.UTC(2026, 10, 16);
const msOf = { minute: MINUTE_MS, hour: HOUR_MS, day: DAY_MS } as const;

describe('planRange', () => {
  it('reads a week from days, the hours around them and the ragged minutes', () => {
    const from = T + 10 * HOUR_MS + 7 * MINUTE_MS;
    const to = from + 7 * DAY_MS;
    expect(planRange(from, to)).toEqual([
      { resolution: 'minute', from, to: T + 11 * HOUR_MS },
      { resolution: 'hour', from: T + 11 * HOUR_MS, to: T + DAY_MS },
      { resolution: 'day', from: T + DAY_MS, to: T + 7 * DAY_MS },
      { resolution: 'hour', from: T + 7 * DAY_MS, to: T + 7 * DAY_MS + 10 * HOUR_MS },
      { resolution: 'minute', from: T + 7 * DAY_MS + 10 * HOUR_MS, to },
    ]);
  });

  it('uses only resolutions that fit inside one row interval', () => {
    expect(planRange(T, T + 2 * DAY_MS, 15 * MINUTE_MS)).toEqual([{ resolution: 'minute', from: T, to: T + 2 * DAY_MS }]);
    expect(planRange(T, T + 2 * DAY_MS, 2 * HOUR_MS).map((p) => p.resolution)).toEqual(['hour']);
    expect(planRange(T, T + 2 * DAY_MS, DAY_MS).map((p) => p.resolution)).toEqual(['day']);
  });

  it('covers [from, to) exactly, in aligned parts, never coarser than the interval allows', () => {
    const minutes = fc.integer({ min: 0, max: 20 * 24 * 60 });
    const interval = fc.option(fc.constantFrom(MINUTE_MS, 5 * MINUTE_MS, HOUR_MS, 3 * HOUR_MS, DAY_MS, 2 * DAY_MS), { nil: undefined });
    fc.assert(
      fc.property(minutes, minutes, interval, (a, b, step) => {
        const from = T + Math.min(a, b) * MINUTE_MS;
        const to = T + Math.max(a, b) * MINUTE_MS;
        const parts = planRange(from, to, step);
        let at = from;
        for (const p of parts) {
          expect(p.from).toBe(at);
          expect(p.to).toBeGreaterThan(p.from);
          const size = msOf[p.resolution];
          expect(p.from % size).toBe(0);
          expect(p.to % size).toBe(0);
          if (step !== undefined) expect(step % size).toBe(0);
          at = p.to;
        }
        expect(at).toBe(to);
        // never more than two partial units of a finer resolution on each side
        expect(parts.length).toBeLessThanOrEqual(5);
      }),
    );
  });

  it('truncates to the cell holding a time', () => {
    expect(truncate(T + 5 * HOUR_MS + 59_999, 'hour')).toBe(T + 5 * HOUR_MS);
    expect(truncate(T + 5 * HOUR_MS + 59_999, 'day')).toBe(T);
    expect(truncate(T + 61_000, 'minute')).toBe(T + 60_000);
  });
});
