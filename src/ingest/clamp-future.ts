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
