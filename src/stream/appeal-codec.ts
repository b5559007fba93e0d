import { EVENT_TYPES, type EventType } from '../contract/event.js';
import { appealKey, type AppealEvent } from '../metrics/appeal-story.js';
import type { SavedAppeal } from './appeal-tracker.js';

/**
 * The checkpoint's form of an appeal: an array, not an object, with event types as numbers, times as
 * differences from the previous event and a queue or channel only where it changes. This form is less
 * than half the JSON of the object one, which is that much less to serialize on the main thread, to
 * write, and to parse again at recovery.
 *
 *   [3, tenant, appealId, lastTs, timeouts, id, type, dt, queue | 0, channel | 0, operatorId | 0, id, …]
 *
 * Events that come in order after a checkpoint are written as a continuation, a row of their own, so
 * each checkpoint writes what is new rather than every changed appeal's whole story again:
 *
 *   [4, tenant, appealId, index (1, 2, …), timeouts, the new events as above]
 */
export type EncodedAppeal = [3, string, string, number, Record<string, number>, ...Array<string | number>];
export type EncodedContinuation = [4, string, string, number, Record<string, number>, ...Array<string | number>];

const FORMAT = 3;
const CONTINUATION = 4;
const TYPE_CODE = new Map<EventType, number>(EVENT_TYPES.map((t, i) => [t, i]));

/** The key of an appeal's continuation row `index`; the appeal's own row is keyed by its appealKey. */
// Tenants are named in the configuration, and none starts with \u0002; appeal ids, which clients
// choose, come after the index, so no continuation key is any appeal's key.
export const continuationKey = (appealKey: string, index: number) => `\u0002${index}\u0002${appealKey}`;

export function encodeAppeal(st: SavedAppeal): EncodedAppeal {
  const out: EncodedAppeal = [FORMAT, st.tenant, st.appealId, st.lastTs, st.timeouts];
  pushEvents(out, st.events, 0);
  return out;
}

/** The appeal's events from `from` on, as its continuation row `index`. */
export function encodeContinuation(st: SavedAppeal, index: number, from: number): EncodedContinuation {
  const out: EncodedContinuation = [CONTINUATION, st.tenant, st.appealId, index, st.timeouts];
  pushEvents(out, st.events, from);
  return out;
}

function pushEvents(out: Array<unknown>, events: readonly AppealEvent[], from: number): void {
  let prev: AppealEvent | undefined;
  for (let i = from; i < events.length; i++) {
    const e = events[i];
    out.push(
      e.id,
      TYPE_CODE.get(e.type)!,
      prev ? e.ts - prev.ts : e.ts,
      prev && prev.queue === e.queue ? 0 : e.queue,
      prev && prev.channel === e.channel ? 0 : e.channel,
      e.operatorId ?? 0,
    );
    prev = e;
  }
}

/** An appeal read back from a checkpoint, and how many rows it was stored in. */
export interface StoredAppeal {
  saved: SavedAppeal;
  rows: number;
}

/**
 * Reads a checkpoint's appeal rows, in any order: each appeal's own row (this form, or the object form
 * of checkpoints written before it) followed by its continuations.
 */
export function decodeAppeals(values: Iterable<unknown>): StoredAppeal[] {
  const heads = new Map<string, SavedAppeal>();
  const continuations = new Map<string, Array<{ index: number; events: AppealEvent[]; timeouts: Record<string, number> }>>();
  for (const value of values) {
    if (Array.isArray(value) && value[0] === CONTINUATION) {
      const v = value as EncodedContinuation;
      const key = appealKey({ tenant: v[1], appealId: v[2] });
      let list = continuations.get(key);
      if (!list) continuations.set(key, (list = []));
      list.push({ index: v[3], events: readEvents(v, 5), timeouts: v[4] });
      continue;
    }
    const saved = decodeAppeal(value);
    heads.set(appealKey(saved), saved);
  }
  const out: StoredAppeal[] = [];
  for (const [key, saved] of heads) {
    const list = (continuations.get(key) ?? []).sort((a, b) => a.index - b.index);
    for (const c of list) {
      for (const e of c.events) saved.events.push(e);
      // the later row knows every timeout the earlier ones did, and any fixed since
      saved.timeouts = c.timeouts;
    }
    if (saved.events.length) saved.lastTs = Math.max(saved.lastTs, saved.events[saved.events.length - 1].ts);
    out.push({ saved, rows: 1 + list.length });
  }
  return out;
}

/** Reads an appeal's own row: this form, or the object form of checkpoints written before it. */
export function decodeAppeal(value: unknown): SavedAppeal {
  if (!Array.isArray(value)) return value as SavedAppeal;
  const v = value as EncodedAppeal;
  if (v[0] !== FORMAT) throw new Error(`checkpointed appeal: unknown format ${String(v[0])}`);
  // a plain object for the timeouts again: JSON.parse made one, whose own properties are the data
  return { tenant: v[1], appealId: v[2], lastTs: v[3], timeouts: v[4], events: readEvents(v, 5) };
}

function readEvents(v: ReadonlyArray<unknown>, from: number): AppealEvent[] {
  const events: AppealEvent[] = [];
  let prev: AppealEvent | undefined;
  for (let i = from; i < v.length; i += 6) {
    const ev: AppealEvent = {
      id: v[i] as string,
      type: EVENT_TYPES[v[i + 1] as number],
      ts: (prev ? prev.ts : 0) + (v[i + 2] as number),
      queue: v[i + 3] === 0 ? prev!.queue : (v[i + 3] as string),
      channel: v[i + 4] === 0 ? prev!.channel : (v[i + 4] as string),
    };
    if (v[i + 5] !== 0) ev.operatorId = v[i + 5] as string;
    events.push(ev);
    prev = ev;
  }
  return events;
}
