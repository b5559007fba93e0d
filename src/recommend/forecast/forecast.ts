/**
 * The forecast itself: from a state, the expected arrivals over the 15, 30 and 60 minutes after `now`
 * and in each 15-minute slot of that hour, the expected AHT, and what each rests on.
 *
 * Minute by minute ahead, three methods may have something to say: recent flow (once a minute was
 * seen), the seasonal profile × today's level (where a past week saw the slot), and the prior (always).
 * - Both recent and seasonal: blended by lead slot (blend.ts). While recent flow is warming up (fewer
 *   than `warmupMinutes` minutes seen) it gets that fraction of its share, seasonal the rest.
 * - Recent only (no past week): recent flow, sharing with the prior while warming up.
 * - Neither: the prior.
 */
import { recentShare } from './blend.js';
import { levelCorrection, recentRate, seasonalRate } from './components.js';
import { checkRange, ForecastInputError } from './errors.js';
import { LEAD_SLOTS } from './options.js';
import { afterGap, type ForecastState } from './state.js';
import { MINUTE_MS, minuteOf, SLOT_MS } from './time.js';
import type { AhtForecast, ArrivalsForecast, Basis, BlendWeights, Forecast, ForecastPriors, HorizonForecast, PriorSource } from './types.js';

export const DEFAULT_HORIZONS_MINUTES: readonly number[] = Object.freeze([15, 30, 60]);

/**
 * @param state   the stream's state, fed up to `now` or less (what it has not seen is forecast too)
 * @param now     epoch ms; the horizons are [now, now + h)
 * @param priors  the configured and channel-wide figures to fall back on
 * @param horizonsMinutes  default 15, 30, 60; each a positive whole number of minutes
 */
export function forecast(state: ForecastState, now: number, priors: ForecastPriors, horizonsMinutes: readonly number[] = DEFAULT_HORIZONS_MINUTES): Forecast {
  checkRange('now', now, -8.64e15, 8.64e15);
  if (state.next !== null && now < state.next) {
    throw new ForecastInputError('now', `is before the end of the data in the state (${new Date(state.next).toISOString()}): a forecast cannot be made from minutes after its own now`);
  }
  const prior = resolvePriors(priors);
  // A gap at the end of the data counts as it will when the next minute comes.
  state = afterGap(state);
  horizonsMinutes.forEach((h, i) => {
    checkRange(`horizonsMinutes[${i}]`, h, 1, 7 * 24 * 60);
    if (!Number.isInteger(h)) throw new ForecastInputError(`horizonsMinutes[${i}]`, 'must be whole minutes');
  });
  const minutes = new Minutes(state, now, prior.arrivalsPerHour);

  const slots: ArrivalsForecast[] = [];
  for (let k = 0; k < LEAD_SLOTS; k++) slots.push(minutes.stretch(now + k * SLOT_MS, now + (k + 1) * SLOT_MS));
  const horizons: HorizonForecast[] = horizonsMinutes.map((h) => ({ minutes: h, ...minutes.stretch(now, now + h * MINUTE_MS) }));

  const bases = new Set(horizons.map((h) => h.basis));
  return {
    now,
    dataUntil: state.next,
    basis: bases.size === 1 ? [...bases][0] : 'blend',
    horizons,
    slots,
    aht: ahtForecast(state, prior.ahtSec, prior.ahtSource),
    levelCorrection: minutes.hasProfile ? minutes.correction : null,
    prior,
  };
}

function resolvePriors(priors: ForecastPriors): Forecast['prior'] {
  if (typeof priors !== 'object' || priors === null || typeof priors.channel !== 'object' || priors.channel === null) {
    throw new ForecastInputError('priors.channel', 'the channel-wide arrivalsPerHour and ahtSec are required');
  }
  const c = priors.configured ?? {};
  const arrivalsSource: PriorSource = c.arrivalsPerHour !== undefined ? 'configured' : 'channel';
  const ahtSource: PriorSource = c.ahtSec !== undefined ? 'configured' : 'channel';
  return {
    arrivalsPerHour: checkRange(`priors.${arrivalsSource}.arrivalsPerHour`, c.arrivalsPerHour ?? priors.channel.arrivalsPerHour, 0, 1e12),
    ahtSec: checkRange(`priors.${ahtSource}.ahtSec`, c.ahtSec ?? priors.channel.ahtSec, 0, 1e9, { minExclusive: true }),
    arrivalsSource,
    ahtSource,
  };
}

