/**
 * Rollups are kept at three resolutions: minute, hour and day (UTC). A history query reads each part of
 * its range from the coarsest resolution that fits: the whole days in the middle from the day rollups,
 * the whole hours around them from the hour rollups, the ragged minutes at the edges from the minute
 * rollups. A week is then ~7 day rows and ≤ 46 hour rows and ≤ 118 minute rows per series, whatever
 * the history holds.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export type Resolution = 'minute' | 'hour' | 'day';

export const RESOLUTIONS: ReadonlyArray<{ name: Resolution; ms: number }> = [
  { name: 'day', ms: DAY_MS },
  { name: 'hour', ms: HOUR_MS },
  { name: 'minute', ms: MINUTE_MS },
];

export interface RangePart {
  resolution: Resolution;
  from: number;
  to: number;
}

/**
 * Splits [from, to) (whole minutes) into parts, each read at one resolution. A coarser cell may serve
 * only if it lies within one row interval: with `intervalMs`, only resolutions that divide it and whose
 * cells (aligned on the epoch) line up with the rows (counted from `from`); without, any.
 */
export function planRange(from: number, to: number, intervalMs?: number): RangePart[] {
  if (from % MINUTE_MS !== 0 || to % MINUTE_MS !== 0) throw new Error('planRange: from and to must be whole minutes');
  const usable = RESOLUTIONS.filter((r) => intervalMs === undefined || (intervalMs % r.ms === 0 && from % r.ms === 0));
  const parts: RangePart[] = [];
  const split = (a: number, b: number, level: number) => {
    if (a >= b) return;
    const r = usable[level];
    if (r.name === 'minute') {
      parts.push({ resolution: 'minute', from: a, to: b });
      return;
    }
    const first = Math.ceil(a / r.ms) * r.ms;
    const last = Math.floor(b / r.ms) * r.ms;
    if (first >= last) return split(a, b, level + 1);
    split(a, first, level + 1);
    parts.push({ resolution: r.name, from: first, to: last });
    split(last, b, level + 1);
  };
  split(from, to, 0);
  return parts.sort((x, y) => x.from - y.from);
}

/** The start of the cell of this resolution holding a minute. */
export function truncate(ms: number, resolution: Resolution): number {
  const step = resolution === 'day' ? DAY_MS : resolution === 'hour' ? HOUR_MS : MINUTE_MS;
  return ms - (((ms % step) + step) % step);
}
