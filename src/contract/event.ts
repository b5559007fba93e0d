/**
 * Event contract v1: the shape channels push to ccpulse (see ARCHITECTURE.md).
 * This file is dependency-free so the simulator, the pipeline and the dashboard can share it.
 */

export const EVENT_TYPES = [
  'APPEAL_NEW',
  'APPEAL_RETURNED',
  'APPEAL_SENT_DISTRIBUTION',
  'APPEAL_APPOINTED',
  'APPEAL_TRANSFERRED',
  'APPEAL_CLOSED',
  'APPEAL_MISSED',
  'OPERATOR_STATUS',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const BUILTIN_CHANNELS = ['voice', 'telegram', 'vk', 'whatsapp', 'webchat', 'cabinet', 'email'] as const;
export type BuiltinChannel = (typeof BUILTIN_CHANNELS)[number];

export const OPERATOR_STATUSES = ['offline', 'ready', 'busy', 'break', 'acw'] as const;
export type OperatorStatus = (typeof OPERATOR_STATUSES)[number];

export const DIRECTIONS = ['inbound', 'outbound'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** Event types that describe an appeal (conversation / call) and so need appealId, channel and queue. */
export const APPEAL_EVENT_TYPES: ReadonlySet<EventType> = new Set(EVENT_TYPES.filter((t) => t !== 'OPERATOR_STATUS'));

/** Event types that must name the operator. */
export const OPERATOR_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  'APPEAL_APPOINTED',
  'APPEAL_TRANSFERRED',
  'APPEAL_CLOSED',
  'OPERATOR_STATUS',
]);

/** Longest name each naming field of an event may have. */
export const NAME_MAX_LENGTH = { id: 256, appealId: 256, operatorId: 256, campaignId: 256, channel: 64, queue: 128 } as const;

/** Names may not hold control characters (they cannot be stored, or break keys) nor broken UTF-16. */
export const CONTROL_OR_BROKEN = /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * A validated, normalized event. `ts` is event time in epoch milliseconds whatever the wire form was.
 * This is also a valid wire event, so producers (the simulator) can emit it as is.
 */
export interface CcEvent {
  id: string;
  type: EventType;
  ts: number;
  appealId?: string;
  channel?: string;
  queue?: string;
  operatorId?: string;
  status?: OperatorStatus;
  direction?: Direction;
  campaignId?: string;
  attrs?: Record<string, unknown>;
}

/** An event as it sits in the log: normalized, scoped to a tenant, with its log position. */
export interface LoggedEvent extends CcEvent {
  tenant: string;
  /** Log position: strictly increasing in commit order. */
  seq: number;
}
