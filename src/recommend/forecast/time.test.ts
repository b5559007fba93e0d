import { describe, expect, it } from 'vitest';
import { isMinute, slotOfWeek, slotStartOf, weekdayOf, weekOf } from './time.js';

const utc = { utcOffsetMinutes: 0 };

describe('calendar', () => {
  it('Monday 00:00 is slot 0 and Sunday 23:45 is slot 671', () => {
    const monday = Date.UTC(2026, 0, 5); // a Monday
    expect(weekdayOf(monday, utc)).toBe(0);
    expect(slotOfWeek(monday, utc)).toBe(0);
    expect(slotOfWeek(monday + 14 * 60_000, utc)).toBe(0);
    expect(slotOfWeek(monday + 15 * 60_000, utc)).toBe(1);
    expect(slotOfWeek(monday + 9.5 * 3_600_000, utc)).toBe(38);
    expect(slotOfWeek(Date.UTC(2026, 0, 11, 23, 45), utc)).toBe(671);
    expect(weekdayOf(Date.UTC(2026, 0, 11, 12), utc)).toBe(6); // Sunday
    expect(weekOf(Date.UTC(2026, 0, 11, 23, 59), utc)).toBe(weekOf(monday, utc));
    expect(weekOf(Date.UTC(2026, 0, 12), utc)).toBe(weekOf(monday, utc) + 1);
  });

  it('local time: Monday 00:30 at UTC+3 is Sunday 21:30 UTC', () => {
    const msk = { utcOffsetMinutes: 180 };
    const ts = Date.UTC(2026, 0, 4, 21, 30);
    expect(weekdayOf(ts, msk)).toBe(0);
    expect(slotOfWeek(ts, msk)).toBe(2);
    expect(weekOf(ts, msk)).toBe(weekOf(Date.UTC(2026, 0, 5), utc));
    // a half-hour offset moves the slot boundaries off the UTC quarter hours
    const india = { utcOffsetMinutes: 330 };
    expect(slotStartOf(Date.UTC(2026, 0, 5, 10, 7), india)).toBe(Date.UTC(2026, 0, 5, 10, 0));
    expect(slotStartOf(Date.UTC(2026, 0, 5, 10, 16), india)).toBe(Date.UTC(2026, 0, 5, 10, 15));
    const nepal = { utcOffsetMinutes: 345 };
    expect(slotStartOf(Date.UTC(2026, 0, 5, 10, 7), nepal)).toBe(Date.UTC(2026, 0, 5, 10, 0));
    expect(slotStartOf(Date.UTC(2026, 0, 5, 10, 16), nepal)).toBe(Date.UTC(2026, 0, 5, 10, 15));
  });

  it('before 1970 too', () => {
    const monday = Date.UTC(1969, 11, 29); // a Monday
    expect(weekdayOf(monday, utc)).toBe(0);
    expect(slotOfWeek(monday - 15 * 60_000, utc)).toBe(671);
    expect(isMinute(monday)).toBe(true);
    expect(isMinute(monday + 1)).toBe(false);
  });
});