/** Per-minute forecasts ahead of the state, each computed once and summed over any stretch. */
class Minutes {
  readonly correction: number;
  hasProfile = false;
  private readonly cache = new Map<number, { recent: number | null; seasonal: number | null }>();
  private readonly warm: number;
  private readonly shares: number[] = [];
  private readonly priorRate: number;

  constructor(
    private readonly state: ForecastState,
    private readonly now: number,
    private readonly priorPerHour: number,
  ) {
    this.priorRate = priorPerHour / 60;
    this.correction = levelCorrection(state);
    const r = state.recent.minutes;
    this.warm = r === 0 ? 0 : Math.min(1, r / state.options.recent.warmupMinutes);
    for (let k = 0; k < LEAD_SLOTS; k++) this.shares.push(recentShare(state.errors, k, state.options.blend));
  }

  private methods(m: number): { recent: number | null; seasonal: number | null } {
    let v = this.cache.get(m);
    if (!v) {
      v = { recent: recentRate(this.state, m), seasonal: seasonalRate(this.state, m, this.correction) };
      if (v.seasonal !== null) this.hasProfile = true;
      this.cache.set(m, v);
    }
    return v;
  }

  /** Sums over [from, to), minutes cut where the stretch cuts them. */
  stretch(from: number, to: number): ArrivalsForecast {
    let arrivals = 0;
    let recent: number | null = 0;
    let seasonal: number | null = 0;
    const w: BlendWeights = { recent: 0, seasonal: 0, prior: 0 };
    for (let m = minuteOf(from); m < to; m += MINUTE_MS) {
      // A minute may straddle a lead-slot boundary when now is not on a minute: cut it there too.
      const a = Math.max(m, from);
      const z = Math.min(m + MINUTE_MS, to);
      const cut = this.now + (Math.floor((a - this.now) / SLOT_MS) + 1) * SLOT_MS;
      for (const [p, q] of cut < z ? [[a, cut], [cut, z]] : [[a, z]]) {
        const frac = (q - p) / MINUTE_MS;
        const k = Math.min(LEAD_SLOTS - 1, Math.floor((p - this.now) / SLOT_MS));
        const v = this.methods(m);
        const share = this.weights(v, k);
        arrivals += frac * (share.recent * (v.recent ?? 0) + share.seasonal * (v.seasonal ?? 0) + share.prior * this.priorRate);
        recent = v.recent === null || recent === null ? null : recent + frac * v.recent;
        seasonal = v.seasonal === null || seasonal === null ? null : seasonal + frac * v.seasonal;
        w.recent += frac * share.recent;
        w.seasonal += frac * share.seasonal;
        w.prior += frac * share.prior;
      }
    }
    const total = (to - from) / MINUTE_MS;
    const prior = (this.priorPerHour * total) / 60;
    const weights = { recent: w.recent / total, seasonal: w.seasonal / total, prior: w.prior / total };
    return { from, to, arrivals, perHour: (arrivals * 60) / total, recent, seasonal, prior, weights, basis: basisOf(weights) };
  }

  private weights(v: { recent: number | null; seasonal: number | null }, k: number): BlendWeights {
    const warm = v.recent === null ? 0 : this.warm;
    if (v.seasonal !== null) {
      const recent = warm * this.shares[k];
      return { recent, seasonal: 1 - recent, prior: 0 };
    }
    return { recent: warm, seasonal: 0, prior: 1 - warm };
  }
}

function basisOf(w: BlendWeights): Basis {
  const eps = 1e-12;
  if (w.recent >= 1 - eps) return 'recent';
  if (w.seasonal >= 1 - eps) return 'seasonal';
  if (w.prior >= 1 - eps) return 'prior';
  return 'blend';
}

/**
 * The handle-time average, exponentially weighted by handled count. With fewer than `minHandled`
 * appeals in it, the prior stands in for the missing ones: nothing handled gives the prior, a few give
 * a mix, and from `minHandled` on the prior has no say.
 */
function ahtForecast(state: ForecastState, priorSec: number, priorSource: PriorSource): AhtForecast {
  const { handleSec, handled } = state.aht;
  const min = state.options.aht.minHandled;
  if (handled >= min) return { sec: handleSec / handled, basis: 'recent', weights: { recent: 1, prior: 0 }, handled, priorSource };
  const missing = min - handled;
  const sec = (handleSec + missing * priorSec) / min;
  const recent = handled / min;
  return { sec, basis: handled > 0 ? 'blend' : 'prior', weights: { recent, prior: 1 - recent }, handled, priorSource };
}
