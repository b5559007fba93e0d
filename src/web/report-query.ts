/**
 * The reports page's question, without the DOM: the days chosen (whole days on the center's clock),
 * the grouping and the interval, as GET /v1/metrics and POST /v1/jobs take them; the columns a report
 * shows; which numbers lead to the appeals behind them.
 */
import { dayStartIn, nextDayStartIn } from '../metrics/time-zone.js';

export type Interval = '' | '15m' | '1h' | '1d';
export type GroupKey = 'queue' | 'channel' | 'operator' | 'team';

export interface ReportForm {
  /** First and last day, YYYY-MM-DD, both included, on the center's clock. */
  fromDay: string;
  toDay: string;
  groupBy: GroupKey[];
  interval: Interval;
  queue: string;
  channel: string;
}

const DAY = 86_400_000;

/** Where day `ymd` (YYYY-MM-DD) begins in `tz`, epoch ms; NaN for a date that is not one. */
export function dayStart(ymd: string, tz: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(ymd);
  if (!m) return NaN;
  const noonUtc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12);
  if (new Date(noonUtc).toISOString().slice(0, 10) !== ymd) return NaN; // 2026-02-30
  return dayStartIn(noonUtc, tz);
}

/** The day (YYYY-MM-DD) that holds `t` in `tz`. */
export function dayOf(t: number, tz: string): string {
  const parts = new Map(new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(t).map((p) => [p.type, p.value]));
  return `${parts.get('year')}-${parts.get('month')}-${parts.get('day')}`;
}

/** The days of the zone's clock between `from` and `to`, as [start, end) pairs (a DST day has 23 or 25 hours). */
export function zoneDays(from: number, to: number, tz: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let at = from; at < to; ) {
    const end = Math.min(to, nextDayStartIn(at, tz));
    out.push([at, end]);
    at = end;
  }
  return out;
}

export type Preset = 'today' | 'yesterday' | 'last7' | 'last30';
export const PRESETS: readonly Preset[] = ['today', 'yesterday', 'last7', 'last30'];

/** The first and last day of a preset, as of `now` on the center's clock. */
export function presetDays(p: Preset, now: number, tz: string): { fromDay: string; toDay: string } {
  const today = dayOf(now, tz);
  const back = (days: number) => dayOf(dayStart(today, tz) - days * DAY + DAY / 2, tz);
  if (p === 'today') return { fromDay: today, toDay: today };
  if (p === 'yesterday') return { fromDay: back(1), toDay: back(1) };
  return { fromDay: back(p === 'last7' ? 6 : 29), toDay: today };
}

/** The parameters of the question, or what is wrong with the form. */
export function reportParams(f: ReportForm, tz: string): { params: Record<string, string> } | { problem: string } {
  const from = dayStart(f.fromDay, tz);
  const lastStart = dayStart(f.toDay, tz);
  if (!Number.isFinite(from)) return { problem: 'from: not a date' };
  if (!Number.isFinite(lastStart)) return { problem: 'to: not a date' };
  if (lastStart < from) return { problem: 'to: before from' };
  const to = nextDayStartIn(lastStart, tz); // the last day included: 23 or 25 hours on a DST day
  const params: Record<string, string> = { from: new Date(from).toISOString(), to: new Date(to).toISOString(), groupBy: f.groupBy.join(',') };
  if (f.interval) params.interval = f.interval;
  if (f.queue.trim()) params.queue = f.queue.trim();
  if (f.channel.trim()) params.channel = f.channel.trim();
  return { params };
}

/** The metric columns of a report, in order, and their labels. */
export const REPORT_METRICS: ReadonlyArray<[string, string]> = [
  ['offered', 'Offered'],
  ['aa', 'Answered'],
  ['ha', 'Handled'],
  ['missed', 'Abandoned'],
  ['slPct', 'SL %'],
  ['abandonPct', 'Abandon %'],
  ['awtSec', 'AWT'],
  ['ahtSec', 'AHT'],
  ['waitP50Sec', 'Wait p50'],
  ['waitP90Sec', 'Wait p90'],
  ['waitP95Sec', 'Wait p95'],
  ['longestWaitSec', 'Longest wait'],
  ['qa', 'Open at end'],
];

/** The numbers a click opens the appeals behind (GET /v1/appeals), by the `outcome` that selects them. */
export const DRILLABLE: ReadonlyMap<string, string> = new Map([
  ['offered', 'offered'],
  ['aa', 'aa'],
  ['ha', 'ha'],
  ['missed', 'missed'],
  // SL %: the appeals that missed it (answered late, or abandoned after the short-abandon threshold)
  ['slPct', 'outsideSl'],
  // an average or a percentile: the appeals it is taken over, each with its own wait or handling time
  ['abandonPct', 'missed'],
  ['awtSec', 'waited'],
  ['waitP50Sec', 'waited'],
  ['waitP90Sec', 'waited'],
  ['waitP95Sec', 'waited'],
  ['ahtSec', 'handled'],
  // the longest wait: the waits (answered or abandoned) in its histogram bin, see drillParams
  ['longestWaitSec', 'queued'],
  // a level, not a count: the appeals open at the end of the row's interval (queue × channel rows only)
  ['qa', 'open'],
]);

/** The GET /v1/appeals parameters that list the appeals behind `column`'s value `value`, or null for a number that has none. */
export function drillParams(column: string, value: unknown): Record<string, string> | null {
  const outcome = DRILLABLE.get(column);
  if (!outcome || typeof value !== 'number') return null;
  // the longest wait is the lower edge of its bin, so "waits from it on" are the waits in that bin
  if (column === 'longestWaitSec') return { outcome, minWaitSec: String(value) };
  return value > 0 ? { outcome } : null;
}

/** GET /v1/appeals answers for at most a day. */
export const DRILL_MAX_MS = 86_400_000;
