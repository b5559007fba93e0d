/**
 * One queue × channel as the recommender follows it: its forecast state, fed minute by minute from the
 * live view's queue-level cells once each minute has had a minute to settle; the forecasts it made, so
 * that what was expected can be compared with what came (off-forecast, a silent channel); and the
 * patience of its callers, estimated from abandoned and answered waits (censored: an answered caller
 * would have waited at least that long).
 */
import type { Counters } from '../../metrics/counters.js';
import { binLowerSec } from '../../metrics/wait-histogram.js';
import { cellFromCounters, createForecastState, forecast, observeMinute, type Forecast, type ForecastPriors, type ForecastState } from '../forecast/index.js';

const MINUTE_MS = 60_000;
/** Forecasts kept, one a minute: enough to look back over the longest comparison (60 minutes of silence). */
const PAST_KEPT = 61;
/** A slot of the forecast's record of what it expected (SLOTS_KEPT of them: the trend charts' eight hours). */
export const SLOT_MS = 15 * MINUTE_MS;
const SLOTS_KEPT = 32;
/** Abandons below this many in the last hour do not make a patience estimate (Erlang C instead: the cautious side). */
const MIN_ABANDONS_FOR_PATIENCE = 5;

export type CellAt = (bucket: number) => Counters | undefined;

interface PastForecast {
  /** The minute it was made. */
  at: number;
  /** Arrivals it expected over the next 15 minutes. */
  next15: number;
  /** Arrivals per hour it expected over the next 30 minutes. */
  perHour: number;
}

export class StreamFollower {
  readonly state: ForecastState = createForecastState();
  private current: { minute: number; forecast: Forecast } | null = null;
  private readonly past: PastForecast[] = [];
  /** Per 15-minute slot (its start), the arrivals the first forecast made in it expected over its 15 minutes. */
  private readonly slots = new Map<number, number>();
  /** End of the last minute with an arrival, epoch ms; null before any. */
  lastArrivalEnd: number | null = null;
  /** The first minute fed (from the live view or storage); null before any. */
  firstMinute: number | null = null;
  /** Mean patience of callers, seconds, over the last hour; undefined without enough abandons. */
  patienceSec: number | undefined;

  constructor(
    readonly queue: string,
    readonly channel: string,
  ) {}

  /** Feeds stored minutes (a restart's history), oldest first. */
  seed(cells: Iterable<{ bucket: number; counters: Counters }>): void {
    for (const c of cells) {
      if (this.state.next !== null && c.bucket < this.state.next) continue;
      this.firstMinute ??= c.bucket;
      observeMinute(this.state, cellFromCounters(c.bucket, c.counters));
      if (c.counters.offered > 0) this.lastArrivalEnd = c.bucket + MINUTE_MS;
    }
  }

  /**
   * Feeds the minutes before `until` (a minute start) not fed yet, from `cellAt`; never before
   * `oldest`, the first minute the live view still holds. Returns whether anything was fed.
   */
  feed(until: number, oldest: number, cellAt: CellAt): boolean {
    let m = Math.max(this.state.next ?? oldest, oldest);
    // Before its first arrival a stream has no data, not zeros (the server was not running, or the
    // queue is new): it starts at the first minute with a cell, and rests on priors until then.
    if (this.state.next === null) while (m < until && !cellAt(m)) m += MINUTE_MS;
    if (m >= until) return false;
    this.firstMinute ??= m;
    for (; m < until; m += MINUTE_MS) {
      const c = cellAt(m);
      observeMinute(this.state, c ? cellFromCounters(m, c) : { bucket: m, offered: 0 });
      if (c && c.offered > 0) this.lastArrivalEnd = m + MINUTE_MS;
    }
    this.patienceSec = estimatePatience(until, cellAt);
    return true;
  }

  /** The forecast as of minute `minute` (recomputed once a minute), remembered for later comparison. */
  forecastAt(minute: number, priors: ForecastPriors): Forecast {
    if (this.current?.minute === minute) return this.current.forecast;
    const f = forecast(this.state, minute, priors);
    this.current = { minute, forecast: f };
    const h15 = f.horizons.find((h) => h.minutes === 15);
    const h30 = f.horizons.find((h) => h.minutes === 30);
    this.past.push({ at: minute, next15: h15?.arrivals ?? 0, perHour: h30?.perHour ?? 0 });
    if (this.past.length > PAST_KEPT) this.past.shift();
    const slot = minute - (((minute % SLOT_MS) + SLOT_MS) % SLOT_MS);
    if (!this.slots.has(slot)) {
      this.slots.set(slot, h15?.arrivals ?? 0);
      for (const k of this.slots.keys()) if (k <= slot - SLOTS_KEPT * SLOT_MS) this.slots.delete(k);
    }
    return f;
  }

  /**
   * What the forecast expected, slot by slot, over the last eight hours (oldest first): for each
   * 15-minute slot, the arrivals the first forecast made in it expected for the 15 minutes from then.
   * Kept in memory: a restarted server has them from its start on.
   */
  expectedBySlot(): Array<{ from: number; arrivals: number }> {
    return [...this.slots].map(([from, arrivals]) => ({ from, arrivals })).sort((a, b) => a.from - b.from);
  }

  /** The last forecast made (forecastAt), or null before any. */
  get latest(): Forecast | null {
    return this.current?.forecast ?? null;
  }

  /** Arrivals the forecast made 15 minutes before `minute` expected for the 15 minutes since; 0 when none was made. */
  expectedLast15(minute: number): number {
    return this.pastAt(minute - 15 * MINUTE_MS)?.next15 ?? 0;
  }

  /**
   * Seconds since the last arrival and the arrivals expected meanwhile by the forecast made when it came.
   * `liveArrivalEnd`: the end of the last arrival the live view has and the forecast was not fed yet (the
   * minutes still settling; `now` when one is arriving this minute), or null.
   */
  silence(now: number, liveArrivalEnd: number | null): { silentSec: number; expected: number } {
    const last = Math.max(this.lastArrivalEnd ?? -Infinity, liveArrivalEnd ?? -Infinity);
    if (last === -Infinity || now <= last) return { silentSec: 0, expected: 0 };
    const silentSec = (now - last) / 1000;
    // Only a forecast made before the silence began says what should have come: one made since has
    // learned from the silence, or (just after a start) rests on priors.
    const then = this.pastAt(last);
    return { silentSec, expected: then ? (then.perHour * silentSec) / 3600 : 0 };
  }

  /** The latest forecast made at or before `at`. */
  private pastAt(at: number): PastForecast | undefined {
    for (let i = this.past.length - 1; i >= 0; i--) if (this.past[i].at <= at) return this.past[i];
    return undefined;
  }
}

/**
 * Mean patience (exponential, censored): the time every caller of the last hour was seen waiting,
 * answered or not, over the number who gave up. Abandoned waits come from their histogram (each bin at
 * its lower edge: the estimate errs short, towards more abandons, the cautious side for staffing).
 */
export function estimatePatience(until: number, cellAt: CellAt): number | undefined {
  let exposureSec = 0;
  let abandons = 0;
  for (let m = until - 60 * MINUTE_MS; m < until; m += MINUTE_MS) {
    const c = cellAt(m);
    if (!c) continue;
    exposureSec += c.waitSumMs / 1000;
    for (const [bin, n] of Object.entries(c.abandonHist)) {
      abandons += n;
      exposureSec += binLowerSec(Number(bin)) * n;
    }
  }
  return abandons >= MIN_ABANDONS_FOR_PATIENCE && exposureSec > 0 ? exposureSec / abandons : undefined;
}
