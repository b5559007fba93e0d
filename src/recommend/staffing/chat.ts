/**
 * Multi-chat staffing (a Koole-style state-dependent model): each operator serves up to k chats at once,
 * and an operator holding j chats progresses each of them at μ·s(j), where μ = 1/AHT and s is a speed
 * factor per concurrency level — typing in several windows is slower per chat, but faster in total.
 *
 * Pooled approximation. The exact state is how many chats each operator holds; this model keeps only
 * the total m, assuming chats are always spread as evenly as possible (every operator holds ⌊m/n⌋ or
 * ⌈m/n⌉). Routing each new chat to the least-busy operator keeps arrivals even; departures can leave the
 * spread uneven until the next arrivals refill the gaps, which this model ignores. It is exact for k = 1
 * and slightly optimistic otherwise: when each extra chat adds less throughput (j·s(j) concave), the even
 * spread is the fastest one. With m ≤ n·k
 * a new chat starts at once; above n·k it queues (FCFS), every operator runs k chats at rate n·k·μ·s(k),
 * and queued chats may abandon with exponential patience — the same queue as Erlang A.
 *
 * `ahtSec` is the handle time of a chat served alone (s(1) = 1 by default) and `loadErlangs` is
 * arrivals × that AHT; an AHT measured over mixed concurrency already includes some slowdown.
 */
import { StaffingInputError } from './errors.js';
import { queueMetricsOf, solveSaturatingChain } from './saturating-chain.js';
import { MAX_AGENTS, smallestPassing } from './search.js';
import { IDLE_METRICS, type QueueMetrics, type TrafficInputs } from './types.js';
import { checkNumber, checkTargetSlPct } from './validate.js';

/**
 * Speed factors per concurrency level: either one per level, s(1) … s(k) (fractions in (0, 1]), or a
 * single efficiency factor e, meaning each extra concurrent chat slows every chat of that operator by e:
 * s(j) = e^(j−1).
 */
export type Slowdown = readonly number[] | number;

/**
 * The default efficiency when none is configured. It is a placeholder, not a measured value: with it
 * an operator on 3 chats handles each at 72 % speed and 2.2× the chats of one. Calibrate from data.
 */
export const DEFAULT_CHAT_EFFICIENCY = 0.85;

/** The most chats one operator may be given in this model. */
export const MAX_CONCURRENCY = 50;

export interface ChatInputs extends TrafficInputs {
  /** Chats one operator may hold at once, k ≥ 1. */
  concurrency: number;
  /** Per-level speed factors or one efficiency factor; DEFAULT_CHAT_EFFICIENCY when absent. */
  slowdown?: Slowdown;
  /** Mean patience of a queued chat, seconds; without it nobody abandons (and too few operators is unstable). */
  patienceSec?: number;
}

/** s(1) … s(k) as an array indexed from 0, validated. */
export function chatSpeedFactors(concurrency: number, slowdown: Slowdown = DEFAULT_CHAT_EFFICIENCY): number[] {
  const k = checkNumber('concurrency', concurrency, { min: 1, max: MAX_CONCURRENCY, integer: true });
  if (typeof slowdown === 'number') {
    const e = checkNumber('slowdown', slowdown, { min: 0, minExclusive: true, max: 1 });
    return Array.from({ length: k }, (_, i) => e ** i);
  }
  if (!Array.isArray(slowdown) || slowdown.length !== k) {
    throw new StaffingInputError('slowdown', `must be one efficiency factor or exactly ${k} speed factors (one per concurrency level)`);
  }
  return slowdown.map((s, i) => checkNumber(`slowdown[${i}]`, s, { min: 0, minExclusive: true, max: 1 }));
}

export function chatMetrics(operators: number, inputs: ChatInputs): QueueMetrics {
  const { loadErlangs, ahtSec, slSec, concurrency: k, patienceSec } = inputs;
  checkNumber('agents', operators, { min: 1, integer: true });
  if (loadErlangs <= 0) return { ...IDLE_METRICS };
  const throughput = operatorThroughput(chatSpeedFactors(k, inputs.slowdown));
  const chain = solveSaturatingChain({
    load: loadErlangs,
    slots: operators * k,
    serviceRate: (m) => evenSpreadRate(m, operators, throughput),
    abandonRate: patienceSec === undefined ? 0 : ahtSec / patienceSec,
    slThreshold: slSec / ahtSec,
  });
  return queueMetricsOf(chain, ahtSec);
}

/**
 * The fewest operators whose service level (fraction answered within slSec) reaches targetSlPct.
 * Throws a StaffingInputError on 'targetSlPct' when even MAX_AGENTS operators cannot reach it.
 */
export function requiredChatOperators(inputs: ChatInputs, targetSlPct: number): number {
  const target = checkTargetSlPct(targetSlPct) / 100;
  if (inputs.loadErlangs <= 0) return 0;
  const n = smallestPassing((ops) => chatMetrics(ops, inputs).serviceLevel >= target, chatOperatorsBelowTarget(inputs, target));
  if (n === null) throw new StaffingInputError('targetSlPct', `not reachable with up to ${MAX_AGENTS} operators`);
  return n;
}

/**
 * A number of operators certain to miss a service-level target (a fraction), as the search's start.
 * Answered chats cannot outnumber what the operators can finish: at most n·max_j j·s(j) per AHT, so
 * SL ≤ n·max_j j·s(j) / A. Without abandonment, n·k·s(k) ≤ A is unstable as well.
 */
export function chatOperatorsBelowTarget(inputs: ChatInputs, target: number): number {
  const speeds = chatSpeedFactors(inputs.concurrency, inputs.slowdown);
  const throughput = operatorThroughput(speeds);
  const best = Math.max(...throughput);
  let fail = Math.ceil((target * inputs.loadErlangs) / best) - 1;
  if (inputs.patienceSec === undefined) fail = Math.max(fail, Math.ceil(inputs.loadErlangs / throughput[throughput.length - 1]) - 1);
  return Math.max(0, fail);
}

/** j·s(j) for j = 0 … k: how many solo-AHTs of work one operator finishes per AHT while holding j chats. */
function operatorThroughput(speeds: readonly number[]): number[] {
  return [0, ...speeds.map((s, i) => (i + 1) * s)];
}

/** Total completion rate (units of μ) with m chats spread evenly over n operators: r operators hold q+1, the rest q. */
function evenSpreadRate(m: number, n: number, throughput: readonly number[]): number {
  const q = Math.floor(m / n);
  const r = m - q * n;
  return r === 0 ? n * throughput[q] : r * throughput[q + 1] + (n - r) * throughput[q];
}
