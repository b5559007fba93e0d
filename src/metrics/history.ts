import type { MetricsRow } from '../contract/api.js';
import type { GroupKey, HistoryAggregate, QaLevel, RollupCell } from '../storage/storage.js';
import { type Counters, addCounters, emptyCounters } from './counters.js';
import { metricValues, type SlPolicyOf } from './finalize.js';
import { binLowerSec, histCount, histCountBelow, histPercentileBin } from './wait-histogram.js';

export const GROUP_KEYS = ['queue', 'channel', 'operator', 'team'] as const satisfies readonly GroupKey[];
export type { GroupKey };

export interface HistoryShape {
  from: number;
  to: number;
  groupBy: readonly GroupKey[];
  /** Row interval in ms (a whole number of minutes); absent: one row per group over the whole range. */
  intervalMs?: number;
  level: 'queue' | 'operator';
  /** Rows whose interval ends at or before this are final (see MetricsRow.final). */
  finalBefore?: number;
  /** The most rows an answer may have (groups × intervals); more throws TooManyRowsError. */
  maxRows?: number;
}

export class TooManyRowsError extends Error {}

/**
 * The row a minute falls in: intervals counted from `from` (10:07 by the hour gives 10:07, 11:07, …), so
 * no row starts before the range asked for, and a day's hours in a zone half an hour off UTC are its own.
 */
const slotOf = (q: HistoryShape, bucket: number) => (q.intervalMs ? q.from + Math.floor((bucket - q.from) / q.intervalMs) * q.intervalMs : q.from);
const groupKeyOf = (keys: readonly GroupKey[], c: Partial<Record<GroupKey, string>>) => keys.map((k) => c[k] ?? '').join('\u0001');

/**
 * Turns aggregates (one per group × slot, from storage) into history rows: every interval of every group
 * present (empty ones included), QA as the level at the end of each row's interval — the level at `from`
 * plus the open/close deltas up to the end. Work in proportion to the answer.
 */
export function historyRows(aggregates: readonly HistoryAggregate[], qaAtFrom: readonly QaLevel[], q: HistoryShape): MetricsRow[] {
  interface Group {
    keys: Partial<Record<GroupKey, string>>;
    slots: Map<number, HistoryAggregate>;
    qaStart: number;
  }
  const groups = new Map<string, Group>();
  const group = (c: Partial<Record<GroupKey, string>>) => {
    const k = groupKeyOf(q.groupBy, c);
    let g = groups.get(k);
    if (!g) {
      g = { keys: Object.fromEntries(q.groupBy.map((key) => [key, c[key] ?? ''])), slots: new Map(), qaStart: 0 };
      groups.set(k, g);
    }
    return g;
  };
  for (const a of aggregates) group(a).slots.set(a.slot, a);
  if (q.level === 'queue') for (const l of qaAtFrom) if (l.qa !== 0) group(l).qaStart += l.qa;

  const step = q.intervalMs;
  const first = slotOf(q, q.from);
  const slots = step ? Math.ceil((q.to - first) / step) : 1;
  if (q.maxRows !== undefined && groups.size * slots > q.maxRows) {
    throw new TooManyRowsError(`${groups.size} groups × ${slots} intervals is more than ${q.maxRows} rows; narrow the range or the grouping, or widen the interval`);
  }
  const rows: MetricsRow[] = [];
  for (const g of groups.values()) {
    let qa = g.qaStart;
    for (let i = 0; i < slots; i++) {
      const s = step ? first + i * step : q.from;
      const a = g.slots.get(s);
      if (q.level === 'queue') qa += a?.qaDelta ?? 0;
      const end = step ? s + step : q.to;
      rows.push({
        ...g.keys,
        ...(step ? { bucket: new Date(s).toISOString() } : {}),
        final: q.finalBefore !== undefined && end <= q.finalBefore,
        ...metricValues(a ? sumsOf(a) : EMPTY, q.level === 'queue' ? qa : 0),
      });
    }
  }
  return rows.sort((a, b) => (a.bucket ?? '').localeCompare(b.bucket ?? '') || compareKeys(a, b));
}

const secOf = (bin: number | null) => (bin === null ? null : binLowerSec(bin));
const sumsOf = (a: HistoryAggregate) => ({
  ...a,
  waitP50Sec: secOf(a.waitP50Bin),
  waitP90Sec: secOf(a.waitP90Bin),
  waitP95Sec: secOf(a.waitP95Bin),
  longestWaitSec: secOf(a.longestBin),
});
const EMPTY = { offered: 0, aa: 0, ha: 0, missed: 0, waitSumMs: 0, waitCount: 0, handleSumMs: 0, handleCount: 0, slWithin: 0, slTotal: 0, waitP50Sec: null, waitP90Sec: null, waitP95Sec: null, longestWaitSec: null };

