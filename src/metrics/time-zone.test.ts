import { describe, expect, it } from 'vitest';
import { clockIn, dayStartIn, offsetMs } from './time-zone.js';

describe('times in the center’s time zone', () => {
  it('finds local midnight in zones ahead of and behind UTC', () => {
    const t = Date.UTC(2026, 10, 30, 22, 30); // 01:30 on Dec 1 in Moscow, 17:30 on Nov 30 in New York
    expect(dayStartIn(t, 'UTC')).toBe(Date.UTC(2026, 10, 30));
    expect(dayStartIn(t, 'Europe/Moscow')).toBe(Date.UTC(2026, 10, 30, 21));
    expect(dayStartIn(t, 'America/New_York')).toBe(Date.UTC(2026, 10, 30, 5));
    expect(dayStartIn(t, 'Asia/Kolkata')).toBe(Date.UTC(2026, 10, 30, 18, 30)); // +5:30
    expect(offsetMs(t, 'Europe/Moscow')).toBe(3 * 3_600_000);
    expect(clockIn(t, 'Europe/Moscow')).toBe('01:30:00');
    expect(clockIn(t, 'UTC')).toBe('22:30:00');
  });

  it('keeps midnight right on a day the clocks move (New York, 8 March 2026: 02:00 → 03:00)', () => {
    const afterChange = Date.UTC(2026, 2, 8, 15); // 11:00 EDT
    expect(dayStartIn(afterChange, 'America/New_York')).toBe(Date.UTC(2026, 2, 8, 5)); // 00:00 EST
    const autumn = Date.UTC(2026, 10, 1, 18); // 13:00 EST, the day the clocks went back
    expect(dayStartIn(autumn, 'America/New_York')).toBe(Date.UTC(2026, 10, 1, 4)); // 00:00 EDT
  });

  it('takes the first of two midnights where the clocks fall back at midnight (Havana, 1 November 2020)', () => {
    expect(dayStartIn(Date.UTC(2020, 10, 1, 12), 'America/Havana')).toBe(Date.UTC(2020, 10, 1, 4));
    // and where they spring forward at midnight (8 March 2020: 00:00 EST is 01:00 CDT), the day's first instant
    expect(dayStartIn(Date.UTC(2020, 2, 8, 17), 'America/Havana')).toBe(Date.UTC(2020, 2, 8, 5));
  });

  it('is the day’s start for every instant of the day, and the next day’s at midnight', () => {
    const tz = 'Europe/Moscow';
    const start = Date.UTC(2026, 10, 29, 21);
    for (const t of [start, start + 1, start + 12 * 3_600_000, start + 86_400_000 - 1]) expect(dayStartIn(t, tz)).toBe(start);
    expect(dayStartIn(start + 86_400_000, tz)).toBe(start + 86_400_000);
  });
});
