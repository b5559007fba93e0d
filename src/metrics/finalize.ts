import type { MetricValues } from '../contract/api.js';
import { type CounterSums, type Counters, addCounters, emptyCounters } from './counters.js';
import { histCount, histCountBelow, histPercentileSec } from './wait-histogram.js';

/** How SL % is judged for one queue. */
export interface SlPolicy {
  /** Answered in less than this many seconds counts as within SL. */
  targetSec: number;
  /** Abandons in less than this many seconds are not counted at all. */
  shortAbandonSec: number;
  /** Whether abandons after the short-abandon threshold count against SL. */
  abandonsCount: boolean;
}

export type SlPolicyOf = (queue: string, channel: string) => SlPolicy;

const round1 = (x: number) => Math.round(x * 10) / 10;
const ratio = (num: number, den: number, scale = 1) => (den > 0 ? round1((num / den) * scale) : null);

/**
 * Sums rollup cells (of any queues, channels, minutes) and turns them into the metrics.
 * SL is judged per cell with its own queue's policy before summing, so a group spanning queues with
 * different targets is still right.
 */
export class MetricAccumulator {
  private readonly c: Counters = emptyCounters();
  private slWithin = 0;
  private slTotal = 0;
  /** Open appeals at the end of the interval; set by the caller (it is a level, not a sum over cells). */
  qa = 0;

  add(counters: Counters, policy: SlPolicy): this {
    addCounters(this.c, counters);
    this.slWithin += histCountBelow(counters.waitHist, policy.targetSec);
    this.slTotal += histCount(counters.waitHist);
    if (policy.abandonsCount) {
      this.slTotal += histCount(counters.abandonHist) - histCountBelow(counters.abandonHist, policy.shortAbandonSec);
    }
    return this;
  }

  counters(): Readonly<Counters> {
    return this.c;
  }

  values(): MetricValues {
    const c = this.c;
    return metricValues({
      ...c,
      slWithin: this.slWithin,
      slTotal: this.slTotal,
      waitP50Sec: histPercentileSec(c.waitHist, 50),
      waitP90Sec: histPercentileSec(c.waitHist, 90),
      waitP95Sec: histPercentileSec(c.waitHist, 95),
      longestWaitSec: maxOf(histPercentileSec(c.waitHist, 100), histPercentileSec(c.abandonHist, 100)),
    }, this.qa);
  }
}

/** What the metrics are computed from: sums over cells, SL counts, and what the merged histograms say. */
export interface MetricSums extends Omit<CounterSums, 'qaDelta'> {
  slWithin: number;
  slTotal: number;
  waitP50Sec: number | null;
  waitP90Sec: number | null;
  waitP95Sec: number | null;
  longestWaitSec: number | null;
}

/** The metric definitions over summed cells (the live view and history both end here). */
export function metricValues(s: MetricSums, qa: number): MetricValues {
  const awtSec = ratio(s.waitSumMs, s.waitCount, 1 / 1000);
  return {
    offered: s.offered,
    aa: s.aa,
    ha: s.ha,
    missed: s.missed,
    qa,
    awtSec,
    ahtSec: ratio(s.handleSumMs, s.handleCount, 1 / 1000),
    asaSec: awtSec,
    slPct: ratio(s.slWithin, s.slTotal, 100),
    abandonPct: ratio(s.missed, s.aa + s.missed, 100),
    waitP50Sec: s.waitP50Sec,
    waitP90Sec: s.waitP90Sec,
    waitP95Sec: s.waitP95Sec,
    longestWaitSec: s.longestWaitSec,
  };
}

function maxOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}
