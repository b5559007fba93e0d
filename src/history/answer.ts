import { historyRows, TooManyRowsError, type HistoryShape } from '../metrics/history.js';
import type { HistoryAggregate, HistoryQuery, QaLevel, RollupCell } from '../storage/storage.js';
import type { MetricsRow } from '../contract/api.js';

/** One history question, with what the main thread holds that storage does not have yet. */
export interface HistoryRequest {
  /** Its limit follows from shape.maxRows. */
  query: Omit<HistoryQuery, 'limit'>;
  /** Deltas not yet committed, inside the range: the store adds them in (read-your-writes). */
  pending: RollupCell[];
  /** Open/close deltas not yet committed before `from`, per queue × channel: added to the stored QA level. */
  pendingQa: QaLevel[];
  shape: HistoryShape;
}

/** The reads an answer needs: a storage, or the history thread's way to one. */
export interface HistoryReads {
  queryHistory(q: HistoryQuery, pending: readonly RollupCell[]): Promise<HistoryAggregate[]>;
  qaLevels(q: { tenant: string; at: number; queue?: string; channel?: string }): Promise<QaLevel[]>;
}

/**
 * The answer to GET /v1/metrics, serialized: aggregates from the store, turned into rows and JSON where
 * this runs (the history thread, so none of it takes the event loop that serves ingest and the live
 * stream). One aggregate more than rows allowed tells the answer is too big without fetching it all.
 */
export async function answerHistory(reads: HistoryReads, r: HistoryRequest): Promise<string> {
  return JSON.stringify({ rows: await historyAnswerRows(reads, r) });
}

/** The rows of that answer (an export writes them to its file as they come). */
export async function historyAnswerRows(reads: HistoryReads, r: HistoryRequest): Promise<MetricsRow[]> {
  const { query: q, shape } = r;
  const maxRows = shape.maxRows ?? Number.MAX_SAFE_INTEGER - 1;
  const [aggregates, stored] = await Promise.all([
    reads.queryHistory({ ...q, limit: maxRows + 1 }, r.pending),
    q.level === 'queue' ? reads.qaLevels({ tenant: q.tenant, at: q.from, queue: q.queue, channel: q.channel }) : Promise.resolve([]),
  ]);
  if (aggregates.length > maxRows) throw new TooManyRowsError(`more than ${maxRows} rows; narrow the range or the grouping, or widen the interval`);
  return historyRows(aggregates, mergeQa(stored, r.pendingQa), shape);
}

/** QA levels at `from`: the stored ones plus the deltas not yet committed, per queue × channel. */
export function mergeQa(stored: readonly QaLevel[], pending: readonly QaLevel[]): QaLevel[] {
  const byKey = new Map<string, QaLevel>();
  const key = (l: QaLevel) => `${l.queue}\u0001${l.channel}`;
  for (const l of stored) byKey.set(key(l), { ...l });
  for (const l of pending) {
    const known = byKey.get(key(l));
    if (known) known.qa += l.qa;
    else byKey.set(key(l), { ...l });
  }
  return [...byKey.values()];
}
