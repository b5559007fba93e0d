/**
 * Durations as people write them for the archive's age (`--older-than 7d`, `archive.olderThan: "36h"`):
 * a whole number and a unit, m (minutes), h (hours), d (days) or w (weeks).
 */
const UNIT_MS = new Map([
  ['m', 60_000],
  ['h', 3_600_000],
  ['d', 86_400_000],
  ['w', 7 * 86_400_000],
]);

/** The shortest age the archive takes: a day must have ended, and its late events had a day to come. */
export const MIN_ARCHIVE_AGE_MS = 86_400_000;

/** Milliseconds of a duration like "7d", or what is wrong with the text. */
export function parseDuration(text: string): number | { error: string } {
  const m = /^\s*(\d{1,6})\s*([a-z]+)\s*$/i.exec(text);
  const unit = m ? UNIT_MS.get(m[2].toLowerCase()) : undefined;
  if (!m || unit === undefined) return { error: `must be a whole number and a unit, m, h, d or w (like 7d or 36h), got ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)}` };
  return Number(m[1]) * unit;
}

/** An archive age: a duration of at least MIN_ARCHIVE_AGE_MS. */
export function parseArchiveAge(text: string): number | { error: string } {
  const ms = parseDuration(text);
  if (typeof ms !== 'number') return ms;
  if (ms < MIN_ARCHIVE_AGE_MS) return { error: `must be at least 1d (24h): a day is archived only once it has ended and had a day for late events, got ${JSON.stringify(text)}` };
  return ms;
}
