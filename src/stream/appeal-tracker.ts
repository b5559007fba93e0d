import type { LoggedEvent } from '../contract/event.js';
import {
  appealKey,
  endsSegment,
  opensSegment,
  splitSegments,
  storyOrder,
  tellAppealStory,
  tellSegment,
  toAppealEvent,
  type AppealEvent,
  type Contribution,
  type OpenSegment,
} from '../metrics/appeal-story.js';
import { addCounters, emptyCounters, isZero, type Counters } from '../metrics/counters.js';
import { deadLetter, ok, type Step } from './steps.js';

export const MAX_EVENTS_PER_APPEAL = 500;

/** What is checkpointed per appeal: its events and the timeouts it was judged with. */
export interface SavedAppeal {
  tenant: string;
  appealId: string;
  events: AppealEvent[];
  /** Inactivity timeout per channel, fixed at first use so a config change cannot make a retraction miss. */
  timeouts: Record<string, number>;
  lastTs: number;
}

export interface AppealState extends SavedAppeal {
  /**
   * Derived from the events (never saved): where the last segment starts in `events`, what it
   * contributes (nothing kept once it was closed or missed), and its open part.
   */
  lastSegment: number;
  tail: Contribution[];
  open: OpenSegment | null;
  /**
   * What the checkpoints hold of it: its first `events` events in order (−1: they must write it whole
   * again, an event landed in its past), in `rows` rows (its own and its continuations).
   */
  stored: { events: number; rows: number };
}

/** The appeal's own timeout lookup: fixed per channel at first use, and saved with it. */
function timeoutsOf(st: SavedAppeal, inactivityTimeoutOf: (channel: string) => number): (channel: string) => number {
  return (ch) => {
    // own properties only: a channel may be named like an Object.prototype member
    if (!Object.hasOwn(st.timeouts, ch)) Object.defineProperty(st.timeouts, ch, { value: inactivityTimeoutOf(ch), enumerable: true, writable: true, configurable: true });
    return st.timeouts[ch];
  };
}

/** The story of an appeal under its own fixed timeouts. */
export function storyOf(st: SavedAppeal, inactivityTimeoutOf: (channel: string) => number) {
  return tellAppealStory(st.events, timeoutsOf(st, inactivityTimeoutOf));
}

/**
 * The whole story told segment by segment, as tellAppealStory tells it, noting where the last
 * segment's contributions begin: those are what an event coming in order can change.
 */
function tellWhole(st: SavedAppeal, inactivityTimeoutOf: (channel: string) => number) {
  const timeoutOf = timeoutsOf(st, inactivityTimeoutOf);
  const segments = splitSegments(st.events, timeoutOf);
  const all: Contribution[] = [];
  let open: OpenSegment | null = null;
  let tailFrom = 0;
  for (let i = 0; i < segments.length; i++) {
    tailFrom = all.length;
    open = tellSegment(segments[i], 0, segments[i + 1]?.[0].ts, timeoutOf, all);
  }
  const last = segments[segments.length - 1] ?? [];
  const lastSegment = st.events.length - last.length;
  return { all, open, tail: hasEnded(st.events, lastSegment) ? [] : all.slice(tailFrom), lastSegment };
}

/**
 * Whether the segment from `from` on was closed or missed. Nothing after such a segment changes what
 * it contributed (see splitSegments), so its contributions are not kept in memory: most appeals held
 * are settled ones, kept only for events arriving late.
 */
function hasEnded(events: readonly AppealEvent[], from: number): boolean {
  for (let i = from; i < events.length; i++) if (endsSegment(events[i])) return true;
  return false;
}

/** Rebuilds the derived part of a saved appeal (its contributions are already in storage). */
export function restoreAppeal(saved: SavedAppeal, inactivityTimeoutOf: (channel: string) => number, stored: AppealState['stored']): AppealState {
  const told = tellWhole(saved, inactivityTimeoutOf);
  return { ...saved, lastSegment: told.lastSegment, tail: told.tail, open: told.open, stored };
}

