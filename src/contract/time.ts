/**
 * Times as the API takes them (`from`, `to`, and the CLI's --from/--to): epoch milliseconds, or ISO 8601
 * (a date, or a date and time with an optional zone; without one it is the server's local time). Only
 * these two forms: Date.parse alone also takes "-1" (as 2001-01-01), "1 2" or "March 7".
 */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

export const TIME_MIN = Date.UTC(2000, 0, 1);
export const TIME_MAX = Date.UTC(2100, 0, 1);

export type TimeParse = { ok: true; ms: number } | { ok: false; problem: 'format' | 'range' | 'date' | 'zone'; ms: number };

/**
 * `zone: 'required'` (the HTTP API): an ISO time must carry its zone, as events must: "10:00" alone
 * would be the server's 10:00, not the supervisor's. The CLI, typed by a person at the server, may leave it out.
 */
export function parseApiTime(text: string, opts: { zone?: 'required' | 'optional' } = {}): TimeParse {
  const epoch = /^\d{1,16}$/.test(text);
  const ms = epoch ? Number(text) : ISO_TIME.test(text) ? Date.parse(text) : NaN;
  if (!epoch && ISO_TIME.test(text) && !calendarValid(text)) return { ok: false, problem: 'date', ms: NaN };
  if (Number.isNaN(ms)) return { ok: false, problem: 'format', ms };
  if (!epoch && opts.zone === 'required' && !/(?:Z|[+-]\d{2}(?::?\d{2})?)$/i.test(text.slice(10))) return { ok: false, problem: 'zone', ms: NaN };
  if (ms < TIME_MIN || ms > TIME_MAX) return { ok: false, problem: 'range', ms };
  return { ok: true, ms };
}

/**
 * Whether the date and time an ISO 8601 text names exist: Date.parse rolls 2026-02-30 over to March 2
 * and takes 24:00 as the next midnight, so an impossible date would be read as another day.
 */
export function calendarValid(v: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/i.exec(v);
  if (!m) return false;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  const timeOk = m[4] === undefined || (h <= 23 && mi <= 59 && (Number.isNaN(s) || s <= 59));
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth && timeOk;
}
