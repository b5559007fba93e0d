import type { EventType, LoggedEvent } from '../contract/event.js';
import type { Counters } from './counters.js';
import { binOf } from './wait-histogram.js';

/**
 * The metric definitions, as one pure function: given every event seen for one appeal, say what the
 * appeal contributes to each rollup cell and whether it is open now. The stream calls it again on
 * each new event of the appeal and swaps the old contribution for the new one, so events arriving
 * out of order, or a fallback that a later event overrides, end in exactly the numbers that an
 * in-order run would give.
 *
 * An appeal is a sequence of segments, each opened by APPEAL_NEW or APPEAL_RETURNED. Within one:
 *   queued at = APPEAL_SENT_DISTRIBUTION, or the segment start when it is missing
 *   W (wait)   = first APPEAL_APPOINTED − queued at;  H (handle) = APPEAL_CLOSED − that appointment
 * Repairs for lost events are contributed as counters too (kind → count), so they are visible per cell.
 */

export interface AppealEvent {
  /** The event id: the last tie-breaker of story order, so the story does not depend on delivery order. */
  id: string;
  type: EventType;
  ts: number;
  queue: string;
  channel: string;
  operatorId?: string;
}

/** An appeal's identity across the pipeline: its tenant and its id. */
export const appealKey = (e: { tenant: string; appealId?: string }) => `${e.tenant}\u0001${e.appealId}`;

/** The part of a logged appeal event its story needs. */
export function toAppealEvent(e: LoggedEvent): AppealEvent {
  const ev: AppealEvent = { id: e.id, type: e.type, ts: e.ts, queue: e.queue!, channel: e.channel! };
  if (e.operatorId) ev.operatorId = e.operatorId;
  return ev;
}

export interface Contribution {
  queue: string;
  channel: string;
  /** '' for the queue-level cell; otherwise the operator's cell. */
  operator: string;
  bucket: number;
  counters: Partial<Counters>;
}

/** The appeal's current open segment, as the live view needs it. */
export interface OpenSegment {
  queue: string;
  channel: string;
  phase: 'waiting' | 'handling';
  startedAt: number;
  queuedAt: number;
  /** Inactivity expiry: the segment leaves QA at this time unless another event arrives first. */
  expiresAt: number;
  operatorId?: string;
}

export interface AppealStory {
  contributions: Contribution[];
  open: OpenSegment | null;
}

export const BUCKET_MS = 60_000;
export const bucketOf = (ts: number): number => ts - (((ts % BUCKET_MS) + BUCKET_MS) % BUCKET_MS);

export const REPAIR_KINDS = {
  /** No APPEAL_SENT_DISTRIBUTION before the appeal moved on: queued at = segment start. */
  noDistribution: 'noDistribution',
  /** Closed (or transferred) with no APPEAL_APPOINTED seen: counts in AA and HA, not in AWT or AHT. */
  noAppointment: 'noAppointment',
  /** Events arrived for a segment whose APPEAL_NEW / APPEAL_RETURNED never came (including events after a close). */
  missingStart: 'missingStart',
  /** No event for longer than the channel's inactivity timeout: the appeal left QA. */
  expired: 'expired',
  /** A new segment started while the previous one was still open: the old one ends there. */
  superseded: 'superseded',
} as const;

const TYPE_ORDER: Record<EventType, number> = {
  APPEAL_NEW: 0,
  APPEAL_RETURNED: 0,
  APPEAL_SENT_DISTRIBUTION: 1,
  APPEAL_APPOINTED: 2,
  APPEAL_TRANSFERRED: 3,
  APPEAL_CLOSED: 4,
  APPEAL_MISSED: 4,
  OPERATOR_STATUS: 5,
};

