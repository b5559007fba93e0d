/**
 * Times as the API takes them (`from`, `to`, and the CLI's --from/--to): epoch milliseconds, or ISO 8601
 * (a date, or a date and time with an optional zone; without one it is the server's local time). Only
 * these two forms: Date.parse alone also takes "-1" (as 2001-01-01), "1 2" or "March 7".
 */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

export const TIME_MIN = Date.UTC(2000, 0, 1);
export const TIME_MAX = Date.UTC(2100, 0, 1);

export type TimeParse = { ok: true; ms: number } | { ok: false; problem: 'format' | 'range'; ms: number };

export function parseApiTime(text: string): TimeParse {
  const ms = /^\d{1,16}$/.test(text) ? Number(text) : ISO_TIME.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) return { ok: false, problem: 'format', ms };
  if (ms < TIME_MIN || ms > TIME_MAX) return { ok: false, problem: 'range', ms };
  return { ok: true, ms };
}
