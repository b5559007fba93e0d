import type { LoggedEvent } from '../contract/event.js';
import { appealKey, toAppealEvent, storyOrder, tellAppealStory, type AppealEvent, type Contribution, type OpenSegment } from '../metrics/appeal-story.js';
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
  /** Derived from the events (never saved): what the appeal currently contributes, and its open segment. */
  contributions: Contribution[];
  open: OpenSegment | null;
}

/** The story of an appeal under its own fixed timeouts. */
export function storyOf(st: SavedAppeal, inactivityTimeoutOf: (channel: string) => number) {
  return tellAppealStory(st.events, (ch) => {
    // own properties only: a channel may be named like an Object.prototype member
    if (!Object.hasOwn(st.timeouts, ch)) Object.defineProperty(st.timeouts, ch, { value: inactivityTimeoutOf(ch), enumerable: true, writable: true, configurable: true });
    return st.timeouts[ch];
  });
}

/** Rebuilds the derived part of a saved appeal (its contributions are already in storage). */
export function restoreAppeal(saved: SavedAppeal, inactivityTimeoutOf: (channel: string) => number): AppealState {
  const story = storyOf(saved, inactivityTimeoutOf);
  return { ...saved, contributions: story.contributions, open: story.open };
}

export const saveAppeal = ({ tenant, appealId, events, timeouts, lastTs }: AppealState): SavedAppeal => ({ tenant, appealId, events, timeouts, lastTs });

export interface AppealSink {
  contribution(tenant: string, c: Contribution, sign: number): void;
  openChanged(tenant: string, appealKey: string, prev: OpenSegment | null, next: OpenSegment | null): void;
}

/**
 * The appeal state machine as a pipeline step. It keeps every event of each live appeal and, on each
 * new one, swaps the appeal's previous contribution for the one its full story now gives. So a late
 * APPEAL_SENT_DISTRIBUTION, or a CLOSED arriving before its APPOINTED, corrects the numbers instead of
 * corrupting them.
 */
export function appealStep(
  appeals: Map<string, AppealState>,
  sink: AppealSink,
  inactivityTimeoutOf: (channel: string) => number,
  touched: (key: string) => void,
): Step {
  return {
    name: 'appeal',
    run(e: LoggedEvent) {
      const key = appealKey(e);
      let st = appeals.get(key);
      // Each event retells the whole story; a runaway appeal (a looping integration) must not stall the stream.
      if (st && st.events.length >= MAX_EVENTS_PER_APPEAL) {
        return deadLetter(`appeal ${e.appealId} already has ${MAX_EVENTS_PER_APPEAL} events; more cannot be told as one story`);
      }
      if (!st) {
        st = { tenant: e.tenant, appealId: e.appealId!, events: [], timeouts: {}, contributions: [], open: null, lastTs: e.ts };
        appeals.set(key, st);
      }
      insertInOrder(st.events, toAppealEvent(e));
      st.lastTs = Math.max(st.lastTs, e.ts);

      const story = storyOf(st, inactivityTimeoutOf);
      for (const c of netChange(st.contributions, story.contributions)) sink.contribution(e.tenant, c, 1);
      sink.openChanged(e.tenant, key, st.open, story.open);
      st.contributions = story.contributions;
      st.open = story.open;
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
    if (st.tenant !== tenant) continue;
    const settledAt = st.open ? st.open.expiresAt : st.lastTs;
    if (settledAt + retainMs < watermark) {
      appeals.delete(key);
      onEvict(key, st);
    }
  }
}
