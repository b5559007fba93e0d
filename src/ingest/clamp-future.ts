import type { CcEvent } from '../contract/event.js';

/** Attribute that marks an event whose time was clamped, keeping the time it claimed. */
export const CLAMPED_ATTR = 'ccpulseClampedFromTs';

/**
 * A channel clock far ahead would put metrics into minutes that have not happened yet (and hold QA
 * open until then). Such an event is kept, its time clamped to the arrival time, and flagged with the
 * time it claimed.
 */
export function clampFuture(event: CcEvent, now: number, maxSkewMs: number): boolean {
  if (event.ts <= now + maxSkewMs) return false;
  event.attrs = { ...event.attrs, [CLAMPED_ATTR]: event.ts };
  event.ts = now;
  return true;
}

/**
 * The time an event claimed (the log's key time: PostgreSQL migration 011): its ts, or the time it claimed before it was clamped to
 * its arrival; a retry claims the same, whenever it comes. A claimed time no timestamp can hold is not
 * one the server clamped: the event's own ts stands.
 */
export function claimedTs(e: CcEvent): number {
  const claimed = e.attrs?.[CLAMPED_ATTR];
  return typeof claimed === 'number' && Number.isFinite(claimed) && Math.abs(claimed) <= 8.64e15 ? Math.trunc(claimed) : e.ts;
}
