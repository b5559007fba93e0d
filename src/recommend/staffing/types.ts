/**
 * Shapes shared by the staffing models. Probabilities are fractions in [0, 1] here; only the calc entry
 * point speaks in percent, because that is what people type and read.
 */

/** What every queueing model is given: the offered traffic and the service-level threshold. */
export interface TrafficInputs {
  /**
   * Offered load A = arrival rate × AHT, in Erlangs (the number of agents the work would keep busy
   * with no idle time). Staffing models take the load rather than an arrival rate so that the
   * common "100 calls × 180 s / 1800 s = 10 Erlangs" stays an exact 10 in floating point.
   */
  loadErlangs: number;
  /** Mean handle time of one contact, seconds (talk + hold + wrap-up). */
  ahtSec: number;
  /** Service-level threshold: a contact counts as "in SL" when answered within this many seconds. */
  slSec: number;
}

/** Steady-state performance of one queue staffed with a given number of agents. */
export interface QueueMetrics {
  /** Probability that an arriving contact finds every agent (or chat slot) busy and has to queue. */
  pWait: number;
  /**
   * Average speed of answer: the mean wait of the contacts that get answered (those answered at once
   * count with 0). Null when the queue is unstable (no abandonment and load ≥ capacity): it grows without bound.
   */
  asaSec: number | null;
  /** Fraction of all offered contacts that are answered within `slSec` (abandoned ones count as missed). */
  serviceLevel: number;
  /** Fraction of offered contacts that abandon while queued (0 in models without abandonment). */
  abandonRate: number;
  /** Busy agents (or busy chat slots) divided by the agents (slots) staffed. */
  occupancy: number;
}

/** The metrics of a queue that cannot keep up and loses nobody: everyone waits, forever in the limit. */
export const UNSTABLE_METRICS: Readonly<QueueMetrics> = Object.freeze({ pWait: 1, asaSec: null, serviceLevel: 0, abandonRate: 0, occupancy: 1 });

/** The metrics of a queue nobody calls. */
export const IDLE_METRICS: Readonly<QueueMetrics> = Object.freeze({ pWait: 0, asaSec: 0, serviceLevel: 1, abandonRate: 0, occupancy: 0 });
