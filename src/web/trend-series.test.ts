import { describe, expect, it } from 'vitest';
import { expectedBySlot, sparkPoints, total, trendData, TREND_SLOT_MS, type ForecastSlots } from './trend-series.js';

const T = Date.UTC(2026, 10, 30, 9, 0);
const M = 60_000;
const iso = (t: number) => new Date(t).toISOString();

describe('trend charts: the data', () => {
  it('lays history on 5-minute slots from the start to an hour past now, nothing measured ahead of now', () => {
    const rows = [
      { bucket: iso(T), offered: 4, missed: 1, qa: 3, slPct: 75 },
      { bucket: iso(T + 10 * M), offered: 2, missed: 0, qa: 1, slPct: 100 },
    ];
    const now = T + 12 * M;
    const d = trendData(rows, new Map(), T, now);
    expect(d.x[0]).toBe(T / 1000);
    expect(d.x.at(-1)).toBe((T + 10 * M + 60 * M) / 1000);
    expect(d.x[1] - d.x[0]).toBe(TREND_SLOT_MS / 1000);
    expect(d.arrivals.slice(0, 3)).toEqual([4, 0, 2]);
    expect(d.abandoned.slice(0, 3)).toEqual([1, 0, 0]);
    expect(d.sl.slice(0, 3)).toEqual([75, null, 100]);
    // a slot with no row kept the open count it had
    expect(d.open.slice(0, 3)).toEqual([3, 3, 1]);
    expect(d.arrivals[3]).toBeNull();
    expect(d.sl[3]).toBeNull();
    expect(total(d.arrivals)).toBe(6);
  });

  it('sums the forecasts of the scope, the past as expected when each slot began, the hour ahead spread over the slot edges', () => {
    const streams: ForecastSlots[] = [
      { queue: 'sales', channel: 'voice', past: [{ from: iso(T), arrivals: 30 }], ahead: [{ from: iso(T + 5 * M), arrivals: 30 }, { from: iso(T + 20 * M), arrivals: 15 }] },
      { queue: 'sales', channel: 'email', past: [{ from: iso(T), arrivals: 3 }], ahead: [] },
      { queue: 'support', channel: 'voice', past: [{ from: iso(T), arrivals: 100 }], ahead: [] },
    ];
    const sales = expectedBySlot(streams, 'sales', null);
    // 09:00 expected 33 when it began (the hour ahead's first slot does not replace it); 09:15 has two thirds of the
    // slot from 09:05 and one third of the one from 09:20
    expect(sales.get(T)).toBe(33);
    expect(sales.get(T + 15 * M)).toBeCloseTo(30 / 3 + 15 * (2 / 3), 6);
    expect(sales.get(T + 30 * M)).toBeCloseTo(15 / 3, 6);
    expect(expectedBySlot(streams, null, 'voice').get(T)).toBe(130);
    expect(expectedBySlot(streams, null, null).get(T)).toBe(133);
    // a 15-minute slot's expectation is a third on each of its 5-minute slots
    const d = trendData([], sales, T, T + 2 * M);
    expect(d.expected.slice(0, 4)).toEqual([11, 11, 11, 6.67]);
  });

  it('ignores what it cannot place: rows without a time, forecasts with broken times or numbers', () => {
    const d = trendData([{ offered: 9, missed: 0, qa: 0, slPct: null }, { bucket: 'not a time', offered: 9, missed: 0, qa: 0, slPct: null }], new Map(), T, T);
    expect(total(d.arrivals)).toBe(0);
    const e = expectedBySlot([{ queue: 'q', channel: 'voice', past: [{ from: 'x', arrivals: 5 }, { from: iso(T), arrivals: Number.NaN }], ahead: [] }], null, null);
    expect(e.size).toBe(0);
  });
});

describe('tile trend lines: the hour before the page opened', () => {
  it('gives each pair its open count at the end of every minute since its first row, carried over quiet minutes', () => {
    const rows = [
      { queue: 'sales', channel: 'voice', bucket: iso(T + 2 * M), offered: 1, missed: 0, qa: 2, slPct: null },
      { queue: 'sales', channel: 'voice', bucket: iso(T + 5 * M), offered: 0, missed: 0, qa: 0, slPct: null },
      { queue: '__proto__', channel: 'email', bucket: iso(T), offered: 1, missed: 0, qa: 1, slPct: null },
      { queue: 'x', channel: 'voice', offered: 1, missed: 0, qa: 1, slPct: null },
    ];
    const pts = sparkPoints(rows, T, T + 7 * M + 30_000, (q, c) => `${q}/${c}`);
    expect([...pts.keys()].sort()).toEqual(['__proto__/email', 'sales/voice']);
    expect(pts.get('sales/voice')!.map((p) => [(p.t - T) / M, p.v])).toEqual([[3, 2], [4, 2], [5, 2], [6, 0], [7, 0]]);
    // the minute still running is not a point: the page samples it live
    expect(pts.get('__proto__/email')!.at(-1)!.t).toBe(T + 7 * M);
  });
});
