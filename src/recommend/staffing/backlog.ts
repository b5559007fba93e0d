/**
 * Email (and other deferrable work) as a backlog, not a queue: nobody is waiting on the line, so the
 * question is whether the work in hand plus what keeps arriving gets done within the SLA window.
 * This is a fluid (average-rate) model — no randomness — which is what a backlog of hundreds of items
 * behaves like; for a trickle of items an Erlang model with slSec = the SLA is the better tool.
 *
 * An operator does 3600 · maxOccupancy / ahtSec items an hour: the occupancy cap is the share of paid
 * time that can realistically go to handling (the rest is breaks between items, coordination, etc.).
 */
import { ceilTolerant } from './rounding.js';
import { checkNumber } from './validate.js';

export interface BacklogWork {
  /** Items already waiting. */
  backlog: number;
  /** Items arriving per hour, on average. */
  ratePerHour: number;
  /** Mean handle time of one item, seconds. */
  ahtSec: number;
  /** Fraction of an operator's time spent handling items, in (0, 1]; 1 (no cap) when absent. */
  maxOccupancy?: number;
}

/** Items one operator finishes per hour. */
function itemsPerOperatorHour(work: BacklogWork): number {
  const aht = checkNumber('ahtSec', work.ahtSec, { min: 0, minExclusive: true });
  const occupancy = checkNumber('maxOccupancy', work.maxOccupancy ?? 1, { min: 0, minExclusive: true, max: 1 });
  return (3600 * occupancy) / aht;
}

/**
 * Operators needed to clear the current backlog within `slaHours` while keeping up with new arrivals:
 * capacity must cover backlog/slaHours + ratePerHour items an hour. Once the backlog is gone the same
 * operators keep it at zero, so every later item is handled about as it arrives.
 */
export function backlogOperatorsNeeded(work: BacklogWork & { slaHours: number }): number {
  const backlog = checkNumber('backlog', work.backlog, { min: 0 });
  const rate = checkNumber('ratePerHour', work.ratePerHour, { min: 0 });
  const hours = checkNumber('slaHours', work.slaHours, { min: 0, minExclusive: true });
  const perOperator = itemsPerOperatorHour(work);
  return ceilTolerant((backlog / hours + rate) / perOperator);
}

/**
 * Hours until the backlog is cleared with `operators` working it: backlog / (capacity − arrivals).
 * 0 with nothing waiting; null when the operators cannot outpace the arrivals (it never clears).
 */
export function backlogClearHours(work: BacklogWork & { operators: number }): number | null {
  const backlog = checkNumber('backlog', work.backlog, { min: 0 });
  const rate = checkNumber('ratePerHour', work.ratePerHour, { min: 0 });
  const operators = checkNumber('operators', work.operators, { min: 0 });
  const perOperator = itemsPerOperatorHour(work);
  if (backlog === 0) return 0;
  const drain = operators * perOperator - rate;
  if (!(drain > 0)) return null;
  const hours = backlog / drain;
  return Number.isFinite(hours) ? hours : null;
}
