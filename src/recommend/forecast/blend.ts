/**
 * How much recent flow and the seasonal profile each weigh at each lead slot (the four 15-minute slots
 * of the hour ahead).
 *
 * The starting point is the horizon: recent flow knows what is happening now, the profile knows what
 * the next hour usually brings, so recent dominates at 15 minutes and seasonal at 60 (`recentWeight`).
 * On top of that the state tracks how each method actually did: at every clock slot boundary it notes
 * both methods' forecasts of the next four slots, and when a slot is complete it scores them. The
 * weights then go as base ÷ error, inverse-variance style.
 *
 * The error used is the squared error beyond Poisson noise. A slot's actual count is Poisson around
 * its rate, so both methods' squared errors carry that same noise (≈ the mean count), which would drown
 * the difference between them and keep the weights at 50/50 however much better one method is. The
 * mean actual count is subtracted, with a floor (a tenth of the squared error) so that sampling noise
 * around zero cannot hand one method everything.
 */
import { LEAD_SLOTS, type ForecastOptions } from './options.js';

/** Forecasts noted for a slot, waiting for it to complete. */
export interface PendingScore {
  slotStart: number;
  lead: number;
  recent: number;
  seasonal: number;
}

export interface ErrorState {
  pending: PendingScore[];
  /** Per lead slot, exponentially weighted: Σ squared error of each method, Σ actual count, Σ weight. */
  sqRecent: number[];
  sqSeasonal: number[];
  actual: number[];
  weight: number[];
}

export const newErrors = (): ErrorState => ({
  pending: [],
  sqRecent: new Array<number>(LEAD_SLOTS).fill(0),
  sqSeasonal: new Array<number>(LEAD_SLOTS).fill(0),
  actual: new Array<number>(LEAD_SLOTS).fill(0),
  weight: new Array<number>(LEAD_SLOTS).fill(0),
});

/** Score the forecasts noted for the slot that just completed with `actual` arrivals; forget older ones. */
export function scoreSlot(e: ErrorState, slotStart: number, actual: number, decay: number): void {
  const keep: PendingScore[] = [];
  for (const p of e.pending) {
    if (p.slotStart > slotStart) keep.push(p);
    else if (p.slotStart === slotStart) {
      const k = p.lead;
      e.sqRecent[k] = decay * e.sqRecent[k] + (actual - p.recent) ** 2;
      e.sqSeasonal[k] = decay * e.sqSeasonal[k] + (actual - p.seasonal) ** 2;
      e.actual[k] = decay * e.actual[k] + actual;
      e.weight[k] = decay * e.weight[k] + 1;
    }
  }
  e.pending = keep;
}

/** Note forecasts to score later (slots after `origin` only). */
export function notePending(e: ErrorState, origin: number, scores: PendingScore[]): void {
  e.pending = e.pending.filter((p) => p.slotStart >= origin).concat(scores);
}

/** Share of recent flow (the rest is seasonal) at lead slot k, when both have something to say. */
export function recentShare(e: ErrorState, k: number, o: ForecastOptions['blend']): number {
  const lead = Math.min(k, LEAD_SLOTS - 1);
  const base = o.recentWeight[lead];
  const w = e.weight[lead];
  if (!o.errorWeighting || w < o.minErrorSamples) return base;
  const noise = e.actual[lead] / w;
  const mseR = e.sqRecent[lead] / w;
  const mseS = e.sqSeasonal[lead] / w;
  // The last floor keeps the division finite when a method has been exact (a stream that never varies).
  const vR = Math.max(mseR - noise, 0.1 * mseR, 1e-12);
  const vS = Math.max(mseS - noise, 0.1 * mseS, 1e-12);
  const r = base / vR;
  const s = (1 - base) / vS;
  return r + s > 0 && Number.isFinite(r + s) ? r / (r + s) : base;
}
