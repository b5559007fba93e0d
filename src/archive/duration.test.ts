import { describe, expect, it } from 'vitest';
import { parseArchiveAge, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads a whole number and a unit', () => {
    expect(parseDuration('7d')).toBe(7 * 86_400_000);
    expect(parseDuration('36h')).toBe(36 * 3_600_000);
    expect(parseDuration(' 90m ')).toBe(90 * 60_000);
    expect(parseDuration('2W')).toBe(14 * 86_400_000);
  });

  it('names what is wrong with anything else', () => {
    for (const bad of ['7', 'd', '7days', '1.5d', '-1d', '7s', '', '__proto__', 'constructor']) {
      const r = parseDuration(bad);
      expect(r, bad).toEqual({ error: expect.stringContaining('a whole number and a unit') });
    }
  });
});

describe('parseArchiveAge', () => {
  it('takes a day or more, refuses less with the reason', () => {
    expect(parseArchiveAge('24h')).toBe(86_400_000);
    expect(parseArchiveAge('7d')).toBe(7 * 86_400_000);
    expect(parseArchiveAge('23h')).toEqual({ error: expect.stringContaining('at least 1d') });
    expect(parseArchiveAge('0d')).toEqual({ error: expect.stringContaining('at least 1d') });
  });
});
