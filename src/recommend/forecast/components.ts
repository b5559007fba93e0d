/**
 * What each method says about one future minute, read from the state: recent flow (holt.ts), the
 * seasonal profile scaled by today's level (profile.ts), and the prior. Shared by the forecast and by
 * the state's own error tracking, so both judge the same numbers.
 */
import { holtRate, type HoltState } from './holt.js';
import type { ForecastOptions } from './options.js';
import { profileRead, type ProfileState } from './profile.js';
import { MINUTE_MS, SLOT_MINUTES, slotOfWeek, weekOf } from './time.js';

/** The parts of the state the methods read. */
export interface ComponentState {
  options: ForecastOptions;
  /** End of the last minute seen: recent flow's leads count from it. */
  seenUntil: number | null;
  recent: HoltState;
  profile: ProfileState;
  level: { observed: number; expected: number };
}

/** Recent flow's arrivals in minute `m` (after the last minute seen), or null before any minute was seen. */
export function recentRate(s: ComponentState, m: number): number | null {
  if (s.recent.minutes === 0 || s.seenUntil === null) return null;
  return holtRate(s.recent, (m - s.seenUntil) / MINUTE_MS + 1, s.options.recent.phi);
}

/**
 * The profile's arrivals in minute `m` (a fifteenth of its slot), unscaled, from the weeks before m's
 * week; null when none saw the slot.
 */
export function profileRate(s: ComponentState, m: number): number | null {
  const v = profileRead(s.profile, slotOfWeek(m, s.options), s.options.seasonal.neighbourWeight, weekOf(m, s.options));
  return v === null ? null : v / SLOT_MINUTES;
}

/**
 * How today's flow compares with the profile over the same recent minutes: (observed + c) ÷ (expected + c),
 * both exponentially weighted over `levelWindowMinutes`, with c = `levelPseudoCount` arrivals on each
 * side so a quiet hour or a handful of appeals moves it little (the damping), and bounded.
 */
export function levelCorrection(s: ComponentState): number {
  const o = s.options.seasonal;
  const r = (s.level.observed + o.levelPseudoCount) / (s.level.expected + o.levelPseudoCount);
  return Math.min(o.levelMax, Math.max(o.levelMin, r));
}

/** Seasonal arrivals in minute `m`: the profile × the level correction, or null without a past week. */
export function seasonalRate(s: ComponentState, m: number, correction = levelCorrection(s)): number | null {
  const p = profileRate(s, m);
  return p === null ? null : p * correction;
}
