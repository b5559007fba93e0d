import type { LoggedEvent } from '../contract/event.js';
import { storyOrder, tellAppealStory, type AppealEvent, type Contribution, type OpenSegment } from '../metrics/appeal-story.js';
import { ok, type Step } from './steps.js';

export interface AppealState {
  tenant: string;
  appealId: string;
  events: AppealEvent[];
  contributions: Contribution[];
  open: OpenSegment | null;
  lastTs: number;
}

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
export function appealStep(appeals: Map<string, AppealState>, sink: AppealSink, inactivityTimeoutOf: (channel: string) => number): Step {
  return {
    name: 'appeal',
    run(e: LoggedEvent) {
      const key = `${e.tenant}\u0001${e.appealId}`;
      let st = appeals.get(key);
      if (!st) {
        st = { tenant: e.tenant, appealId: e.appealId!, events: [], contributions: [], open: null, lastTs: e.ts };
        appeals.set(key, st);
      }
      const ev: AppealEvent = { id: e.id, type: e.type, ts: e.ts, queue: e.queue!, channel: e.channel! };
      if (e.operatorId) ev.operatorId = e.operatorId;
      insertInOrder(st.events, ev);
      st.lastTs = Math.max(st.lastTs, e.ts);

      const story = tellAppealStory(st.events, inactivityTimeoutOf);
      for (const c of st.contributions) sink.contribution(e.tenant, c, -1);
      for (const c of story.contributions) sink.contribution(e.tenant, c, 1);
      sink.openChanged(e.tenant, key, st.open, story.open);
      st.contributions = story.contributions;
      st.open = story.open;
      return ok;
    },
  };
}

/** Events mostly arrive in order, so search from the end. */
function insertInOrder(events: AppealEvent[], ev: AppealEvent): void {
  let i = events.length;
  while (i > 0 && storyOrder(events[i - 1], ev) > 0) i--;
  events.splice(i, 0, ev);
}

/**
 * Appeals whose story is over (closed, missed or expired) are dropped from memory once event time has
 * moved `retainMs` past their last event: a later event for them starts afresh.
 */
export function evictSettled(appeals: Map<string, AppealState>, watermark: number, retainMs: number, onEvict: (key: string, st: AppealState) => void): number {
  let n = 0;
  for (const [key, st] of appeals) {
    const settledAt = st.open ? st.open.expiresAt : st.lastTs;
    if (settledAt + retainMs < watermark) {
      appeals.delete(key);
      onEvict(key, st);
      n++;
    }
  }
  return n;
}
