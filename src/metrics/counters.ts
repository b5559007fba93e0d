import { type CountMap, type Histogram, addCounts } from './wait-histogram.js';

/**
 * The additive content of one rollup cell (tenant × queue × channel × operator × minute).
 * Every field can be added and subtracted, which is what lets the stream retract a contribution when a
 * late or missing event changes an appeal's story, and lets storage merge cells with plain sums.
 */
export interface Counters extends CounterSums {
  /** Waits of answered appeals (see wait-histogram.ts). */
  waitHist: Histogram;
  /** Waits of abandoned appeals, for SL's short-abandon rule. */
  abandonHist: Histogram;
  /** Repairs made for lost or disordered events, by kind. */
  repairs: CountMap;
}

/** The plain sums of a cell: everything but its histograms and repair counts. */
export interface CounterSums {
  offered: number;
  aa: number;
  ha: number;
  missed: number;
  waitSumMs: number;
  waitCount: number;
  handleSumMs: number;
  handleCount: number;
  /** +1 when an appeal opens in this cell, −1 when it leaves; QA at a time = running sum up to it. */
  qaDelta: number;
}

export const NUMERIC_FIELDS = [
  'offered',
  'aa',
  'ha',
  'missed',
  'waitSumMs',
  'waitCount',
  'handleSumMs',
  'handleCount',
  'qaDelta',
] as const;

export function emptyCounters(): Counters {
  return {
    offered: 0,
    aa: 0,
    ha: 0,
    missed: 0,
    waitSumMs: 0,
    waitCount: 0,
    handleSumMs: 0,
    handleCount: 0,
    qaDelta: 0,
    waitHist: {},
    abandonHist: {},
    repairs: {},
  };
}

export function addCounters(into: Counters, from: Partial<Counters>, sign = 1): void {
  // Field by field rather than a loop over NUMERIC_FIELDS: this runs for every cell every event
  // touches, and a property named by a variable is a dictionary lookup on each of them.
  if (from.offered) into.offered += sign * from.offered;
  if (from.aa) into.aa += sign * from.aa;
  if (from.ha) into.ha += sign * from.ha;
  if (from.missed) into.missed += sign * from.missed;
  if (from.waitSumMs) into.waitSumMs += sign * from.waitSumMs;
  if (from.waitCount) into.waitCount += sign * from.waitCount;
  if (from.handleSumMs) into.handleSumMs += sign * from.handleSumMs;
  if (from.handleCount) into.handleCount += sign * from.handleCount;
  if (from.qaDelta) into.qaDelta += sign * from.qaDelta;
  if (from.waitHist) addCounts(into.waitHist, from.waitHist, sign);
  if (from.abandonHist) addCounts(into.abandonHist, from.abandonHist, sign);
  if (from.repairs) addCounts(into.repairs, from.repairs, sign);
}

export function isZero(c: Counters): boolean {
  for (const f of NUMERIC_FIELDS) if (c[f] !== 0) return false;
  for (const _ in c.waitHist) return false;
  for (const _ in c.abandonHist) return false;
  for (const _ in c.repairs) return false;
  return true;
}
