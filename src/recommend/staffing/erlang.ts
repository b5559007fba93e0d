/**
 * Erlang B and Erlang C (M/M/n: Poisson arrivals, exponential handle times, n agents, nobody abandons).
 *
 * Everything is computed from the Erlang B recursion B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1)).
 * Each step is a ratio of positive numbers no larger than 1, so it neither overflows nor cancels, at
 * any n and any load — unlike the textbook Aⁿ/n! sums, which overflow a double past n ≈ 170. It costs
 * n multiply-adds: about a microsecond per hundred agents.
 */
import { IDLE_METRICS, UNSTABLE_METRICS, type QueueMetrics, type TrafficInputs } from './types.js';

/** Erlang B: the probability that a contact offered `loadErlangs` finds all `agents` busy when there is no queue (blocked contacts are lost). */
export function erlangB(agents: number, loadErlangs: number): number {
  if (loadErlangs <= 0) return agents === 0 ? 1 : 0;
  let b = 1;
  for (let k = 1; k <= agents; k++) b = (loadErlangs * b) / (k + loadErlangs * b);
  return b;
}

/**
 * Erlang C: the probability that an arriving contact has to wait (all agents busy), from Erlang B as
 * C = n·B / (n − A·(1 − B)). With n ≤ A the queue is unstable and every contact waits: 1.
 */
export function erlangC(agents: number, loadErlangs: number): number {
  if (loadErlangs <= 0) return 0;
  if (agents <= loadErlangs) return 1;
  const b = erlangB(agents, loadErlangs);
  return (agents * b) / (agents - loadErlangs * (1 - b));
}

/** Mean wait over all contacts (those answered at once count with 0): ASA = C·AHT / (n − A). Null when unstable. */
export function erlangCAsaSec(agents: number, loadErlangs: number, ahtSec: number): number | null {
  if (loadErlangs <= 0) return 0;
  if (agents <= loadErlangs) return null;
  return (erlangC(agents, loadErlangs) * ahtSec) / (agents - loadErlangs);
}

/**
 * Fraction answered within `slSec`: SL(t) = 1 − C·exp(−(n − A)·t / AHT). The wait of a queued contact
 * is exponential with rate (n − A)/AHT because, with all n agents busy, the queue drains at nμ and fills at λ.
 */
export function erlangCServiceLevel(agents: number, loadErlangs: number, ahtSec: number, slSec: number): number {
  if (loadErlangs <= 0) return 1;
  if (agents <= loadErlangs) return 0;
  const c = erlangC(agents, loadErlangs);
  return clamp01(1 - c * Math.exp((-(agents - loadErlangs) * slSec) / ahtSec));
}

/** Occupancy A/n: every offered Erlang is carried when nobody abandons. Capped at 1 when the queue is unstable. */
export function erlangCOccupancy(agents: number, loadErlangs: number): number {
  if (loadErlangs <= 0) return 0;
  return agents <= loadErlangs ? 1 : loadErlangs / agents;
}

/** All Erlang C metrics at once, sharing one Erlang B recursion. */
export function erlangCMetrics(agents: number, inputs: TrafficInputs): QueueMetrics {
  const { loadErlangs: a, ahtSec, slSec } = inputs;
  if (a <= 0) return { ...IDLE_METRICS };
  if (agents <= a) return { ...UNSTABLE_METRICS };
  const c = erlangC(agents, a);
  return {
    pWait: c,
    asaSec: (c * ahtSec) / (agents - a),
    serviceLevel: clamp01(1 - c * Math.exp((-(agents - a) * slSec) / ahtSec)),
    abandonRate: 0,
    occupancy: a / agents,
  };
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
