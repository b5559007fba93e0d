import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backlogClearHours, backlogOperatorsNeeded } from './backlog.js';
import { failingField as field } from './testing/failing-field.js';

describe('email backlog', () => {
  it('a worked example', () => {
    // 120 waiting + 30/h, 4 h to clear, 10 min each at 80 % occupancy: one operator does 4.8 an hour,
    // and 120/4 + 30 = 60 an hour are needed → 12.5 → 13 operators.
    const work = { backlog: 120, ratePerHour: 30, ahtSec: 600, maxOccupancy: 0.8 };
    expect(backlogOperatorsNeeded({ ...work, slaHours: 4 })).toBe(13);
    expect(backlogClearHours({ ...work, operators: 13 })).toBeCloseTo(120 / (13 * 4.8 - 30), 12);
    expect(backlogClearHours({ ...work, operators: 6 })).toBeNull(); // 28.8 an hour cannot outpace 30
    expect(backlogClearHours({ ...work, backlog: 0, operators: 1 })).toBe(0);
  });

  it('exact multiples are not rounded up by floating-point dust', () => {
    // 60 items / 6 per operator-hour is exactly 10 operators
    expect(backlogOperatorsNeeded({ backlog: 50, ratePerHour: 10, slaHours: 1, ahtSec: 600 })).toBe(10);
    expect(backlogOperatorsNeeded({ backlog: 0, ratePerHour: 0, slaHours: 8, ahtSec: 600 })).toBe(0);
  });

  it('the operators needed clear the backlog in time, and one fewer does not', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.double({ min: 0, max: 5000, noNaN: true }),
        fc.double({ min: 0.5, max: 72, noNaN: true }),
        fc.double({ min: 30, max: 3600, noNaN: true }),
        fc.double({ min: 0.5, max: 1, noNaN: true }),
        (backlog, ratePerHour, slaHours, ahtSec, maxOccupancy) => {
          const work = { backlog, ratePerHour, ahtSec, maxOccupancy };
          const n = backlogOperatorsNeeded({ ...work, slaHours });
          expect(backlogClearHours({ ...work, operators: n })!).toBeLessThanOrEqual(slaHours * (1 + 1e-6));
          const fewer = backlogClearHours({ ...work, operators: n - 1 });
          if (fewer !== null) expect(fewer).toBeGreaterThan(slaHours * (1 - 1e-6));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('names the field that is out of range', () => {
    const ok = { backlog: 10, ratePerHour: 5, slaHours: 4, ahtSec: 300 };
    expect(field(() => backlogOperatorsNeeded({ ...ok, backlog: -1 }))).toBe('backlog');
    expect(field(() => backlogOperatorsNeeded({ ...ok, ratePerHour: Number.NaN }))).toBe('ratePerHour');
    expect(field(() => backlogOperatorsNeeded({ ...ok, slaHours: 0 }))).toBe('slaHours');
    expect(field(() => backlogOperatorsNeeded({ ...ok, ahtSec: 0 }))).toBe('ahtSec');
    expect(field(() => backlogOperatorsNeeded({ ...ok, maxOccupancy: 1.2 }))).toBe('maxOccupancy');
    expect(field(() => backlogClearHours({ ...ok, operators: -2 }))).toBe('operators');
  });
});
