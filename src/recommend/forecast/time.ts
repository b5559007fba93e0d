/**
 * Calendar arithmetic of the forecast: minutes, 15-minute slots, weekdays and weeks, in the center's
 * local time given as a fixed offset from UTC. A fixed offset (not a time-zone name) keeps this pure and
 * fast; a center that changes clocks for summer time passes the offset in force, and the profile's slots
 * then shift by an hour for the week or two it takes to relearn them.
 */

export const MINUTE_MS = 60_000;
export const SLOT_MINUTES = 15;
export const SLOT_MS = SLOT_MINUTES * MINUTE_MS;
export const DAY_MS = 24 * 60 * MINUTE_MS;
export const SLOTS_PER_DAY = DAY_MS / SLOT_MS;
export const SLOTS_PER_WEEK = 7 * SLOTS_PER_DAY;

/** 1970-01-01 was a Thursday: day 0 is weekday 3 when Monday is 0. */
const EPOCH_WEEKDAY = 3;

const floorMod = (a: number, n: number): number => ((a % n) + n) % n;

/** Whether `ts` is the start of a minute (what rollup buckets are). */
export const isMinute = (ts: number): boolean => Number.isSafeInteger(ts) && floorMod(ts, MINUTE_MS) === 0;

/** The start of the minute holding `ts`. */
export const minuteOf = (ts: number): number => ts - floorMod(ts, MINUTE_MS);

/** Local-time calendar of one center. */
export interface Calendar {
  /** Local time = UTC + this many minutes. */
  utcOffsetMinutes: number;
}

const localMs = (ts: number, cal: Calendar): number => ts + cal.utcOffsetMinutes * MINUTE_MS;

/** Days since 1970-01-01 in local time. */
const localDay = (ts: number, cal: Calendar): number => Math.floor(localMs(ts, cal) / DAY_MS);

/** Weekday of `ts` in local time, Monday = 0 … Sunday = 6. */
export const weekdayOf = (ts: number, cal: Calendar): number => floorMod(localDay(ts, cal) + EPOCH_WEEKDAY, 7);

/**
 * Slot of the week holding `ts`: Monday 00:00–00:15 local is 0, Sunday 23:45–24:00 is 671. The seasonal
 * profile is indexed by it.
 */
export const slotOfWeek = (ts: number, cal: Calendar): number =>
  weekdayOf(ts, cal) * SLOTS_PER_DAY + Math.floor(floorMod(localMs(ts, cal), DAY_MS) / SLOT_MS);

/** Weeks (Monday to Sunday, local) since the week holding 1970-01-01; what ages a profile entry. */
export const weekOf = (ts: number, cal: Calendar): number => Math.floor((localDay(ts, cal) + EPOCH_WEEKDAY) / 7);

/** Start (epoch ms) of the local 15-minute clock slot holding `ts`. */
export const slotStartOf = (ts: number, cal: Calendar): number => ts - floorMod(localMs(ts, cal), SLOT_MS);
