/**
 * The one staffing calculation behind `POST /v1/staffing/calc` and `ccpulse staffing calc --json`:
 * a queue described the way a planner describes it (calls per interval, AHT, agents), its metrics at
 * that staffing, and — given a service-level target — the agents it needs.
 *
 * Input comes from JSON, so every field is checked at run time whatever its static type; the first
 * mistake throws a StaffingInputError naming the field (the HTTP layer answers 400 with it).
 */
import { chatSpeedFactors, type ChatInputs, type Slowdown } from './chat.js';
import { StaffingInputError } from './errors.js';
import { modelMetrics, requiredAgents, STAFFING_MODELS, type ModelInputs, type StaffingLimits, type StaffingModel } from './required.js';
import { MAX_AGENTS } from './search.js';
import type { TrafficInputs } from './types.js';
import { checkNumber, checkTargetSlPct } from './validate.js';

export interface StaffingCalcInput {
  model: StaffingModel;
  /** Contacts offered in one interval. */
  callsPerInterval: number;
  /** Interval length, seconds (1800 for half-hours). */
  intervalSec: number;
  /** Mean handle time, seconds; for chat, of a chat served alone. */
  ahtSec: number;
  /** Productive agents (operators, for chat) to evaluate. */
  agents: number;
  /** Service-level threshold, seconds. */
  slSec: number;
  /** Mean patience, seconds: required by erlang-a, optional for chat, ignored by erlang-c. */
  patienceSec?: number;
  /** Chats per operator (chat only; required there). */
  concurrency?: number;
  /** Speed factor per concurrency level, or one efficiency factor (chat only). */
  slowdown?: Slowdown;
  /** Service-level target, percent in (0, 100): asks for requiredAgents and scheduledAgents. */
  targetSlPct?: number;
  /** Occupancy cap for requiredAgents, in (0, 1]. */
  maxOccupancy?: number;
  /** Shrinkage for scheduledAgents, in [0, 1). */
  shrinkage?: number;
}

export interface StaffingCalcResult {
  /** Probability an arriving contact waits, 0–1. */
  pWait: number;
  /** Mean wait of answered contacts, seconds; null when the queue is unstable (waits grow without bound). */
  asaSec: number | null;
  /** Percent of offered contacts answered within slSec. */
  slPct: number;
  /** Percent of offered contacts that abandon (always 0 for erlang-c). */
  abandonPct: number;
  /** Busy agents (chat: busy slots) over those staffed, 0–1. */
  occupancy: number;
  /** Productive agents needed for targetSlPct (after the occupancy cap); only when targetSlPct is given. */
  requiredAgents?: number;
  /** Headcount to schedule for requiredAgents after shrinkage; only when targetSlPct is given. */
  scheduledAgents?: number;
}

/** The longest handle time accepted: a week. Longer is a typo, and would otherwise surface as an absurd load. */
export const MAX_AHT_SEC = 7 * 86_400;

/**
 * The most chats one operator may hold: more is not a contact center, and the model's work grows with it
 * (the calculation runs where requests are served: its worst case at the limits stays near 0.15 s).
 */
export const MAX_CONCURRENCY = 20;

/** The largest offered load accepted, Erlangs: beyond it no staffing up to MAX_AGENTS could cope. */
export const MAX_LOAD_ERLANGS = MAX_AGENTS / 2;

export function staffingCalc(input: StaffingCalcInput): StaffingCalcResult {
  if (typeof input !== 'object' || input === null) throw new StaffingInputError('input', 'must be an object');
  const model = input.model;
  if (!STAFFING_MODELS.includes(model)) throw new StaffingInputError('model', `must be one of ${STAFFING_MODELS.join(', ')}, got ${JSON.stringify(model)}`);

  const calls = checkNumber('callsPerInterval', input.callsPerInterval, { min: 0 });
  const intervalSec = checkNumber('intervalSec', input.intervalSec, { min: 1 }); // a second or more: shorter is a unit mistake (ms for s)
  const ahtSec = checkNumber('ahtSec', input.ahtSec, { min: 0, minExclusive: true, max: MAX_AHT_SEC });
  const agents = checkNumber('agents', input.agents, { min: 1, max: MAX_AGENTS, integer: true });
  const slSec = checkNumber('slSec', input.slSec, { min: 0 });
  const patienceSec = optional(input.patienceSec, (v) => checkNumber('patienceSec', v, { min: 0, minExclusive: true }));
  const concurrency = optional(input.concurrency, (v) => checkNumber('concurrency', v, { min: 1, max: MAX_CONCURRENCY, integer: true }));
  const targetSlPct = optional(input.targetSlPct, (v) => checkTargetSlPct(v));
  const maxOccupancy = optional(input.maxOccupancy, (v) => checkNumber('maxOccupancy', v, { min: 0, minExclusive: true, max: 1 }));
  const shrinkage = optional(input.shrinkage, (v) => checkNumber('shrinkage', v, { min: 0, max: 1, maxExclusive: true }));

  // Calls × AHT / interval, in that order, so that 100 × 180 / 1800 is exactly 10.
  const loadErlangs = (calls * ahtSec) / intervalSec;
  if (!(loadErlangs <= MAX_LOAD_ERLANGS)) {
    throw new StaffingInputError('callsPerInterval', `offers ${loadErlangs} Erlangs (calls × AHT / interval); at most ${MAX_LOAD_ERLANGS} are supported`);
  }
  const traffic: TrafficInputs = { loadErlangs, ahtSec, slSec };
  const ask: Ask = { agents, targetSlPct, limits: { maxOccupancy, shrinkage } };

  switch (model) {
    case 'erlang-c':
      return evaluate('erlang-c', traffic, ask);
    case 'erlang-a':
      if (patienceSec === undefined) throw new StaffingInputError('patienceSec', 'is required by the erlang-a model');
      return evaluate('erlang-a', { ...traffic, patienceSec }, ask);
    case 'chat': {
      if (concurrency === undefined) throw new StaffingInputError('concurrency', 'is required by the chat model');
      const chat: ChatInputs = { ...traffic, concurrency, patienceSec };
      if (input.slowdown !== undefined) chat.slowdown = input.slowdown;
      chatSpeedFactors(concurrency, chat.slowdown); // checks slowdown against concurrency before any work
      return evaluate('chat', chat, ask);
    }
  }
}

/** What the caller asked about the queue. */
interface Ask {
  agents: number;
  targetSlPct: number | undefined;
  limits: StaffingLimits;
}

function evaluate<M extends StaffingModel>(model: M, inputs: ModelInputs[M], ask: Ask): StaffingCalcResult {
  const m = modelMetrics(model, ask.agents, inputs);
  const result: StaffingCalcResult = {
    pWait: m.pWait,
    asaSec: m.asaSec,
    slPct: m.serviceLevel * 100,
    abandonPct: m.abandonRate * 100,
    occupancy: m.occupancy,
  };
  if (ask.targetSlPct !== undefined) {
    const need = requiredAgents(model, inputs, ask.targetSlPct, ask.limits);
    result.requiredAgents = need.agents;
    result.scheduledAgents = need.scheduled;
  }
  return result;
}

function optional<T>(value: unknown, check: (v: unknown) => T): T | undefined {
  return value === undefined ? undefined : check(value);
}
