/**
 * The seasonal profile: expected arrivals in each 15-minute slot of the week (weekday × time of day,
 * local), learned from past weeks. A slot's value is a weighted mean of what that slot saw in each past
 * week, the latest week weighing 1, the one before `weekDecay`, then `weekDecay²`, …: as many weeks as
 * there are, the recent ones counting more. A week that did not see the slot (a gap in the data) adds
 * nothing; it does not count as a zero.
 *
 * Stored as plain arrays (one entry per slot of the week) so the state is JSON for checkpoints.
 */
import { SLOTS_PER_WEEK } from './time.js';

export interface ProfileState {
  /** Σ weight × arrivals of the slot, weights as of the week in `week`. */
  sum: number[];
  /** Σ weight. 0 = the slot was never seen. */
  weight: number[];
  /** Week of the last update of the slot (see weekOf), −1 never. */
  week: number[];
  /** sum and weight as they were before that update: the slot's past weeks, as seen from its own week. */
  prevSum: number[];
  prevWeight: number[];
}

const filled = (v: number) => new Array<number>(SLOTS_PER_WEEK).fill(v);

export const newProfile = (): ProfileState => ({ sum: filled(0), weight: filled(0), week: filled(-1), prevSum: filled(0), prevWeight: filled(0) });

/** Add one week's complete observation of a slot. */
export function profileAdd(p: ProfileState, slot: number, week: number, arrivals: number, weekDecay: number): void {
  p.prevSum[slot] = p.sum[slot];
  p.prevWeight[slot] = p.weight[slot];
  // Age what is there by the weeks gone since it was last updated, then add this week at weight 1.
  const age = p.week[slot] < 0 ? 0 : Math.max(0, week - p.week[slot]);
  const keep = weekDecay ** age;
  p.sum[slot] = p.sum[slot] * keep + arrivals;
  p.weight[slot] = p.weight[slot] * keep + 1;
  p.week[slot] = week;
}

/**
 * The slot's weighted mean over the weeks before `week` (default: over every week seen), or null when
 * none saw it. Forecasts read the profile as of the week they forecast, so a slot that already went by
 * this week does not lend this week's count to its neighbours: seasonal stays past weeks only. Only the
 * last update is remembered, so `week` must not be before the slot's last update (time moves forward).
 */
export function profileMean(p: ProfileState, slot: number, week = Infinity): number | null {
  const current = p.week[slot] < week;
  const w = current ? p.weight[slot] : p.prevWeight[slot];
  if (!(w > 0)) return null;
  return (current ? p.sum[slot] : p.prevSum[slot]) / w;
}

/**
 * The slot's expected arrivals (as of `week`), read through a [n, 1 − 2n, n] kernel over its
 * neighbours (n = `neighbourWeight`): with one or two past weeks a single slot is a noisy count, and
 * neighbouring slots of a smooth day carry the same rate. Neighbours no week saw drop out; the slot
 * itself must have been seen. The week wraps (Sunday 23:45 is next to Monday 00:00).
 */
export function profileRead(p: ProfileState, slot: number, neighbourWeight: number, week = Infinity): number | null {
  const own = profileMean(p, slot, week);
  if (own === null || neighbourWeight === 0) return own;
  let sum = (1 - 2 * neighbourWeight) * own;
  let weight = 1 - 2 * neighbourWeight;
  for (const s of [slot - 1, slot + 1]) {
    const v = profileMean(p, (s + SLOTS_PER_WEEK) % SLOTS_PER_WEEK, week);
    if (v === null) continue;
    sum += neighbourWeight * v;
    weight += neighbourWeight;
  }
  return sum / weight;
}