/**
 * The same aggregation as the storage's, over cells in memory: the definition the database's SQL is
 * tested against, and what tests of the stream alone read history with.
 */
export function aggregateCells(cells: Iterable<RollupCell>, q: HistoryShape, slPolicyOf: SlPolicyOf, teams: ReadonlyArray<readonly [string, string]> = []): HistoryAggregate[] {
  const teamOf = new Map(teams);
  const acc = new Map<string, { keys: Partial<Record<GroupKey, string>>; slot: number; c: Counters; slWithin: number; slTotal: number }>();
  for (const cell of cells) {
    if (cell.bucket < q.from || cell.bucket >= q.to) continue;
    const slot = slotOf(q, cell.bucket);
    const keyed = groupKeysOf(cell, teamOf);
    const key = `${groupKeyOf(q.groupBy, keyed)}\u0002${slot}`;
    let a = acc.get(key);
    if (!a) acc.set(key, (a = { keys: Object.fromEntries(q.groupBy.map((k) => [k, keyed[k]])), slot, c: emptyCounters(), slWithin: 0, slTotal: 0 }));
    addCounters(a.c, cell.counters);
    const policy = slPolicyOf(cell.queue, cell.channel);
    a.slWithin += histCountBelow(cell.counters.waitHist, policy.targetSec);
    a.slTotal += histCount(cell.counters.waitHist);
    if (policy.abandonsCount) a.slTotal += histCount(cell.counters.abandonHist) - histCountBelow(cell.counters.abandonHist, policy.shortAbandonSec);
  }
  return [...acc.values()].map(({ keys, slot, c, slWithin, slTotal }) => {
    const maxBin = (h: Record<string, number>) => histPercentileBin(h, 100);
    const w = maxBin(c.waitHist);
    const ab = maxBin(c.abandonHist);
    return {
      ...keys,
      slot,
      offered: c.offered,
      aa: c.aa,
      ha: c.ha,
      missed: c.missed,
      waitSumMs: c.waitSumMs,
      waitCount: c.waitCount,
      handleSumMs: c.handleSumMs,
      handleCount: c.handleCount,
      qaDelta: c.qaDelta,
      slWithin,
      slTotal,
      waitP50Bin: histPercentileBin(c.waitHist, 50),
      waitP90Bin: histPercentileBin(c.waitHist, 90),
      waitP95Bin: histPercentileBin(c.waitHist, 95),
      longestBin: w === null ? ab : ab === null ? w : Math.max(w, ab),
    };
  });
}

/** A cell's value of each group key, its operator's team among them ('' for one in none). */
export const groupKeysOf = (cell: Pick<RollupCell, 'queue' | 'channel' | 'operator'>, teamOf: ReadonlyMap<string, string>): Record<GroupKey, string> => ({
  queue: cell.queue,
  channel: cell.channel,
  operator: cell.operator,
  team: teamOf.get(cell.operator) ?? '',
});

/** History rows from cells in memory (tests of the stream alone). */
export function buildHistory(cells: Iterable<RollupCell>, qaAtFrom: QaLevel[], q: HistoryShape, slPolicyOf: SlPolicyOf, teams?: ReadonlyArray<readonly [string, string]>): MetricsRow[] {
  return historyRows(aggregateCells(cells, q, slPolicyOf, teams), qaAtFrom, q);
}

/** The order of history rows: by interval, then by group keys. */
export function compareRows(a: MetricsRow, b: MetricsRow): number {
  return (a.bucket ?? '').localeCompare(b.bucket ?? '') || compareKeys(a, b);
}

/** A row of a group with nothing in its interval (no appeal, none open). */
export function emptyRow(keys: Partial<Record<GroupKey, string>>, bucket: number | undefined, final: boolean): MetricsRow {
  return { ...keys, ...(bucket !== undefined ? { bucket: new Date(bucket).toISOString() } : {}), final, ...metricValues(EMPTY, 0) };
}

function compareKeys(a: MetricsRow, b: MetricsRow): number {
  for (const k of GROUP_KEYS) {
    const d = (a[k] ?? '').localeCompare(b[k] ?? '');
    if (d) return d;
  }
  return 0;
}
