/**
 * Shapes of the forecast's input and output. Counts are appeals; times are epoch ms; handle times are
 * seconds (as the staffing models take them).
 */

/** One minute of one queue × channel, as the rollups have it (the queue-level cell, operator ''). */
export interface MinuteCell {
  /** Start of the minute bucket, epoch ms (a multiple of 60,000). */
  bucket: number;
  /** Segments queued in the minute: the rollup counter `offered`. */
  offered: number;
  /** Sum of the handle times of the appeals closed in the minute, seconds (the cell's handleSumMs / 1000). */
  handleSec?: number;
  /** How many handle times that sum holds (the cell's handleCount). */
  handled?: number;
}

/** What to assume with no history: a forecast resting on these says `basis: 'prior'`. */
export interface ForecastPriors {
  /** Set for this queue × channel in the configuration; each field wins over the channel's. */
  configured?: { arrivalsPerHour?: number; ahtSec?: number };
  /** The channel's figures across the center (or the product's defaults for the channel). */
  channel: { arrivalsPerHour: number; ahtSec: number };
}

export type PriorSource = 'configured' | 'channel';

/** What a forecast rests on. */
export type Basis = 'prior' | 'recent' | 'seasonal' | 'blend';

/** Shares of each method in a forecast; they add up to 1. */
export interface BlendWeights {
  recent: number;
  seasonal: number;
  prior: number;
}

/** Expected arrivals over one stretch ahead, and what each method alone says about it. */
export interface ArrivalsForecast {
  /** [from, to), epoch ms. */
  from: number;
  to: number;
  /** Expected arrivals (offered appeals) in the stretch: the blend. */
  arrivals: number;
  /** The same as a rate, per hour. */
  perHour: number;
  /** Recent flow alone; null before any minute was seen (or since a long gap). */
  recent: number | null;
  /** Seasonal profile × today's level alone; null when some minute of the stretch has no past week. */
  seasonal: number | null;
  /** The prior alone. */
  prior: number;
  /** Time-averaged shares of each method over the stretch's minutes. */
  weights: BlendWeights;
  basis: Basis;
}

export interface HorizonForecast extends ArrivalsForecast {
  /** 15, 30 or 60: the stretch is [now, now + minutes). */
  minutes: number;
}

export interface AhtForecast {
  /** Expected mean handle time, seconds. */
  sec: number;
  /** 'prior' with nothing handled in memory, 'recent' from `minHandled` handled on, 'blend' between. */
  basis: 'prior' | 'recent' | 'blend';
  weights: { recent: number; prior: number };
  /** Handled appeals in the smoothed mean (exponentially weighted, so fractional). */
  handled: number;
  priorSource: PriorSource;
}

export interface Forecast {
  now: number;
  /** Minutes up to here (exclusive) are in the state; null when it has seen none. */
  dataUntil: number | null;
  /** 'prior', 'recent' or 'seasonal' when every horizon rests on that alone, else 'blend'. */
  basis: Basis;
  /** The horizons asked for, 15, 30 and 60 minutes by default. */
  horizons: HorizonForecast[];
  /** The four 15-minute slots of the hour ahead: [now + 15k, now + 15(k + 1)) minutes. */
  slots: ArrivalsForecast[];
  aht: AhtForecast;
  /** The multiplier the seasonal profile was scaled by (today's flow ÷ the profile's), or null without a profile. */
  levelCorrection: number | null;
  /** The prior in force and where each half of it came from. */
  prior: { arrivalsPerHour: number; ahtSec: number; arrivalsSource: PriorSource; ahtSource: PriorSource };
}
