import type { MetricsRow } from '../contract/api.js';
import type { QaLevel, RollupCell } from '../storage/storage.js';
import { BUCKET_MS } from './appeal-story.js';
import { MetricAccumulator, type SlPolicyOf } from './finalize.js';

export const GROUP_KEYS = ['queue', 'channel', 'operator'] as const;
export type GroupKey = (typeof GROUP_KEYS)[number];

export interface HistoryQuery {
  from: number;
  to: number;
  groupBy: GroupKey[];
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
 * Turns rollup cells into history rows: one per group (and per interval when asked), with QA as the
 * level at the end of each row's interval (QA at `from`, plus the open/close deltas up to the end).
 */
export function buildHistory(cells: Iterable<RollupCell>, qaAtFrom: QaLevel[], q: HistoryQuery, slPolicyOf: SlPolicyOf): MetricsRow[] {
  const groupOf = (c: { queue: string; channel: string; operator?: string }) => q.groupBy.map((k) => c[k] ?? '').join('\u0001');
  const step = q.intervalMs ?? Math.max(q.to - q.from, BUCKET_MS);
  const slot = (bucket: number) => (q.intervalMs ? bucket - (((bucket % step) + step) % step) : q.from);

  interface Group {
    keys: Record<string, string>;
    slots: Map<number, MetricAccumulator>;
    qaStart: number;
  }
  const groups = new Map<string, Group>();
  const group = (c: { queue: string; channel: string; operator?: string }) => {
    const g = groupOf(c);
    let gr = groups.get(g);
    if (!gr) {
      gr = { keys: Object.fromEntries(q.groupBy.map((k) => [k, c[k] ?? ''])), slots: new Map(), qaStart: 0 };
      groups.set(g, gr);
    }
    return gr;
  };

  for (const c of cells) {
    if (c.bucket < q.from || c.bucket >= q.to) continue;
    const gr = group(c);
    const s = slot(c.bucket);
    let acc = gr.slots.get(s);
    if (!acc) gr.slots.set(s, (acc = new MetricAccumulator()));
    acc.add(c.counters, slPolicyOf(c.queue, c.channel));
  }
  if (q.level === 'queue') for (const l of qaAtFrom) if (l.qa !== 0) group(l).qaStart += l.qa;

  const slots = q.intervalMs ? Math.ceil((q.to - slot(q.from)) / step) : 1;
  if (q.maxRows !== undefined && groups.size * slots > q.maxRows) {
    throw new TooManyRowsError(`${groups.size} groups × ${slots} intervals is more than ${q.maxRows} rows; narrow the range or the grouping, or widen the interval`);
  }
  const rows: MetricsRow[] = [];
  for (const gr of groups.values()) {
    const starts = q.intervalMs ? denseSlots(slot(q.from), q.to, step) : [q.from];
    let qa = gr.qaStart;
    for (const s of starts) {
      const acc = gr.slots.get(s) ?? new MetricAccumulator();
      if (q.level === 'queue') qa += acc.counters().qaDelta;
      acc.qa = q.level === 'queue' ? qa : 0;
      const end = q.intervalMs ? s + step : q.to;
      const row: MetricsRow = {
        ...gr.keys,
        ...(q.intervalMs ? { bucket: new Date(s).toISOString() } : {}),
        final: q.finalBefore !== undefined && end <= q.finalBefore,
        ...acc.values(),
      };
      rows.push(row);
    }
  }
  return rows.sort((a, b) => (a.bucket ?? '').localeCompare(b.bucket ?? '') || compareKeys(a, b));
}

function denseSlots(first: number, to: number, step: number): number[] {
  const out = [];
  for (let s = first; s < to; s += step) out.push(s);
  return out;
}

function compareKeys(a: MetricsRow, b: MetricsRow): number {
  for (const k of GROUP_KEYS) {
    const d = (a[k] ?? '').localeCompare(b[k] ?? '');
    if (d) return d;
  }
  return 0;
}
