/**
 * How many agents a queue needs: the fewest that meet a service-level target, raised if they would be
 * busier than an occupancy cap allows, then grossed up for shrinkage (breaks, training, absence) into
 * the headcount to schedule.
 */
import { chatMetrics, chatOperatorsBelowTarget, type ChatInputs } from './chat.js';
import { erlangAMetrics, type ErlangAInputs } from './erlang-a.js';
import { erlangCMetrics } from './erlang.js';
import { QueueTooLongError, StaffingInputError } from './errors.js';
import { ceilTolerant } from './rounding.js';
import { MAX_AGENTS, smallestPassing } from './search.js';
import type { QueueMetrics, TrafficInputs } from './types.js';
import { checkNumber, checkTargetSlPct } from './validate.js';

export type StaffingModel = 'erlang-c' | 'erlang-a' | 'chat';

/** The inputs each model takes. */
export interface ModelInputs {
  'erlang-c': TrafficInputs;
  'erlang-a': ErlangAInputs;
  chat: ChatInputs;
}

interface ModelSpec<I> {
  metrics: (agents: number, inputs: I) => QueueMetrics;
  /** A staffing certain to miss `target` (a fraction), so the search need not evaluate below it. */
  belowTarget: (inputs: I, target: number) => number;
}

const MODELS: { [M in StaffingModel]: ModelSpec<ModelInputs[M]> } = {
  // n ≤ A is unstable: nobody is answered within any threshold.
  'erlang-c': { metrics: erlangCMetrics, belowTarget: (inputs) => Math.floor(inputs.loadErlangs) },
  // The answered share cannot exceed the work n agents can carry: SL ≤ 1 − P(abandon) ≤ n / A.
  'erlang-a': { metrics: erlangAMetrics, belowTarget: (inputs, target) => Math.ceil(target * inputs.loadErlangs) - 1 },
  chat: { metrics: chatMetrics, belowTarget: chatOperatorsBelowTarget },
};

export const STAFFING_MODELS: readonly StaffingModel[] = Object.keys(MODELS) as StaffingModel[];

/** The metrics of `model` staffed with `agents` (operators, for chat). */
export function modelMetrics<M extends StaffingModel>(model: M, agents: number, inputs: ModelInputs[M]): QueueMetrics {
  return (MODELS[model] as ModelSpec<ModelInputs[M]>).metrics(agents, inputs);
}

export interface StaffingLimits {
  /** Highest acceptable occupancy, in (0, 1]; none when absent. Sustained occupancy above ~85–90 % burns agents out. */
  maxOccupancy?: number;
  /** Share of scheduled time not spent available to contacts, in [0, 1); 0 when absent. */
  shrinkage?: number;
}

export interface AgentRequirement {
  /** Fewest productive agents whose service level reaches the target. */
  serviceLevelAgents: number;
  /** Productive agents needed: serviceLevelAgents, or more if the occupancy cap demands it. */
  agents: number;
  /** Headcount to schedule so that `agents` remain after shrinkage: ⌈agents / (1 − shrinkage)⌉. */
  scheduled: number;
  /** Which requirement set `agents`. */
  limitedBy: 'service-level' | 'occupancy';
  /** The queue's metrics with `agents` productive agents. */
  metrics: QueueMetrics;
}

/** Small slack on the occupancy test so that A / n landing exactly on the cap (8 / 10 vs 0.8) counts as meeting it. */
const OCCUPANCY_SLACK = 1e-12;

/**
 * The fewest agents meeting `targetSlPct` (percent of contacts answered within inputs.slSec), then the
 * occupancy cap (for Erlang C that is n ≥ A / maxOccupancy; for the other models the occupancy the
 * model reports, which counts only the work actually carried), then shrinkage.
 * Throws StaffingInputError for inputs out of their domain, or on 'targetSlPct' when no staffing up to
 * MAX_AGENTS reaches the target.
 */
export function requiredAgents<M extends StaffingModel>(model: M, inputs: ModelInputs[M], targetSlPct: number, limits: StaffingLimits = {}): AgentRequirement {
  const spec = MODELS[model] as ModelSpec<ModelInputs[M]> | undefined;
  if (spec === undefined) throw new StaffingInputError('model', `must be one of ${STAFFING_MODELS.join(', ')}, got ${JSON.stringify(model)}`);
  checkTrafficInputs(model, inputs);
  const target = checkTargetSlPct(targetSlPct) / 100;
  const maxOccupancy = checkNumber('maxOccupancy', limits.maxOccupancy ?? 1, { min: 0, minExclusive: true, max: 1 });
  const shrinkage = checkNumber('shrinkage', limits.shrinkage ?? 0, { min: 0, max: 1, maxExclusive: true });

  if (inputs.loadErlangs === 0) {
    return { serviceLevelAgents: 0, agents: 0, scheduled: 0, limitedBy: 'service-level', metrics: spec.metrics(1, inputs) };
  }

  const metricsAt = memoize((n: number) => spec.metrics(n, inputs));
  const meetsTarget = (n: number) => {
    try {
      return metricsAt(n).serviceLevel >= target;
    } catch (e) {
      // Deep overload with very long patience: too long a queue to solve. Counting it as a miss is safe —
      // SL only grows with agents, so at worst the answer moves up to a staffing that is solved and passes.
      if (e instanceof QueueTooLongError) return false;
      throw e;
    }
  };
  const serviceLevelAgents = smallestPassing(meetsTarget, spec.belowTarget(inputs, target));
  if (serviceLevelAgents === null) throw new StaffingInputError('targetSlPct', `not reachable with up to ${MAX_AGENTS} agents`);

  // Occupancy falls as agents are added, so the cap only ever raises the answer.
  const agents = smallestPassing((n) => metricsAt(n).occupancy <= maxOccupancy + OCCUPANCY_SLACK, serviceLevelAgents - 1);
  if (agents === null) throw new StaffingInputError('maxOccupancy', `not reachable with up to ${MAX_AGENTS} agents`);

  return {
    serviceLevelAgents,
    agents,
    scheduled: applyShrinkage(agents, shrinkage),
    limitedBy: agents > serviceLevelAgents ? 'occupancy' : 'service-level',
    metrics: metricsAt(agents),
  };
}

/** Headcount to schedule so that `agents` are productive after `shrinkage` (a fraction in [0, 1)). */
export function applyShrinkage(agents: number, shrinkage: number): number {
  checkNumber('shrinkage', shrinkage, { min: 0, max: 1, maxExclusive: true });
  return ceilTolerant(agents / (1 - shrinkage));
}

/** Domain checks on a model's inputs, named as the inputs spell them. */
function checkTrafficInputs(model: StaffingModel, inputs: TrafficInputs & { patienceSec?: number }): void {
  checkNumber('loadErlangs', inputs.loadErlangs, { min: 0 });
  checkNumber('ahtSec', inputs.ahtSec, { min: 0, minExclusive: true });
  checkNumber('slSec', inputs.slSec, { min: 0 });
  if (model === 'erlang-a' || inputs.patienceSec !== undefined) checkNumber('patienceSec', inputs.patienceSec, { min: 0, minExclusive: true });
}

/** The searches for the target and for the cap meet at the same staffing; evaluate each staffing once. */
function memoize<T>(f: (n: number) => T): (n: number) => T {
  const seen = new Map<number, T>();
  return (n) => {
    let v = seen.get(n);
    if (v === undefined) {
      v = f(n);
      seen.set(n, v);
    }
    return v;
  };
}
