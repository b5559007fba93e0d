/**
 * Staffing math for the recommendation engine: queueing models (Erlang B/C, Erlang A, multi-chat),
 * the email backlog model, required-agent search and the calc entry point. Pure functions, no I/O.
 */
export { erlangB, erlangC, erlangCAsaSec, erlangCMetrics, erlangCOccupancy, erlangCServiceLevel } from './erlang.js';
export { erlangAMetrics, estimatePatienceSec, type ErlangAInputs, type PatienceSample } from './erlang-a.js';
export {
  chatMetrics,
  chatSpeedFactors,
  requiredChatOperators,
  DEFAULT_CHAT_EFFICIENCY,
  MAX_CONCURRENCY,
  type ChatInputs,
  type Slowdown,
} from './chat.js';
export { backlogClearHours, backlogOperatorsNeeded, type BacklogWork } from './backlog.js';
export {
  applyShrinkage,
  modelMetrics,
  requiredAgents,
  STAFFING_MODELS,
  type AgentRequirement,
  type ModelInputs,
  type StaffingLimits,
  type StaffingModel,
} from './required.js';
export { staffingCalc, MAX_AHT_SEC, MAX_LOAD_ERLANGS, type StaffingCalcInput, type StaffingCalcResult } from './calc.js';
export { QueueTooLongError, StaffingInputError } from './errors.js';
export { MAX_AGENTS } from './search.js';
export type { QueueMetrics, TrafficInputs } from './types.js';