export const saveAppeal = ({ tenant, appealId, events, timeouts, lastTs }: AppealState): SavedAppeal => ({ tenant, appealId, events, timeouts, lastTs });

export interface AppealSink {
  contribution(tenant: string, c: Contribution, sign: number): void;
  openChanged(tenant: string, appealKey: string, prev: OpenSegment | null, next: OpenSegment | null): void;
}

/**
 * Adds `ev` to the appeal and hands the sink the change in what the appeal contributes, so that what
 * the sink has received for the appeal is always tellAppealStory of its events. An event that comes
 * after every event held (the usual case) can only change the last segment, and, when it opens a
 * segment of its own, how the previous one ended: only that is told again. An event that lands inside
 * the known past retells the whole story.
 */
export function addToAppeal(st: AppealState, ev: AppealEvent, sink: AppealSink, inactivityTimeoutOf: (channel: string) => number): void {
  const key = appealKey(st);
  const events = st.events;
  const last = events[events.length - 1];
  let after: Contribution[];
  let before: readonly Contribution[];
  let open: OpenSegment | null;
  if (last === undefined || storyOrder(last, ev) < 0) {
    const timeoutOf = timeoutsOf(st, inactivityTimeoutOf);
    before = st.tail;
    after = [];
    const ended = hasEnded(events, st.lastSegment);
    if (last !== undefined && opensSegment(last, ended, ev, timeoutOf)) {
      // The previous segment now ends where this one starts (or at its expiry, if that comes first);
      // one that was closed or missed ended there whatever follows, and its tail was not kept.
      if (!ended) tellSegment(events, st.lastSegment, ev.ts, timeoutOf, after);
      st.lastSegment = events.length;
    }
    events.push(ev);
    const tail: Contribution[] = [];
    open = tellSegment(events, st.lastSegment, undefined, timeoutOf, tail);
    for (const c of tail) after.push(c);
    st.tail = endsSegment(ev) ? [] : tail;
  } else {
    before = tellWhole(st, inactivityTimeoutOf).all;
    insertInOrder(events, ev);
    st.stored.events = -1;
    const told = tellWhole(st, inactivityTimeoutOf);
    after = told.all;
    open = told.open;
    st.tail = told.tail;
    st.lastSegment = told.lastSegment;
  }
  st.lastTs = Math.max(st.lastTs, ev.ts);
  emitChange(st.tenant, before, after, sink);
  sink.openChanged(st.tenant, key, st.open, open);
  st.open = open;
}

/**
 * Hands the sink `after − before`. A contribution found unchanged on both sides cancels out (most do:
 * a new event changes a cell or two of a story); the rest are retracted and added as they are, which
 * sums to the same cells.
 */
export function emitChange(tenant: string, before: readonly Contribution[], after: readonly Contribution[], sink: AppealSink): void {
  const matched = new Uint8Array(after.length);
  for (const b of before) {
    let j = 0;
    for (; j < after.length; j++) if (!matched[j] && sameContribution(b, after[j])) break;
    if (j < after.length) matched[j] = 1;
    else sink.contribution(tenant, b, -1);
  }
  for (let j = 0; j < after.length; j++) if (!matched[j]) sink.contribution(tenant, after[j], 1);
}

function sameContribution(a: Contribution, b: Contribution): boolean {
  return a.bucket === b.bucket && a.operator === b.operator && a.queue === b.queue && a.channel === b.channel && sameCounts(a.counters, b.counters);
}

function sameCounts(a: object, b: object): boolean {
  if (a === b) return true; // the story's constant contributions are shared
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    n++;
    const u = x[k];
    const v = y[k];
    if (typeof u === 'number' ? u !== v : v === undefined || typeof v !== 'object' || !sameCounts(u as object, v as object)) return false;
  }
  for (const _ in y) n--;
  return n === 0;
}

