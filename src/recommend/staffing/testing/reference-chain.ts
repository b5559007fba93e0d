/**
 * A second, deliberately plain formulation of the staffing queues, for tests only. It shares no code
 * with the implementation and takes different routes wherever it can:
 *
 * - the stationary distribution is a truncated birth–death chain over an explicit array of states,
 *   normalised with log-sum-exp (no running scale, no closed-form geometric tail);
 * - P(wait), the mean queue and the abandonment share come from the state probabilities by Little's
 *   law and the abandonment flow (θ·E[queue] / λ), not from the waiting customer's point of view;
 * - the answered customers' mean wait comes from a first-step recursion on a tagged customer's place in line;
 * - the service level comes from uniformisation of the tagged customer's absorbing chain, not from
 *   an incomplete beta function.
 *
 * Time is in units of the mean handle time (μ = 1), so the arrival rate is the load A.
 */

export interface ReferenceQueue {
  /** Offered load A (arrival rate with μ = 1). */
  load: number;
  /** Slots c: an arrival finding c or more present waits. */
  slots: number;
  /** Total completion rate with m in service, 1 ≤ m ≤ slots. */
  serviceRate: (m: number) => number;
  /** Abandonment rate per queued customer (μ = 1). */
  theta: number;
}

export interface ReferenceResult {
  /** Stationary probabilities of states 0 … K−1 (truncated where negligible). */
  pi: Float64Array;
  pWait: number;
  /** Mean number queued. */
  meanQueue: number;
  /** Share of arrivals that abandon: θ·E[queue] / λ. */
  abandon: number;
}

export function referenceChain(q: ReferenceQueue): ReferenceResult {
  const { load, slots: c, serviceRate, theta } = q;
  const full = serviceRate(c);
  const death = (k: number) => (k <= c ? serviceRate(k) : full + (k - c) * theta);
  const logs: number[] = [0];
  let best = 0;
  let bestQueued = -Infinity;
  for (let k = 1; ; k++) {
    const lw = logs[k - 1] + Math.log(load) - Math.log(death(k));
    logs.push(lw);
    if (lw > best) best = lw;
    if (k >= c && lw > bestQueued) bestQueued = lw;
    // Stop past the slots and the mode, once weights are e^-60 below the largest queued one.
    if (k > c && lw < bestQueued - 60 && load < death(k + 1)) break;
    if (k > 5_000_000) throw new Error('reference chain too long');
  }
  let sum = 0;
  for (const lw of logs) sum += Math.exp(lw - best);
  const pi = new Float64Array(logs.length);
  for (let k = 0; k < logs.length; k++) pi[k] = Math.exp(logs[k] - best) / sum;

  let pWait = 0;
  let meanQueue = 0;
  for (let k = c; k < pi.length; k++) {
    pWait += pi[k];
    meanQueue += (k - c) * pi[k];
  }
  return { pi, pWait, meanQueue, abandon: (theta * meanQueue) / load };
}

/**
 * Mean wait of answered customers by first-step analysis of a tagged customer with i others ahead:
 * the next event is a move up (rate full + iθ) or its own abandonment (θ); with R = full + (i+1)θ,
 *   P_i = (full + iθ)/R · P_{i−1},   G_i = (full + iθ)/R · (P_{i−1}/R + G_{i−1}),   P_{−1} = 1, G_{−1} = 0,
 * where P_i = P(answered) and G_i = E[wait; answered].
 */
export function referenceMeanWaitAnswered(q: ReferenceQueue, r: ReferenceResult): number {
  const c = q.slots;
  const full = q.serviceRate(c);
  let answered = 0;
  let waitAnswered = 0;
  for (let k = 0; k < c; k++) answered += r.pi[k];
  let pPrev = 1;
  let gPrev = 0;
  for (let i = 0; c + i < r.pi.length; i++) {
    const move = full + i * q.theta;
    const rate = move + q.theta;
    const p = (move / rate) * pPrev;
    const g = (move / rate) * (pPrev / rate + gPrev);
    answered += r.pi[c + i] * p;
    waitAnswered += r.pi[c + i] * g;
    pPrev = p;
    gPrev = g;
  }
  return waitAnswered / answered;
}

/**
 * P(answered within t) by uniformisation: the tagged customer's chain (i ahead → i−1 at full + iθ,
 * → abandoned at θ, i = 0 → answered at full) is run as a discrete chain that jumps at a Poisson(Λ)
 * rate, Λ ≥ every exit rate; P(answered by t) = Σ_k Poisson(k; Λt) · P(answered within k jumps).
 */
export function referenceServiceLevel(q: ReferenceQueue, r: ReferenceResult, t: number): number {
  const c = q.slots;
  const full = q.serviceRate(c);
  const ahead = r.pi.length - c; // largest line length kept
  let sl = 0;
  for (let k = 0; k < c && k < r.pi.length; k++) sl += r.pi[k];
  if (ahead <= 0) return sl;

  const lambda = full + (ahead + 1) * q.theta;
  const lt = lambda * t;
  const jumps = Math.ceil(lt + 12 * Math.sqrt(lt) + 30);
  let within = new Float64Array(ahead); // P(answered within k jumps | i ahead), starting at k = 0
  const byT = new Float64Array(ahead);
  let logPois = -lt; // log Poisson(0; Λt)
  for (let k = 0; k <= jumps; k++) {
    const w = Math.exp(logPois);
    for (let i = 0; i < ahead; i++) byT[i] += w * within[i];
    const next = new Float64Array(ahead);
    for (let i = 0; i < ahead; i++) {
      const move = (full + i * q.theta) / lambda;
      const stay = 1 - (full + (i + 1) * q.theta) / lambda;
      next[i] = move * (i === 0 ? 1 : within[i - 1]) + stay * within[i];
    }
    within = next;
    logPois += Math.log(lt) - Math.log(k + 1);
  }
  for (let i = 0; i < ahead; i++) sl += r.pi[c + i] * byT[i];
  return sl;
}
