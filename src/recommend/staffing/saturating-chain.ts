/**
 * The one birth–death chain behind Erlang A and the multi-chat model: contacts arrive at rate λ; with
 * m < c contacts present all of them are in service (c = agents, or agents × chats per agent) at a
 * total rate r(m); from m = c on every slot is busy, the slots complete work at a fixed rate a = r(c),
 * and each of the m − c queued contacts abandons at rate θ (exponential patience).
 *
 * All rates are in units of μ = 1/AHT, so the arrival rate is the offered load A in Erlangs and the
 * service-level threshold is t/AHT. This keeps numbers near 1 whatever the time unit.
 *
 * Stationary distribution: π(m) ∝ Π λ/death(i). The products overflow a double for a few hundred
 * agents, so weights are kept as logarithms and summed with a running scale (every accumulator is held
 * divided by e^scale, and scale follows the largest weight seen). The queue part is cut where the rest
 * is provably below 1e-16 of the queue's mass: past the mode the ratios λ/death(m) only shrink, so the
 * rest is bounded by a geometric series. With θ = 0 the queue part is geometric and summed in closed form.
 */
import { QueueTooLongError, StaffingInputError } from './errors.js';
import type { QueueMetrics } from './types.js';

export interface SaturatingChain {
  /** Offered load A = λ/μ, Erlangs. */
  load: number;
  /** Service slots c ≥ 1: contacts beyond c queue. */
  slots: number;
  /** Total service rate (units of μ) with m contacts in service, 1 ≤ m ≤ slots. Must be positive. */
  serviceRate: (m: number) => number;
  /** Abandonment rate of one queued contact, θ/μ = AHT / mean patience; 0 when nobody abandons. */
  abandonRate: number;
  /** Service-level threshold in units of AHT (slSec / ahtSec). */
  slThreshold: number;
}

/** Chain results; times in units of AHT. */
export interface ChainMetrics {
  pWait: number;
  /** Mean wait of answered contacts (0 for those answered at once), in AHTs; null when unstable. */
  meanWaitAnswered: number | null;
  serviceLevel: number;
  abandonRate: number;
  /** Mean number of busy slots divided by `slots`. */
  occupancy: number;
}

/** Beyond this many queue states the chain is not worth solving (a QueueTooLongError). */
const MAX_QUEUE_STATES = 500_000;
/** Share of the queue's mass below which the rest of the queue is dropped. */
const TAIL_EPSILON = 1e-16;
/**
 * Mean patience accepted, in AHTs: from a trillionth of a handle time to a trillion handle times.
 * Beyond these the rates overflow or underflow a double (AHT / patience is Infinity, or A / θ is) and the
 * sums turn into NaN; nothing real lies out there (use the erlang-c model for callers who never hang up).
 */
export const MIN_PATIENCE_AHT = 1e-12;
export const MAX_PATIENCE_AHT = 1e12;

/** A chain's results as a queue's metrics, times back in seconds. */
export function queueMetricsOf(chain: ChainMetrics, ahtSec: number): QueueMetrics {
  return {
    pWait: chain.pWait,
    asaSec: chain.meanWaitAnswered === null ? null : chain.meanWaitAnswered * ahtSec,
    serviceLevel: chain.serviceLevel,
    abandonRate: chain.abandonRate,
    occupancy: chain.occupancy,
  };
}

