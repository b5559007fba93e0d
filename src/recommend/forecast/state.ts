/**
 * The forecast state of one queue × channel, kept minute by minute: recent flow, the seasonal profile,
 * today's level against the profile, the handle-time average and the methods' tracked errors. It is a
 * plain JSON object (a checkpoint can hold it; structuredClone copies it) that the functions here update
 * in place, so the engine keeps it live at the cost of a few multiplications per closed minute.
 *
 * Minutes are fed in order, once each, after they are settled (past the engine's allowed lateness):
 * the state does not take corrections. A minute the engine skips is a minute with no appeals, the way
 * rollups leave out empty cells; a stretch with no data at all (ccpulse or the channel was down) is
 * declared with observeGap, and then counts for nothing rather than for zeros.
 */
import { newErrors, notePending, scoreSlot, type ErrorState, type PendingScore } from './blend.js';
import { levelCorrection, profileRate, recentRate } from './components.js';
import { checkRange, ForecastInputError } from './errors.js';
import { newHolt, holtStep, type HoltState } from './holt.js';
import { LEAD_SLOTS, resolveOptions, type ForecastOptions, type ForecastOptionsInput } from './options.js';
import { newProfile, profileAdd, type ProfileState } from './profile.js';
import { isMinute, MINUTE_MS, SLOT_MINUTES, SLOT_MS, slotOfWeek, slotStartOf, weekOf } from './time.js';
import type { MinuteCell } from './types.js';

export interface ForecastState {
  version: 1;
  options: ForecastOptions;
  /** The first minute not yet fed (epoch ms); null before the first. */
  next: number | null;
  /** The end of the last minute seen (not a gap); null before the first. Between it and `next`, a gap. */
  seenUntil: number | null;
  recent: HoltState;
  profile: ProfileState;
  /**
   * The local 15-minute clock slot being filled: its start, arrivals so far, minutes seen, and the
   * profile's arrivals per minute for it as it stood when the slot began (null: no past week).
   */
  slot: { start: number; arrivals: number; minutes: number; expected: number | null } | null;
  /** Exponentially weighted arrivals seen and arrivals the profile expected, over the same minutes. */
  level: { observed: number; expected: number };
  /** Exponentially weighted handle seconds and handled appeals. */
  aht: { handleSec: number; handled: number };
  errors: ErrorState;
}

export function createForecastState(options?: ForecastOptionsInput): ForecastState {
  return {
    version: 1,
    options: resolveOptions(options),
    next: null,
    seenUntil: null,
    recent: newHolt(),
    profile: newProfile(),
    slot: null,
    level: { observed: 0, expected: 0 },
    aht: { handleSec: 0, handled: 0 },
    errors: newErrors(),
  };
}

/**
 * The most appeals one minute of one queue × channel may hold: far above any center (a billion a
 * minute), low enough that squares of hour sums stay finite in the error tracking. Beyond it is a bug
 * upstream, and is refused rather than allowed to turn every forecast into Infinity.
 */
export const MAX_PER_MINUTE = 1e9;
/** The longest handle time of one appeal, seconds: a week, as the staffing calculation accepts. */
const MAX_HANDLE_SEC = 7 * 86_400;

/** Checks a cell's fields; returns them with the optional ones filled. */
export function checkCell(cell: MinuteCell, field = 'cell'): Required<MinuteCell> {
  if (typeof cell !== 'object' || cell === null) throw new ForecastInputError(field, 'must be an object');
  if (!isMinute(cell.bucket)) throw new ForecastInputError(`${field}.bucket`, `must be the epoch-ms start of a minute, got ${String(cell.bucket)}`);
  const offered = checkRange(`${field}.offered`, cell.offered, 0, MAX_PER_MINUTE);
  const handled = checkRange(`${field}.handled`, cell.handled ?? 0, 0, MAX_PER_MINUTE);
  const handleSec = checkRange(`${field}.handleSec`, cell.handleSec ?? 0, 0, MAX_PER_MINUTE * MAX_HANDLE_SEC);
  return { bucket: cell.bucket, offered, handleSec, handled };
}

/**
 * Feed one settled minute. Minutes between the last one fed and this one had no appeals (the rollups
 * keep no empty cells) and are fed as zeros first. Returns the state, updated in place.
 */
export function observeMinute(state: ForecastState, cell: MinuteCell): ForecastState {
  const c = checkCell(cell);
  if (state.next !== null && c.bucket < state.next) {
    throw new ForecastInputError('cell.bucket', `${new Date(c.bucket).toISOString()} is before the next minute expected, ${new Date(state.next).toISOString()}: minutes go in order, once each`);
  }
  if (state.next !== null) fillEmpty(state, c.bucket);
  step(state, c.bucket, c.offered, c.handleSec, c.handled);
  return state;
}

/** Minutes [next, until) had no appeals (an idle night, a quiet queue). */
export function observeEmpty(state: ForecastState, until: number): ForecastState {
  checkUntil(state, until);
  if (state.next === null) throw new ForecastInputError('until', 'the state has seen no minute yet: feed the first one with observeMinute');
  fillEmpty(state, until);
  return state;
}

