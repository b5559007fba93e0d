import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adviseTier, BACKEND_TIER, TIERS, type Backend } from './advice.js';

const WEEK = 7 * 24 * 3600;

describe('which storage tier a center needs (the seed\'s three tiers)', () => {
  it('has the seed\'s bounds: 60 and 240 operators, 10 and 40 events a second, 6,048,000 and 24,192,000 events a week', () => {
    expect(TIERS.map((t) => [t.operators, t.eventsPerSec, t.eventsPerWeek])).toEqual([
      [60, 10, 6_048_000],
      [240, 40, 24_192_000],
      [Infinity, Infinity, Infinity],
    ]);
    // the third tier's weekly figure in the seed: 150 events a second
    expect(150 * WEEK).toBe(90_720_000);
  });

  it('takes the highest tier any measure calls for, and says why measure by measure', () => {
    const a = adviseTier({ operators: 45, peakEventsPerSec: 52, eventsPerWeek: 3_000_000 }, 'postgres');
    expect(a).toMatchObject({ tier: 3, database: 'ClickHouse', current: { backend: 'postgres', tier: 1, outgrown: true } });
    expect(a.reasons).toEqual([
      '45 operators working at once: tier 1 (1–60)',
      '52 events a second at the busiest minute: tier 3 (over 40 a second; an operator makes at most ~10 events a minute)',
      '3,000,000 events a week at this rate: tier 1 (1–6,048,000)',
    ]);
    expect(a.current.notice).toBe('This center has outgrown PostgreSQL (made for tier 1): it measures tier 3, ClickHouse.');
  });

  it('on bounds exactly: 60 operators is tier 1, 61 tier 2; 240 tier 2, 241 tier 3', () => {
    const at = (operators: number) => adviseTier({ operators, peakEventsPerSec: 0, eventsPerWeek: 0 }, 'clickhouse').tier;
    expect([at(0), at(60), at(61), at(240), at(241), at(2000)]).toEqual([1, 1, 2, 2, 3, 3]);
  });

  it('warns quietly past 80 % of what the current backend is made for, and says nothing when all is well', () => {
    const calm = adviseTier({ operators: 20, peakEventsPerSec: 3, eventsPerWeek: 1_000_000 }, 'pglite');
    expect(calm.current).toMatchObject({ outgrown: false, approaching: false, notice: null });
    expect(calm.note).toMatch(/tier 2 \(TimescaleDB\) is the better choice/);
    const near = adviseTier({ operators: 50, peakEventsPerSec: 3, eventsPerWeek: 1_000_000 }, 'pglite');
    expect(near.current).toMatchObject({ outgrown: false, approaching: true });
    expect(near.current.notice).toBe('This center is nearing what the embedded store (PGlite) is made for (tier 1); plan the move to TimescaleDB.');
    expect(adviseTier({ operators: 2_000, peakEventsPerSec: 500, eventsPerWeek: 3e8 }, 'clickhouse').current).toMatchObject({ outgrown: false, approaching: false, notice: null });
  });

  it('for any measures: a tier at least each measure\'s, outgrown exactly when above the backend\'s, finite text', () => {
    fc.assert(
      fc.property(fc.nat(5_000), fc.double({ min: 0, max: 1e4, noNaN: true }), fc.double({ min: 0, max: 1e10, noNaN: true }), fc.constantFrom<Backend>('pglite', 'postgres', 'timescaledb', 'clickhouse'), (operators, rate, week, backend) => {
        const a = adviseTier({ operators, peakEventsPerSec: rate, eventsPerWeek: week }, backend);
        const need = TIERS.find((t) => operators <= t.operators && rate <= t.eventsPerSec && week <= t.eventsPerWeek)!.tier;
        expect(a.tier).toBe(need);
        expect(a.current.outgrown).toBe(need > BACKEND_TIER[backend]);
        expect(a.current.notice === null).toBe(!a.current.outgrown && !a.current.approaching);
        for (const r of a.reasons) expect(r).not.toMatch(/NaN|undefined/);
      }),
    );
  });

  it('refuses measures that are not numbers ≥ 0, naming them', () => {
    expect(() => adviseTier({ operators: -1, peakEventsPerSec: 0, eventsPerWeek: 0 }, 'postgres')).toThrow(/operators must be a finite number ≥ 0/);
    expect(() => adviseTier({ operators: 1, peakEventsPerSec: NaN, eventsPerWeek: 0 }, 'postgres')).toThrow(/peakEventsPerSec/);
  });
});

describe('the seed\'s general advice', () => {
  it('is given where tier 1 suffices (tier 2 is the better choice for most), not where the center needs more', () => {
    expect(adviseTier({ operators: 10, peakEventsPerSec: 1, eventsPerWeek: 1e5 }, 'postgres').note).toMatch(/tier 2 \(TimescaleDB\) is the better choice/);
    expect(adviseTier({ operators: 100, peakEventsPerSec: 15, eventsPerWeek: 1e7 }, 'postgres').note).toBeNull();
  });
});

describe('the meter a running server keeps', () => {
  it('gives the most operators at once, the busiest minute and the mean rate over the minutes measured', async () => {
    const { TierMeter } = await import('./meter.js');
    const m = new TierMeter();
    const T = Date.UTC(2026, 10, 30, 9, 0);
    m.sample(T, 1_000, 3); // the base
    m.sample(T + 5_000, 1_600, 5);
    m.sample(T + 60_000, 1_900, 2);
    m.sample(T + 65_000, 1_900, 2);
    const x = m.measures();
    expect(x).toMatchObject({ operators: 5, minutes: 2 });
    expect(x.peakEventsPerSec).toBeCloseTo(600 / 60, 9); // the first minute: 600 events
    expect(x.eventsPerWeek).toBeCloseTo((900 / 2) * 7 * 24 * 60, 6);
    // a day later the first minutes have left the window
    m.sample(T + 25 * 3_600_000, 1_900, 1);
    expect(m.measures()).toMatchObject({ operators: 1, minutes: 1, peakEventsPerSec: 0 });
  });
});

describe('the reasons read as English', () => {
  it('says "1 event a second", not "1 events" (also for a rate that rounds to 1)', () => {
    expect(adviseTier({ operators: 6, peakEventsPerSec: 0.96, eventsPerWeek: 1e5 }, 'pglite').reasons[1]).toMatch(/^1 event a second/);
    expect(adviseTier({ operators: 6, peakEventsPerSec: 1, eventsPerWeek: 1e5 }, 'pglite').reasons[1]).toMatch(/^1 event a second at the busiest minute/);
  });
});