/**
 * The appeal state machine as a pipeline step. It keeps every event of each live appeal and, on each
 * new one, swaps the appeal's previous contribution for the one its story now gives (see addToAppeal).
 * So a late APPEAL_SENT_DISTRIBUTION, or a CLOSED arriving before its APPOINTED, corrects the numbers
 * instead of corrupting them.
 */
export function appealStep(
  appeals: Map<string, AppealState>,
  sink: AppealSink,
  inactivityTimeoutOf: (channel: string) => number,
  touched: (key: string) => void,
  /** Rows the checkpoints still hold of an appeal retired from memory since the last one (0 if none). */
  storedRowsOf: (key: string) => number,
): Step {
  return {
    name: 'appeal',
    run(e: LoggedEvent) {
      const key = appealKey(e);
      let st = appeals.get(key);
      // An event landing in the past retells the whole story; a runaway appeal (a looping integration) must not stall the stream.
      if (st && st.events.length >= MAX_EVENTS_PER_APPEAL) {
        return deadLetter(`appeal ${e.appealId} already has ${MAX_EVENTS_PER_APPEAL} events; more cannot be told as one story`);
      }
      if (!st) {
        // a story begun after one that was retired: the next checkpoint overwrites what is left of that one
        const rows = storedRowsOf(key);
        const stored = { events: rows ? -1 : 0, rows };
        st = { tenant: e.tenant, appealId: e.appealId!, events: [], timeouts: {}, lastSegment: 0, tail: [], open: null, lastTs: e.ts, stored };
        appeals.set(key, st);
      }
      addToAppeal(st, toAppealEvent(e), sink, inactivityTimeoutOf);
      touched(key);
      return ok;
    },
  };
}

/**
 * The difference between an appeal's old and new contributions, one entry per cell that changed. A new
 * event usually changes a cell or two of an appeal's story; swapping the whole story in and out of the
 * shared maps would touch every cell it ever contributed to.
 */
export function netChange(before: readonly Contribution[], after: readonly Contribution[]): Contribution[] {
  const net = new Map<string, Contribution & { counters: Counters }>();
  const put = (c: Contribution, sign: number) => {
    const key = `${c.queue}\u0001${c.channel}\u0001${c.operator}\u0001${c.bucket}`;
    let n = net.get(key);
    if (!n) net.set(key, (n = { queue: c.queue, channel: c.channel, operator: c.operator, bucket: c.bucket, counters: emptyCounters() }));
    addCounters(n.counters, c.counters, sign);
  };
  for (const c of before) put(c, -1);
  for (const c of after) put(c, 1);
  return [...net.values()].filter((c) => !isZero(c.counters));
}

/** Events mostly arrive in order, so search from the end. */
function insertInOrder(events: AppealEvent[], ev: AppealEvent): void {
  let i = events.length;
  while (i > 0 && storyOrder(events[i - 1], ev) > 0) i--;
  events.splice(i, 0, ev);
}

/**
 * Appeals whose story is over (closed, missed or expired) are dropped from memory once the watermark has
 * moved `retainMs` (the allowed lateness) past their end. A later event for one either comes after that
 * end, and then starts a story of its own with the same numbers the whole story would give (see
 * tellAppealStory), or comes from before it, and is then reconciled with the story read back from the log.
 */
export function evictSettled(
  appeals: Map<string, AppealState>,
  tenant: string,
  watermark: number,
  retainMs: number,
  onEvict: (key: string, st: AppealState) => void,
): void {
  for (const [key, st] of appeals) {
    if (st.tenant === tenant && isSettled(st, watermark, retainMs)) {
      appeals.delete(key);
      onEvict(key, st);
    }
  }
}

/** The appeal's story is over (closed, missed or expired) and the watermark is `retainMs` past its end. */
export function isSettled(st: AppealState, watermark: number, retainMs: number): boolean {
  const settledAt = st.open ? st.open.expiresAt : st.lastTs;
  return settledAt + retainMs < watermark;
}
