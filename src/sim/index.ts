/**
 * Contact-center simulator: a deterministic discrete-event model of queues × channels, operators
 * and outbound campaigns, with fault injection and wall-clock pacing.
 *
 * Live demo (event ts = current time, with 15 minutes of history so the metrics start warm):
 *
 *   const now = Date.now();
 *   const sim = createSimulation({ scenario: 'demo', startTime: now - 15 * 60_000 });
 *   await runRealtime({ sim, speed: 1, catchUpTo: now, sink: (events) => ingest(events), signal });
 */
export { createSimulation, DEFAULT_START, type Simulation, type SimulationOptions, type SimStats } from './simulation.js';
export { runRealtime, type RealtimeOptions } from './realtime.js';
export { SCENARIOS, getScenario } from './scenarios.js';
export { checkAppealOrder } from './check.js';
export type { StaffingActions, CoreStats } from './engine.js';
export type { FaultStats } from './faults.js';
export type { ScenarioDef, StreamDef, OperatorGroup, LoadDef, FaultOptions, CampaignDef } from './types.js';
export { Rng, sample, type Dist } from './rng.js';
