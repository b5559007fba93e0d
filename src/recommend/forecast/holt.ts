/**
 * Recent flow: Holt's linear method with a damped trend (Gardner & McKenzie), run on the per-minute
 * arrival counts.
 *
 * Why this one:
 * - Per minute, because that is the engine's cadence: one update per closed minute, no partial 5-minute
 *   block to carry, and a forecast can be asked at any minute. The noise of single minutes (a Poisson
 *   count of a few appeals) is handled by a small α: at α = 0.1 the level remembers ~20 minutes, about
 *   what smoothing 5-minute sums would.
 * - A trend, because a morning ramp doubles the rate within the hour and a level alone lags it.
 * - Damped, because a trend read from noisy minutes and carried straight 60 minutes out turns every
 *   wiggle into an error 60 times its size; with φ < 1 the trend's reach is bounded (φ/(1 − φ) minutes).
 *
 * Forecasts are clamped at zero: a falling trend may not promise negative arrivals.
 */
import type { ForecastOptions } from './options.js';

export interface HoltState {
  /** Smoothed arrivals per minute. */
  level: number;
  /** Smoothed change of the level per minute. */
  trend: number;
  /** Minutes fed since the start (or the last reset after a long gap). */
  minutes: number;
}

export const newHolt = (): HoltState => ({ level: 0, trend: 0, minutes: 0 });

/** Feed one minute's arrivals. */
export function holtStep(h: HoltState, y: number, o: ForecastOptions['recent']): void {
  h.minutes++;
  if (h.minutes === 1) {
    h.level = y;
    h.trend = 0;
    return;
  }
  // A running mean until the smoothing's own memory is full, so the level does not hang on the first
  // minute's count for the first 1/α minutes.
  const a = Math.max(o.alpha, 1 / h.minutes);
  // Error-correction form (the same recursion as l = a·y + (1 − a)·(l + φb), b = β·Δl + (1 − β)·φb),
  // which keeps a constant series exactly constant in floating point.
  const prev = h.level;
  const predicted = prev + o.phi * h.trend;
  h.level = predicted + a * (y - predicted);
  h.trend = o.phi * h.trend + o.beta * (h.level - predicted);
}

/** φ + φ² + … + φ^lead: how much of the trend a forecast `lead` minutes ahead carries. */
export function dampedReach(phi: number, lead: number): number {
  if (phi === 1) return lead;
  return (phi * (1 - phi ** lead)) / (1 - phi);
}

/** Expected arrivals in the minute `lead` minutes ahead (lead 1 = the first minute not yet seen). */
export function holtRate(h: HoltState, lead: number, phi: number): number {
  return Math.max(0, h.level + h.trend * dampedReach(phi, lead));
}