/** Story order: event time, then lifecycle order for equal times, then event id. */
export function storyOrder(a: AppealEvent, b: AppealEvent): number {
  return a.ts - b.ts || TYPE_ORDER[a.type] - TYPE_ORDER[b.type] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

// The contributions that are the same every time, shared rather than made per event: whoever adds
// them copies their numbers (frozen, so one that did not would fail loudly).
const QA_IN: Partial<Counters> = Object.freeze({ qaDelta: 1 });
const QA_OUT: Partial<Counters> = Object.freeze({ qaDelta: -1 });
const OFFERED: Partial<Counters> = Object.freeze({ offered: 1 });
const AA: Partial<Counters> = Object.freeze({ aa: 1 });
const HA: Partial<Counters> = Object.freeze({ ha: 1 });
type RepairKind = keyof typeof REPAIR_KINDS;
const REPAIR = Object.fromEntries(
  Object.keys(REPAIR_KINDS).map((k) => [k, Object.freeze({ repairs: Object.freeze({ [k]: 1 }) })]),
) as Record<RepairKind, Partial<Counters>>;

const isStart = (t: EventType) => t === 'APPEAL_NEW' || t === 'APPEAL_RETURNED';

/**
 * @param events the appeal's events, in story order (see storyOrder)
 * @param inactivityTimeoutMs per-channel inactivity timeout
 */
export function tellAppealStory(events: readonly AppealEvent[], inactivityTimeoutMs: (channel: string) => number): AppealStory {
  const out: Contribution[] = [];
  const segments = splitSegments(events, inactivityTimeoutMs);
  let open = null as OpenSegment | null;
  for (let i = 0; i < segments.length; i++) open = tellSegment(segments[i], 0, segments[i + 1]?.[0].ts, inactivityTimeoutMs, out);
  return { contributions: out, open };
}

// Split into segments at each start event. An event after a close or miss also opens one: its
// APPEAL_RETURNED was lost. So does an event after a silence longer than the inactivity timeout:
// the segment expired then, and what comes later cannot reopen it. Both rules make a settled
// story final: events after it never change what it contributed, so the stream may forget a
// settled appeal and tell what comes next as a story of its own, with the same numbers as the
// batch path that tells all of it at once.
export function splitSegments(events: readonly AppealEvent[], inactivityTimeoutMs: (channel: string) => number): AppealEvent[][] {
  const segments: AppealEvent[][] = [];
  let ended = false;
  let prev: AppealEvent | undefined;
  for (const e of events) {
    if (prev === undefined || opensSegment(prev, ended, e, inactivityTimeoutMs)) {
      segments.push([e]);
      ended = false;
    } else segments[segments.length - 1].push(e);
    if (endsSegment(e)) ended = true;
    prev = e;
  }
  return segments;
}

export const endsSegment = (e: AppealEvent) => e.type === 'APPEAL_CLOSED' || e.type === 'APPEAL_MISSED';

/**
 * Whether `e`, told right after `prev` (the last event of a segment that has `ended` or not), starts a
 * segment of its own. Only the last segment decides: the stream uses this to tell an event that comes
 * in order as a change to the last segment alone.
 */
export function opensSegment(prev: AppealEvent, ended: boolean, e: AppealEvent, inactivityTimeoutMs: (channel: string) => number): boolean {
  return isStart(e.type) || ended || e.ts > prev.ts + inactivityTimeoutMs(prev.channel);
}

/**
 * What one segment, `events[from..]`, contributes (appended to `out`), and its open part if it is still
 * open. A segment's numbers depend on its own events and on when the next segment starts (`nextStart`),
 * nothing else.
 */
export function tellSegment(
  seg: readonly AppealEvent[],
  from: number,
  nextStart: number | undefined,
  inactivityTimeoutMs: (channel: string) => number,
  out: Contribution[],
): OpenSegment | null {
  const add = (e: { queue: string; channel: string }, operator: string, ts: number, counters: Partial<Counters>) =>
    out.push({ queue: e.queue, channel: e.channel, operator, bucket: bucketOf(ts), counters });
  const repair = (e: { queue: string; channel: string }, ts: number, kind: RepairKind) => add(e, '', ts, REPAIR[kind]);
  // One operator's stretch of handling ended (by a transfer, a re-appointment or the close).
  const spanEnded = (h: { operatorId: string; since: number }, at: AppealEvent) =>
    add(at, h.operatorId, at.ts, { handleSumMs: at.ts - h.since, handleCount: 1 });

  const startEv = seg[from];
  if (!isStart(startEv.type)) repair(startEv, startEv.ts, REPAIR_KINDS.missingStart);

  let where: { queue: string; channel: string } = startEv;
  let sd: AppealEvent | undefined;
  let appt: AppealEvent | undefined;
  let handler: { operatorId: string; since: number } | undefined;
  let end: AppealEvent | undefined;
  let lastTs = startEv.ts;
  add(where, '', startEv.ts, QA_IN);

  for (let k = isStart(startEv.type) ? from + 1 : from; k < seg.length; k++) {
    const e = seg[k];
    lastTs = e.ts;
    if (e.queue !== where.queue || e.channel !== where.channel) {
      // The appeal moved (e.g. a transfer to another queue): QA moves with it.
      add(where, '', e.ts, QA_OUT);
      add(e, '', e.ts, QA_IN);
      where = e;
    }
    switch (e.type) {
      case 'APPEAL_SENT_DISTRIBUTION':
        if (!sd && !appt && !handler) sd = e;
        break;
      case 'APPEAL_APPOINTED':
      case 'APPEAL_TRANSFERRED':
        if (e.type === 'APPEAL_APPOINTED' && !appt && !handler) appt = e;
        if (handler) spanEnded(handler, e);
        // The first appointment's operator is credited below (unless the segment is missed);
        // every later hand-over credits the receiving operator here.
        if (e.operatorId && e !== appt) add(e, e.operatorId, e.ts, AA);
        if (e.operatorId) handler = { operatorId: e.operatorId, since: e.ts };
        break;
      case 'APPEAL_CLOSED':
      case 'APPEAL_MISSED':
        end = e;
        break;
    }
  }

  const queuedEv = sd ?? startEv;
  const queuedAt = queuedEv.ts;
  add(queuedEv, '', queuedAt, OFFERED);
  if (!sd && (appt || handler || end)) repair(startEv, startEv.ts, REPAIR_KINDS.noDistribution);

  if (end?.type === 'APPEAL_MISSED') {
    const waited = Math.max(0, end.ts - queuedAt);
    add(end, '', end.ts, { missed: 1, abandonHist: { [binOf(waited)]: 1 } });
  } else {
    if (appt) {
      const w = Math.max(0, appt.ts - queuedAt);
      add(appt, '', appt.ts, { aa: 1, waitSumMs: w, waitCount: 1, waitHist: { [binOf(w)]: 1 } });
      if (appt.operatorId) add(appt, appt.operatorId, appt.ts, { aa: 1, waitSumMs: w, waitCount: 1, waitHist: { [binOf(w)]: 1 } });
    } else if (end || handler) {
      // Answered, but the appointment was lost: accepted at the first sign of handling.
      let seen = end!;
      for (let k = seg.length - 1; k >= from; k--) if (seg[k].type === 'APPEAL_TRANSFERRED') seen = seg[k];
      add(seen, '', seen.ts, AA);
      repair(seen, seen.ts, REPAIR_KINDS.noAppointment);
    }
    if (end) {
      add(end, '', end.ts, appt ? { ha: 1, handleSumMs: end.ts - appt.ts, handleCount: 1 } : HA);
      const closer = end.operatorId ?? handler?.operatorId;
      if (closer) add(end, closer, end.ts, HA);
      if (handler) spanEnded(handler, end);
    }
  }

  // Leaving QA: at the close or miss; else at the next segment's start or at inactivity expiry.
  if (end) {
    add(where, '', end.ts, QA_OUT);
    return null;
  }
  const expiresAt = lastTs + inactivityTimeoutMs(where.channel);
  if (nextStart !== undefined && nextStart < expiresAt) {
    add(where, '', nextStart, QA_OUT);
    repair(where, nextStart, REPAIR_KINDS.superseded);
    return null;
  }
  add(where, '', expiresAt, QA_OUT);
  repair(where, expiresAt, REPAIR_KINDS.expired);
  if (nextStart !== undefined) return null;
  return {
    queue: where.queue,
    channel: where.channel,
    phase: appt || handler ? 'handling' : 'waiting',
    startedAt: startEv.ts,
    queuedAt,
    expiresAt,
    operatorId: handler?.operatorId,
  };
}