/**
 * Minutes [next, until) have no data at all: they count for nothing (no zeros in the profile, no
 * scored forecasts). What was learned before ages by the gap's length, and after a gap of
 * `resetAfterGapMinutes` or more recent flow starts over; both are applied when the next minute comes
 * (and by forecasts meanwhile, see afterGap), measured from the last minute seen, so a gap declared in
 * pieces does exactly what it does declared whole.
 */
export function observeGap(state: ForecastState, until: number): ForecastState {
  checkUntil(state, until);
  if (state.next !== null && until > state.next) state.slot = null;
  state.next = until;
  return state;
}

/** Minutes of gap between the last minute seen and `at`. */
export const gapMinutes = (state: ForecastState, at: number | null): number =>
  state.seenUntil === null || at === null ? 0 : Math.max(0, (at - state.seenUntil) / MINUTE_MS);

/** Ages the level and AHT sums by `minutes` of gap and restarts recent flow after a long one (in place). */
export function applyGap(target: Pick<ForecastState, 'recent' | 'level' | 'aht'>, minutes: number, o: ForecastOptions): void {
  if (minutes <= 0) return;
  const levelKeep = (1 - 1 / o.seasonal.levelWindowMinutes) ** minutes;
  target.level.observed *= levelKeep;
  target.level.expected *= levelKeep;
  const ahtKeep = (1 - 1 / o.aht.windowMinutes) ** minutes;
  target.aht.handleSec *= ahtKeep;
  target.aht.handled *= ahtKeep;
  if (minutes >= o.recent.resetAfterGapMinutes) target.recent = newHolt();
}

/** The state as the next minute will find it after a pending gap: a copy when there is one, else the state itself. */
export function afterGap(state: ForecastState): ForecastState {
  const minutes = gapMinutes(state, state.next);
  if (minutes === 0) return state;
  const view = { ...state, recent: { ...state.recent }, level: { ...state.level }, aht: { ...state.aht }, seenUntil: state.next };
  applyGap(view, minutes, state.options);
  return view;
}

function checkUntil(state: ForecastState, until: number): void {
  if (!isMinute(until)) throw new ForecastInputError('until', `must be the epoch-ms start of a minute, got ${String(until)}`);
  if (state.next !== null && until < state.next) throw new ForecastInputError('until', `is before the next minute expected, ${new Date(state.next).toISOString()}`);
}

function fillEmpty(state: ForecastState, until: number): void {
  for (let m = state.next!; m < until; m += MINUTE_MS) step(state, m, 0, 0, 0);
}

/** Everything one minute changes. */
function step(state: ForecastState, m: number, arrivals: number, handleSec: number, handled: number): void {
  const o = state.options;
  applyGap(state, gapMinutes(state, m), o);

  // Today's level against the profile over the same minutes; the profile is read as of this week, so
  // past weeks only. Read once per clock slot: it does not change within one.
  const start = slotStartOf(m, o);
  if (state.slot === null || state.slot.start !== start) state.slot = { start, arrivals: 0, minutes: 0, expected: profileRate(state, start) };
  const expected = state.slot.expected;
  const levelKeep = 1 - 1 / o.seasonal.levelWindowMinutes;
  state.level.observed *= levelKeep;
  state.level.expected *= levelKeep;
  if (expected !== null) {
    state.level.observed += arrivals;
    state.level.expected += expected;
  }

  holtStep(state.recent, arrivals, o.recent);

  const ahtKeep = 1 - 1 / o.aht.windowMinutes;
  state.aht.handleSec = state.aht.handleSec * ahtKeep + handleSec;
  state.aht.handled = state.aht.handled * ahtKeep + handled;

  state.slot.arrivals += arrivals;
  state.slot.minutes++;
  state.next = m + MINUTE_MS;
  state.seenUntil = state.next;

  if (state.next === start + SLOT_MS) {
    // The clock slot is over. Only a slot seen whole goes into the profile and scores forecasts.
    if (state.slot.minutes === SLOT_MINUTES) {
      profileAdd(state.profile, slotOfWeek(start, o), weekOf(start, o), state.slot.arrivals, o.seasonal.weekDecay);
      scoreSlot(state.errors, start, state.slot.arrivals, o.blend.errorDecay);
    }
    state.slot = null;
    noteForecasts(state);
  }
}

/** At a slot boundary: both methods' forecasts of the next four slots, to be scored when each completes. */
function noteForecasts(state: ForecastState): void {
  const origin = state.next!;
  const scores: PendingScore[] = [];
  // Recent flow is scored once it is warmed up: its first minutes say little and are not what it is
  // judged on when it matters.
  if (state.recent.minutes >= state.options.recent.warmupMinutes) {
    const correction = levelCorrection(state);
    for (let k = 0; k < LEAD_SLOTS; k++) {
      const slotStart = origin + k * SLOT_MS;
      // The origin is on a clock slot boundary, so each slot ahead is one slot of the profile.
      const profile = profileRate(state, slotStart);
      if (profile === null) continue;
      let recent = 0;
      for (let m = slotStart; m < slotStart + SLOT_MS; m += MINUTE_MS) recent += recentRate(state, m)!;
      scores.push({ slotStart, lead: k, recent, seasonal: profile * correction * SLOT_MINUTES });
    }
  }
  notePending(state.errors, origin, scores);
}
