/**
 * The history parameters of GET /v1/metrics, and of the exports that write the same rows (POST /v1/jobs):
 * the range, the filters, the grouping and the interval, each fault named by its field.
 */
import { Type, type Static } from '@sinclair/typebox';
import { BUCKET_MS } from '../metrics/appeal-story.js';
import { GROUP_KEYS, type GroupKey, type HistoryShape } from '../metrics/history.js';
import { NAME_MAX_LENGTH } from '../contract/event.js';
import { parseApiTime } from '../contract/time.js';
import type { ErrorDetail } from './errors.js';
import { nameParam } from './query.js';

export const HISTORY_PARAMS = {
  from: Type.Optional(Type.String({ description: 'ISO 8601 or epoch ms; default: `to` minus one hour' })),
  to: Type.Optional(Type.String({ description: 'ISO 8601 or epoch ms, exclusive; default: now' })),
  queue: Type.Optional(Type.String()),
  channel: Type.Optional(Type.String()),
  operator: Type.Optional(Type.String()),
  groupBy: Type.Optional(Type.String({ description: 'comma list of queue, channel, operator, team (the teams of the settings); default: queue,channel' })),
  interval: Type.Optional(Type.String({ description: 'row interval: 1m, 5m, 15m, 1h, 1d, …, counted from `from` (no row starts before it); default: one row per group' })),
};

export const HistoryQuerySchema = Type.Object(HISTORY_PARAMS, { additionalProperties: false });
export type HistoryParamsIn = Static<typeof HistoryQuerySchema>;

export interface HistoryParams {
  queue?: string;
  channel?: string;
  operator?: string;
  /** On minute edges: cells are whole minutes, so the range is widened to them (a partial minute is not lost). */
  shape: Pick<HistoryShape, 'from' | 'to' | 'groupBy' | 'intervalMs' | 'level'>;
}

const UNIT_MS: ReadonlyMap<string, number> = new Map([['m', 60_000], ['h', 3_600_000], ['d', 86_400_000]]);
/** An interval longer than the whole time range (2000–2100) is a mistake; longer still, it overflows the row times. */
const MAX_INTERVAL_MS = 36_600 * 86_400_000;

/** The parameters as history takes them; faults go to `errors` (the result is then not to be used). */
export function historyParams(q: HistoryParamsIn, now: number, maxIntervals: number, errors: ErrorDetail[]): HistoryParams {
  const to = q.to === undefined ? now : parseTime(q.to, '/to', errors);
  const from = q.from === undefined ? to - 3_600_000 : parseTime(q.from, '/from', errors);
  if (!errors.length && from >= to) errors.push({ path: '/from', message: 'must be before to' });
  const queue = nameParam(q.queue, '/queue', NAME_MAX_LENGTH.queue, errors);
  const channel = nameParam(q.channel, '/channel', NAME_MAX_LENGTH.channel, errors);
  const operator = nameParam(q.operator, '/operator', NAME_MAX_LENGTH.operatorId, errors);
  const groupBy = [...new Set((q.groupBy ?? (q.operator !== undefined ? 'operator' : 'queue,channel')).split(',').map((s) => s.trim()).filter(Boolean))];
  const unknown = groupBy.filter((g) => !GROUP_KEYS.includes(g as GroupKey));
  if (unknown.length) {
    const shown = unknown.slice(0, 3).map((g) => `"${g.length > 40 ? `${g.slice(0, 40)}…` : g}"`).join(', ');
    errors.push({ path: '/groupBy', message: `unknown key${unknown.length > 1 ? 's' : ''} ${shown}${unknown.length > 3 ? ` and ${unknown.length - 3} more` : ''}; use queue, channel, operator, team` });
  }
  let intervalMs: number | undefined;
  if (q.interval !== undefined) {
    const m = /^(\d{1,9})([mhd])$/.exec(q.interval);
    intervalMs = m ? Number(m[1]) * UNIT_MS.get(m[2])! : undefined;
    if (!intervalMs) errors.push({ path: '/interval', message: 'must look like 1m, 5m, 15m, 1h or 1d' });
    else if (intervalMs > MAX_INTERVAL_MS) errors.push({ path: '/interval', message: 'must be at most 36600d' });
  }
  if (!errors.length && intervalMs && (to - from) / intervalMs > maxIntervals) {
    errors.push({ path: '/interval', message: `too small for the range: more than ${maxIntervals} rows` });
  }
  // a team is its operators: grouped by team, the operators' cells are read
  const level: 'queue' | 'operator' = operator !== undefined || groupBy.includes('operator') || groupBy.includes('team') ? 'operator' : 'queue';
  return {
    queue,
    channel,
    operator,
    shape: { from: Math.floor(from / BUCKET_MS) * BUCKET_MS, to: Math.ceil(to / BUCKET_MS) * BUCKET_MS, groupBy: groupBy as GroupKey[], intervalMs, level },
  };
}

const TIME_PROBLEMS = new Map([
  ['format', 'must be ISO 8601 with a time zone (e.g. 2026-11-21T10:00:00Z) or epoch milliseconds'],
  ['zone', 'must carry a time zone (e.g. 2026-11-21T10:00:00Z or 2026-11-21T13:00:00+03:00), or be epoch milliseconds'],
  ['date', 'is not a date (no such day or time, e.g. 2026-02-30 or 24:00)'],
  ['range', 'must be between 2000-01-01 and 2100-01-01'],
]);

/** A time parameter of the API: epoch ms, or ISO 8601 with its zone, naming a day and time that exist. */
export function parseTime(v: string, path: string, errors: ErrorDetail[]): number {
  const t = parseApiTime(v, { zone: 'required' });
  if (!t.ok) errors.push({ path, message: TIME_PROBLEMS.get(t.problem)! });
  return t.ms;
}
