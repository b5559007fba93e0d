/**
 * The forecast's constants, in one place, each with its default and its check. An option object given
 * to createForecastState / buildForecastState overrides them field by field and is kept in the state,
 * so a checkpoint goes on with the constants it was built with.
 */
import { checkRange, ForecastInputError } from './errors.js';

/** The four 15-minute slots of the hour ahead: lead slot 0 is [now, now + 15 min). */
export const LEAD_SLOTS = 4;

export interface ForecastOptions {
  /** Local time = UTC + this; weekdays and 15-minute slots of the profile are local. */
  utcOffsetMinutes: number;
  recent: {
    /** Smoothing of the level, per minute: ~2/α − 1 minutes of memory (65 at 0.03). */
    alpha: number;
    /** Smoothing of the trend, per minute. */
    beta: number;
    /** Trend damping per minute ahead: the trend's total reach is φ/(1 − φ) minutes. */
    phi: number;
    /** Minutes of flow before the recent level is trusted fully; until then it shares with seasonal or the prior. */
    warmupMinutes: number;
    /** A gap in the data this long (minutes) makes the level stale: recent flow starts over. */
    resetAfterGapMinutes: number;
  };
  seasonal: {
    /** Weight of a week relative to the week after it (1 = all past weeks equal). */
    weekDecay: number;
    /** Weight of each neighbouring slot when the profile is read (0 = the slot alone, ⅓ at most = a plain 3-slot mean); smooths a few weeks' noise. */
    neighbourWeight: number;
    /** Memory (minutes) of the comparison of today's flow with the profile. */
    levelWindowMinutes: number;
    /** Arrivals added to both sides of that comparison, so a few arrivals cannot swing it (the damping). */
    levelPseudoCount: number;
    /** Bounds of the level correction. */
    levelMin: number;
    levelMax: number;
  };
  blend: {
    /** Weight of recent flow in each lead slot when both methods are as good; seasonal has the rest. */
    recentWeight: number[];
    /** Also weight each method by its tracked error at that lead (inverse of its error beyond Poisson noise). */
    errorWeighting: boolean;
    /** Memory of the tracked errors, per 15-minute slot evaluated. */
    errorDecay: number;
    /** Slots evaluated before tracked errors count. */
    minErrorSamples: number;
  };
  aht: {
    /** Memory (minutes) of the handle-time average. */
    windowMinutes: number;
    /** Handled appeals (exponentially weighted) the average needs alone; below, the prior fills in for the missing ones. */
    minHandled: number;
  };
}

export type ForecastOptionsInput = { [K in keyof ForecastOptions]?: ForecastOptions[K] extends object ? Partial<ForecastOptions[K]> : ForecastOptions[K] };

export const DEFAULT_FORECAST_OPTIONS: Readonly<ForecastOptions> = Object.freeze({
  utcOffsetMinutes: 0,
  // alpha, beta, phi, neighbourWeight, levelPseudoCount, levelWindowMinutes, recentWeight and
  // errorWeighting: the best of `bench/forecast.ts --tune` on the training weeks (docs/FORECAST.md).
  // weekDecay, the warm-up, the gap reset, the level bounds, errorDecay, minErrorSamples and the AHT
  // constants were not searched: the simulator's weeks are alike and its data has no gaps, so it
  // cannot tell them apart; they are plain conventional choices.
  recent: { alpha: 0.03, beta: 0.03, phi: 0.99, warmupMinutes: 30, resetAfterGapMinutes: 60 },
  seasonal: { weekDecay: 0.8, neighbourWeight: 0.33, levelWindowMinutes: 60, levelPseudoCount: 500, levelMin: 0.25, levelMax: 4 },
  blend: { recentWeight: [0.3, 0.2, 0.15, 0.1], errorWeighting: true, errorDecay: 0.98, minErrorSamples: 16 },
  aht: { windowMinutes: 120, minHandled: 20 },
});

/** Defaults overlaid with `input`, every field checked. */
export function resolveOptions(input: ForecastOptionsInput = {}): ForecastOptions {
  const d = DEFAULT_FORECAST_OPTIONS;
  const o: ForecastOptions = {
    utcOffsetMinutes: input.utcOffsetMinutes ?? d.utcOffsetMinutes,
    recent: { ...d.recent, ...input.recent },
    seasonal: { ...d.seasonal, ...input.seasonal },
    blend: { ...d.blend, ...input.blend, recentWeight: [...(input.blend?.recentWeight ?? d.blend.recentWeight)] },
    aht: { ...d.aht, ...input.aht },
  };
  checkRange('utcOffsetMinutes', o.utcOffsetMinutes, -24 * 60, 24 * 60, { minExclusive: true, maxExclusive: true });
  if (!Number.isInteger(o.utcOffsetMinutes)) throw new ForecastInputError('utcOffsetMinutes', 'must be whole minutes');
  checkRange('recent.alpha', o.recent.alpha, 0, 1, { minExclusive: true });
  checkRange('recent.beta', o.recent.beta, 0, 1);
  checkRange('recent.phi', o.recent.phi, 0, 1);
  checkRange('recent.warmupMinutes', o.recent.warmupMinutes, 1, 7 * 24 * 60);
  checkRange('recent.resetAfterGapMinutes', o.recent.resetAfterGapMinutes, 1, Infinity, { maxExclusive: true });
  checkRange('seasonal.weekDecay', o.seasonal.weekDecay, 0, 1, { minExclusive: true });
  checkRange('seasonal.neighbourWeight', o.seasonal.neighbourWeight, 0, 1 / 3 + 1e-9);
  checkRange('seasonal.levelWindowMinutes', o.seasonal.levelWindowMinutes, 1, 7 * 24 * 60);
  checkRange('seasonal.levelPseudoCount', o.seasonal.levelPseudoCount, 0, 1e9, { minExclusive: true });
  checkRange('seasonal.levelMin', o.seasonal.levelMin, 0, 1, { minExclusive: true });
  checkRange('seasonal.levelMax', o.seasonal.levelMax, 1, 1e6);
  if (o.blend.recentWeight.length !== LEAD_SLOTS) throw new ForecastInputError('blend.recentWeight', `must have ${LEAD_SLOTS} values, one per 15-minute lead slot`);
  o.blend.recentWeight.forEach((w, i) => checkRange(`blend.recentWeight[${i}]`, w, 0, 1));
  if (typeof o.blend.errorWeighting !== 'boolean') throw new ForecastInputError('blend.errorWeighting', 'must be true or false');
  checkRange('blend.errorDecay', o.blend.errorDecay, 0, 1, { minExclusive: true, maxExclusive: true });
  checkRange('blend.minErrorSamples', o.blend.minErrorSamples, 1, 1e6);
  checkRange('aht.windowMinutes', o.aht.windowMinutes, 1, 30 * 24 * 60);
  checkRange('aht.minHandled', o.aht.minHandled, 0, 1e6, { minExclusive: true });
  return o;
}
