import { EVENT_TYPES, type EventType } from '../contract/event.js';
import type { AppealEvent } from '../metrics/appeal-story.js';
import type { SavedAppeal } from './appeal-tracker.js';

/**
 * The checkpoint's form of an appeal: an array, not an object, with event types as numbers, times as
 * differences from the previous event and a queue or channel only where it changes. Every checkpoint
 * writes every appeal it changed: this form is less than half the JSON of the object one, which is
 * that much less to serialize on the main thread, to write, and to parse again at recovery.
 *
 *   [3, tenant, appealId, lastTs, timeouts, id, type, dt, queue | 0, channel | 0, operatorId | 0, id, …]
 */
export type EncodedAppeal = [3, string, string, number, Record<string, number>, ...Array<string | number>];

const FORMAT = 3;
const TYPE_CODE = new Map<EventType, number>(EVENT_TYPES.map((t, i) => [t, i]));

export function encodeAppeal(st: SavedAppeal): EncodedAppeal {
  const out: EncodedAppeal = [FORMAT, st.tenant, st.appealId, st.lastTs, st.timeouts];
  let prev: AppealEvent | undefined;
  for (const e of st.events) {
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
  return out;
}

/** Reads an appeal as a checkpoint stored it: this form, or the object form of checkpoints written before it. */
export function decodeAppeal(value: unknown): SavedAppeal {
  if (!Array.isArray(value)) return value as SavedAppeal;
  const v = value as EncodedAppeal;
  if (v[0] !== FORMAT) throw new Error(`checkpointed appeal: unknown format ${String(v[0])}`);
  const events: AppealEvent[] = [];
  let prev: AppealEvent | undefined;
  for (let i = 5; i < v.length; i += 6) {
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
  // a plain object for the timeouts again: JSON.parse made one, whose own properties are the data
  return { tenant: v[1], appealId: v[2], lastTs: v[3], timeouts: v[4], events };
}
