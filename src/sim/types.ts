import type { Dist } from './rng.js';

/**
 * Scenario definitions: plain data, so a scenario can be written in code, loaded from JSON,
 * or generated from a seed (`random`). All times are milliseconds of simulation time
 * (0 = the run's startTime) unless a name says otherwise.
 */
export interface ScenarioDef {
  name: string;
  description: string;
  /** Default run length; Infinity runs until stopped. Overridden by createSimulation's durationMs. */
  durationMs?: number;
  streams: StreamDef[];
  operators: OperatorGroup[];
  load?: LoadDef;
  /** Fault injection applied to the output (the demo enables a little loss). */
  faults?: FaultOptions;
  campaigns?: CampaignDef[];
}

/** One queue × channel: where appeals arrive and wait. */
export interface StreamDef {
  queue: string;
  channel: string;
  /** Mean arrivals per hour when the load multiplier is 1. */
  perHour: number;
  /** Handle time of one operator leg. */
  handle: Dist;
  /** Customer patience while queued; absent = never abandons (email). */
  patience?: Dist;
  /** APPEAL_NEW → APPEAL_SENT_DISTRIBUTION (IVR, bot, routing). Default uniform 0.3–1.5 s. */
  routeDelay?: Dist;
  /** After-contact work; the operator shows `acw` and takes nothing new meanwhile. */
  acw?: Dist;
  /** At the end of a leg, the appeal is transferred with probability p, to one of `to` queues (same channel) or the same queue. */
  transfer?: { p: number; to?: string[] };
  /** After a close the customer comes back with probability p (APPEAL_RETURNED, a new segment). */
  returns?: { p: number; after: Dist };
}

export interface OperatorGroup {
  n: number;
  /** `queue/channel` keys this group serves; the first is the primary one reported in OPERATOR_STATUS. */
  skills: string[];
  /** Simultaneous appeals per channel; defaults: voice 1, email 1, any other channel 3. */
  concurrency?: Record<string, number>;
  /** Logged in over [from, to) of sim time; default the whole run. */
  shift?: [number, number];
  /** Breaks: time between them and their length. The operator drains current work first. */
  breaks?: { every: Dist; length: Dist };
  /** Operator id prefix; ids are `${prefix}${index}`. Default `op`. */
  prefix?: string;
}

export interface LoadDef {
  /** Multiplier per hour of day (24 values, linear between hours), evaluated at startTime + t in UTC + tzOffsetHours. */
  timeOfDay?: number[];
  tzOffsetHours?: number;
  /** Multiplier per day of the week (7 values, Monday first), in UTC + tzOffsetHours. */
  weekday?: number[];
  /**
   * When set, the profile is read on a simulated clock that starts at this hour, whatever startTime is
   * (so a morning-peak run shows its peak even when it is paced against today's wall clock).
   */
  startHour?: number;
  /** Slow sinusoid: multiplier 1 + amplitude·sin(2πt/period). */
  sine?: { amplitude: number; periodMs: number; phase?: number };
  /** Random bursts on one random stream at a time. */
  bursts?: { everyMs: number; length: Dist; factor: [number, number] };
  /** Scripted windows: multiply the arrival rate of matching streams (factor 0 = nothing arrives). */
  windows?: Array<{ from: number; to: number; factor: number; queue?: string; channel?: string }>;
}

export interface FaultOptions {
  /** Fraction of events dropped. */
  drop?: number;
  /** Restrict drops to these types (the demo loses only SENT_DISTRIBUTION / APPOINTED / CLOSED). */
  dropTypes?: string[];
  /** Fraction of events delivered twice (same id). */
  duplicate?: number;
  /** Fraction of events delivered late by up to reorderWindowMs (ts unchanged). */
  reorder?: number;
  reorderWindowMs?: number;
  /** Fraction of events replaced by an invalid version (missing field / wrong type / unknown enum). */
  corrupt?: number;
  /** Windows (sim ms) in which matching events are never delivered: a broken channel integration. */
  silence?: Array<{ from: number; to: number; queue?: string; channel?: string }>;
}

/** Outbound predictive-dialer campaign. */
export interface CampaignDef {
  id: string;
  queue: string;
  contacts: number;
  agents: number;
  lines: number;
  /** Probability a dialed contact answers. */
  answerRate: number;
  /** Ring time before answer, and before giving up on a no-answer. */
  ringAnswered: Dist;
  ringNoAnswer: Dist;
  talk: Dist;
  wrap?: Dist;
  /** Cap on abandons (answered, no free agent) as a fraction of answered; default 0.03. */
  maxAbandon?: number;
  /** Pacing recomputation period; default 15 s (as VICIdial). */
  pacingEveryMs?: number;
  startAt?: number;
}
