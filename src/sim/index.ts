/** Contact-center simulator: deterministic discrete-event model, fault injection, wall-clock pacing. */
export { createSimulation, DEFAULT_START, type Simulation, type SimulationOptions, type SimStats } from './simulation.js';
export { runRealtime, type RealtimeOptions } from './realtime.js';
export { SCENARIOS, getScenario } from './scenarios.js';
export type { StaffingActions, CoreStats } from './engine.js';
export type { FaultStats } from './faults.js';
export type { ScenarioDef, StreamDef, OperatorGroup, LoadDef, FaultOptions, CampaignDef } from './types.js';
export { Rng, sample, type Dist } from './rng.js';
export { checkAppealOrder } from './check.js';