export function solveSaturatingChain(chain: SaturatingChain): ChainMetrics {
  const { load, slots: c, serviceRate, abandonRate: theta, slThreshold: t } = chain;
  if (load <= 0) return { pWait: 0, meanWaitAnswered: 0, serviceLevel: 1, abandonRate: 0, occupancy: 0 };
  if (theta !== 0 && !(theta <= 1 / MIN_PATIENCE_AHT)) throw new StaffingInputError('patienceSec', `must be at least 1e-12 times ahtSec, got ${1 / theta} times`);
  if (theta !== 0 && !(theta >= 1 / MAX_PATIENCE_AHT)) {
    throw new StaffingInputError('patienceSec', `must be at most 1e12 times ahtSec, got ${1 / theta} times; for callers who never hang up use the erlang-c model`);
  }
  const a = serviceRate(c);
  if (theta === 0 && load >= a) return { pWait: 1, meanWaitAnswered: null, serviceLevel: 0, abandonRate: 0, occupancy: 1 };

  const logLoad = Math.log(load);
  const acc = new ScaledSums();

  // States 0 … c−1: nobody waits.
  let logW = 0;
  for (let m = 0; m < c; m++) {
    if (m > 0) logW += logLoad - Math.log(serviceRate(m));
    const w = acc.weight(logW);
    acc.total += w;
    acc.answered += w;
    acc.answeredInSl += w;
    acc.busy += m * w;
  }
  // State c: the first one in which an arrival waits.
  logW += logLoad - Math.log(a);

  if (theta === 0) addGeometricQueue(acc, logW, load, a, c, t);
  else addAbandoningQueue(acc, logW, load, a, c, theta, t);

  return {
    pWait: clamp01(acc.waiting / acc.total),
    meanWaitAnswered: acc.waitOfAnswered / acc.answered,
    serviceLevel: clamp01(acc.answeredInSl / acc.total),
    abandonRate: clamp01(acc.abandoned / acc.total),
    occupancy: clamp01(acc.busy / acc.total / c),
  };
}

/**
 * Nobody abandons (θ = 0) and a > A: above c the weights are w(c)·ρʲ with ρ = A/a, and a contact that
 * finds j others queued waits a sum of j+1 exponentials of rate a (an Erlang(j+1, a) time). Summed:
 * P(wait) ∝ w(c)/(1−ρ), mean wait ∝ w(c)/(a(1−ρ)²), and answered within t ∝ w(c)·(1 − e^{−(a−A)t})/(1−ρ) —
 * the same algebra that gives Erlang C's SL formula.
 */
function addGeometricQueue(acc: ScaledSums, logWc: number, load: number, a: number, c: number, t: number): void {
  const rho = load / a;
  const wc = acc.weight(logWc);
  const waiting = wc / (1 - rho);
  acc.total += waiting;
  acc.waiting += waiting;
  acc.answered += waiting;
  acc.busy += c * waiting;
  acc.waitOfAnswered += wc / (a * (1 - rho) * (1 - rho));
  acc.answeredInSl += (-Math.expm1(-(a - load) * t) * wc) / (1 - rho);
}

/**
 * With abandonment (θ > 0): walk the queue states until the rest is negligible.
 *
 * A contact that arrives with j others queued ahead (state c + j) moves up one place whenever a slot
 * frees (rate a) or one of those ahead abandons (rate iθ with i ahead), and itself abandons at rate θ.
 * Because the others' moves do not depend on its own patience, it is answered iff its patience outlasts
 * V = Σ_{i=0..j} Exp(a + iθ), so
 *   P(answered)              = E[e^{−θV}]          = Π a+iθ / a+(i+1)θ = a / (a + (j+1)θ)   (telescoping)
 *   E[wait; answered]        = P(answered) · Σ_{i=1..j+1} 1/(a + iθ)
 *   P(answered, wait ≤ t)    = E[e^{−θV}; V ≤ t] = P(answered) · P(X ≤ t),   X = Σ_{i=1..j+1} Exp(a + iθ)
 * (tilting the density of V by e^{−θv} shifts every rate up by θ). X is the exact hypoexponential with
 * rates in arithmetic progression, and θX = −ln Y with Y ~ Beta(a/θ + 1, j + 1) (their Mellin transforms
 * match), so P(X ≤ t) = I_x(j + 1, a/θ + 1) with x = 1 − e^{−θt}, a regularized incomplete beta.
 *
 * Why not the textbook partial-fraction CDF of a hypoexponential: its coefficients alternate in sign
 * and grow like binomials, so it loses every digit past a few dozen stages. Here I_x(m, β) is stepped
 * down in m by I_x(m+1, β) = I_x(m, β) − T_m with T_m = x^m (1−x)^β Γ(m+β)/(Γ(m+1)Γ(β)) > 0, the terms
 * carried as logarithms (T_m/T_{m−1} = x(m−1+β)/m) so that e^{−at} underflowing for large a·t costs
 * nothing. Subtracting terms that are each ≤ 1 keeps the absolute error near 1e-16 per step, far below
 * the 1e-6 needed; as θ → 0 the same recursion becomes the Poisson form of the Erlang(j+1, a) CDF.
 */
