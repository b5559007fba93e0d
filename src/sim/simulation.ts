import type { CcEvent } from '../contract/event.js';
import { Campaign } from './campaign.js';
import { Core, type CoreStats, type StaffingActions } from './engine.js';
import { FaultLayer, type FaultStats } from './faults.js';
import { getScenario } from './scenarios.js';
import type { FaultOptions, ScenarioDef } from './types.js';

export interface SimulationOptions {
  /** A named scenario (see SCENARIOS) or a full definition. */
  scenario: string | ScenarioDef;
  seed?: number;
  /** Epoch ms of sim time 0; default a fixed instant (Mon 2026-01-05 09:00 UTC) so runs are reproducible. */
  startTime?: number;
  /** Run length; default the scenario's, else unbounded. */
  durationMs?: number;
  /** Fault injection; replaces the scenario's own faults when given. */
  faults?: FaultOptions;
  /** Prefix of event and appeal ids; default derived from seed and startTime, so two demo runs never collide. */
  runId?: string;
}

export interface SimStats extends CoreStats {
  faults: FaultStats;
}

export interface Simulation {
  readonly scenario: ScenarioDef;
  readonly seed: number;
  readonly runId: string;
  readonly startTime: number;
  /** startTime + duration (Infinity when unbounded). */
  readonly endTime: number;
  /** Sim time reached so far, epoch ms. */
  readonly now: number;
  /** True when the run is over and every held-back event was delivered. */
  readonly done: boolean;
  /** Advance sim time up to untilTs (epoch ms) and return the events delivered meanwhile. */
  next(untilTs: number): CcEvent[];
  stats(): SimStats;
  /** Staffing changes, effective at the current sim time (`now`). */
  readonly actions: StaffingActions;
}

export const DEFAULT_START = Date.UTC(2026, 0, 5, 9, 0, 0);

export function createSimulation(opts: SimulationOptions): Simulation {
  const scenario = typeof opts.scenario === 'string' ? getScenario(opts.scenario, opts.seed ?? 1) : opts.scenario;
  const seed = (opts.seed ?? 1) >>> 0;
  const startTime = opts.startTime ?? DEFAULT_START;
  const duration = opts.durationMs ?? scenario.durationMs ?? Infinity;
  const runId = opts.runId ?? `${seed.toString(36)}.${startTime.toString(36)}`;
  const core = new Core(scenario, seed, startTime, duration, runId);
  for (const c of scenario.campaigns ?? []) core.addPlugin(new Campaign(core, c));
  const faults = new FaultLayer(opts.faults ?? scenario.faults ?? {}, core.rng.fork(0xfa17), startTime);

  return {
    scenario,
    seed,
    runId,
    startTime,
    endTime: startTime + duration,
    get now() {
      return startTime + core.now();
    },
    get done() {
      return core.finished && faults.pending === 0;
    },
    next(untilTs: number): CcEvent[] {
      faults.push(core.advance(untilTs - startTime));
      return core.finished ? faults.flush() : faults.release(untilTs);
    },
    stats: () => ({ ...core.stats(), faults: { ...faults.counts } }),
    actions: core.actions,
  };
}
