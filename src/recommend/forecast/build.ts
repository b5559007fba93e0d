/**
 * The state built from a history of rollup cells: what the engine does at start-up, before keeping the
 * state live minute by minute. It feeds the history through the very functions the live path uses
 * (observeMinute, observeEmpty, observeGap), so the two cannot drift apart: a state built from a
 * history and then fed more minutes equals one built from the longer history.
 */
import { ForecastInputError } from './errors.js';
import type { ForecastOptionsInput } from './options.js';
import { checkCell, createForecastState, observeEmpty, observeGap, observeMinute, type ForecastState } from './state.js';
import { isMinute, MINUTE_MS, minuteOf } from './time.js';
import type { MinuteCell } from './types.js';

export interface ForecastHistory {
  /** The stream's minute cells, in any order; cells of the same minute are added up. */
  cells: Iterable<MinuteCell>;
  /**
   * The stretch the history covers, [from, to), epoch ms on minutes; a minute in it with no cell had no
   * appeals. Default: the first cell's minute to the minute after the last cell's.
   */
  from?: number;
  to?: number;
  /** Stretches inside [from, to) with no data at all (outages): they count for nothing, not for zeros. Widened to whole minutes. */
  gaps?: Iterable<{ from: number; to: number }>;
}

export function buildForecastState(history: ForecastHistory, options?: ForecastOptionsInput): ForecastState {
  const byMinute = new Map<number, MinuteCell & { handleSec: number; handled: number }>();
  let i = 0;
  for (const raw of history.cells) {
    const c = checkCell(raw, `cells[${i++}]`);
    const had = byMinute.get(c.bucket);
    if (had) {
      had.offered += c.offered;
      had.handleSec += c.handleSec;
      had.handled += c.handled;
    } else byMinute.set(c.bucket, { ...c });
  }
  const buckets = [...byMinute.keys()].sort((a, b) => a - b);
  const from = history.from ?? buckets[0];
  const to = history.to ?? (buckets.length ? buckets[buckets.length - 1] + MINUTE_MS : undefined);
  const state = createForecastState(options);
  if (from === undefined || to === undefined) return state; // nothing to build from: the state of a cold start
  if (!isMinute(from)) throw new ForecastInputError('from', `must be the epoch-ms start of a minute, got ${String(from)}`);
  if (!isMinute(to) || to < from) throw new ForecastInputError('to', `must be the epoch-ms start of a minute, not before from; got ${String(to)}`);
  if (buckets.length && (buckets[0] < from || buckets[buckets.length - 1] >= to)) {
    throw new ForecastInputError('cells', `hold minutes outside [from, to): ${new Date(buckets[0]).toISOString()} … ${new Date(buckets[buckets.length - 1]).toISOString()}`);
  }
  const gaps = normalizeGaps(history.gaps ?? [], from, to);
  for (const g of gaps) {
    const inside = buckets.find((b) => b >= g.from && b < g.to);
    if (inside !== undefined) throw new ForecastInputError('gaps', `a gap holds a cell (${new Date(inside).toISOString()}): a gap is a stretch with no data`);
  }

  // Walk [from, to): quiet minutes, cells, gaps, in time order.
  let cursor = from;
  let g = 0;
  const started = () => state.next !== null;
  const quietUntil = (until: number) => {
    if (until <= cursor) return;
    if (!started()) observeMinute(state, { bucket: cursor, offered: 0 });
    observeEmpty(state, until);
    cursor = until;
  };
  for (const b of buckets) {
    while (g < gaps.length && gaps[g].from <= b) {
      quietUntil(gaps[g].from);
      observeGap(state, gaps[g].to);
      cursor = gaps[g++].to;
    }
    quietUntil(b);
    observeMinute(state, byMinute.get(b)!);
    cursor = b + MINUTE_MS;
  }
  for (; g < gaps.length; g++) {
    quietUntil(gaps[g].from);
    observeGap(state, gaps[g].to);
    cursor = gaps[g].to;
  }
  quietUntil(to);
  return state;
}

/** Gaps widened to whole minutes, clipped to [from, to), sorted and merged. */
function normalizeGaps(gaps: Iterable<{ from: number; to: number }>, from: number, to: number): Array<{ from: number; to: number }> {
  const out: Array<{ from: number; to: number }> = [];
  let i = 0;
  for (const g of gaps) {
    if (typeof g !== 'object' || g === null || !Number.isFinite(g.from) || !Number.isFinite(g.to) || g.to < g.from) {
      throw new ForecastInputError(`gaps[${i}]`, 'must be { from, to } in epoch ms with from ≤ to');
    }
    i++;
    const a = Math.max(from, minuteOf(g.from));
    const z = Math.min(to, g.to === minuteOf(g.to) ? g.to : minuteOf(g.to) + MINUTE_MS);
    if (a < z) out.push({ from: a, to: z });
  }
  out.sort((x, y) => x.from - y.from);
  const merged: Array<{ from: number; to: number }> = [];
  for (const g of out) {
    const last = merged[merged.length - 1];
    if (last && g.from <= last.to) last.to = Math.max(last.to, g.to);
    else merged.push({ ...g });
  }
  return merged;
}
