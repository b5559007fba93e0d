/**
 * Erlang A (M/M/n+M): Erlang C plus abandonment — every queued contact hangs up after an exponential
 * patience with mean `patienceSec`. Unlike Erlang C it is stable at any staffing, so it still answers
 * sensibly when agents ≤ load, and it does not overstate waits when callers really do give up.
 *
 * The chain and the wait distribution are solved in saturating-chain.ts (see there for the method:
 * log-space stationary distribution, exact conditional waits via a regularized incomplete beta).
 */
import { queueMetricsOf, solveSaturatingChain } from './saturating-chain.js';
import { IDLE_METRICS, type QueueMetrics, type TrafficInputs } from './types.js';
import { checkNumber } from './validate.js';

export interface ErlangAInputs extends TrafficInputs {
  /** Mean patience of a queued contact, seconds (see estimatePatienceSec). */
  patienceSec: number;
}

export function erlangAMetrics(agents: number, inputs: ErlangAInputs): QueueMetrics {
  const { loadErlangs, ahtSec, slSec, patienceSec } = inputs;
  checkNumber('agents', agents, { min: 1, integer: true });
  if (loadErlangs <= 0) return { ...IDLE_METRICS };
  const chain = solveSaturatingChain({
    load: loadErlangs,
    slots: agents,
    serviceRate: (m) => m,
    abandonRate: ahtSec / patienceSec,
    slThreshold: slSec / ahtSec,
  });
  return queueMetricsOf(chain, ahtSec);
}

/** What was observed over some period: abandoned contacts and the waits of everyone who queued. */
export interface PatienceSample {
  /** Contacts that abandoned while queued. */
  abandonedCount: number;
  /** Sum of the waits of the abandoned contacts, seconds (each is an observed patience). */
  abandonedWaitSec: number;
  /**
   * Sum of the waits of the answered contacts, seconds (0 for those answered at once). Each is a
   * lower bound on that caller's patience: they were still there when an agent took them.
   */
  answeredWaitSec: number;
}

/**
 * Mean patience by maximum likelihood for exponential patience with right-censored observations:
 * total time at risk divided by the number of abandons, (Σ abandoned waits + Σ answered waits) / abandons.
 * Dividing abandoned waits alone by the abandons would understate patience badly on a well-staffed
 * queue, where the patient callers are precisely the ones answered before they could show it.
 * Null when nobody abandoned: the data then only says patience is long, not how long.
 */
export function estimatePatienceSec(sample: PatienceSample): number | null {
  if (!(sample.abandonedCount > 0)) return null;
  return (sample.abandonedWaitSec + sample.answeredWaitSec) / sample.abandonedCount;
}