function addAbandoningQueue(acc: ScaledSums, logWc: number, load: number, a: number, c: number, theta: number, t: number): void {
  // x = 1 − e^{−θt} and x·β with β = a/θ + 1, without cancellation when θ is tiny.
  const x = -Math.expm1(-theta * t);
  const xBeta = x * (a / theta + 1);
  let inSl = -Math.expm1(-(a + theta) * t); // I_x(1, β) = 1 − (1−x)^β
  let logTerm = Math.log(xBeta) - (a + theta) * t; // log T_1
  let harmonic = 0; // Σ_{i=1..j+1} 1/(a + iθ)

  // Overloaded, the weights peak where arrivals balance completions plus abandonment, (A − a)/θ places
  // into the queue; refuse at once rather than after walking millions of states.
  if ((load - a) / theta > MAX_QUEUE_STATES) throw new QueueTooLongError(MAX_QUEUE_STATES);

  const logLoad = Math.log(load);
  let logW = logWc;
  for (let j = 0; ; j++) {
    if (j > 0) logW += logLoad - Math.log(a + j * theta);
    if (j >= MAX_QUEUE_STATES) throw new QueueTooLongError(MAX_QUEUE_STATES);
    const w = acc.weight(logW);
    const leaveRate = a + (j + 1) * theta;
    const answered = a / leaveRate;
    harmonic += 1 / leaveRate;

    acc.total += w;
    acc.waiting += w;
    acc.busy += c * w;
    acc.answered += w * answered;
    acc.abandoned += (w * (j + 1) * theta) / leaveRate;
    acc.waitOfAnswered += w * answered * harmonic;
    acc.answeredInSl += w * answered * inSl;

    // Step I_x(j+1, β) → I_x(j+2, β).
    inSl -= Math.exp(logTerm);
    if (inSl < 0) inSl = 0;
    const m = j + 1;
    logTerm += Math.log(x * m + xBeta) - Math.log(m + 1);

    const nextRatio = load / (a + (j + 1) * theta);
    // Relative to the queue's own mass, not the whole chain's, so that even a P(wait) of 1e-12 keeps its digits.
    if (nextRatio < 1 && (w * nextRatio) / (1 - nextRatio) <= TAIL_EPSILON * acc.waiting) break;
  }
}

/**
 * Sums of weights e^{logW} held as multiples of e^{scale}, where scale is the largest log-weight seen so
 * far: nothing overflows, and weights far below the largest underflow harmlessly to 0.
 */
class ScaledSums {
  private scale = 0;
  total = 0;
  waiting = 0;
  answered = 0;
  abandoned = 0;
  busy = 0;
  waitOfAnswered = 0;
  answeredInSl = 0;

  /** The weight e^{logW} in the current scale, first rescaling every sum if it is the largest yet. */
  weight(logW: number): number {
    if (logW > this.scale) {
      const f = Math.exp(this.scale - logW);
      this.total *= f;
      this.waiting *= f;
      this.answered *= f;
      this.abandoned *= f;
      this.busy *= f;
      this.waitOfAnswered *= f;
      this.answeredInSl *= f;
      this.scale = logW;
    }
    return Math.exp(logW - this.scale);
  }
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
