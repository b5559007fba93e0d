/**
 * When to try a failed delivery again: exponential backoff with full jitter (AWS's "Exponential Backoff
 * And Jitter"): a random wait between 0 and base·2^attempt, capped, so that many deliveries that failed
 * together (an endpoint down) do not all come back at once. An endpoint's own Retry-After is respected
 * when it asks for longer.
 */
export const BACKOFF = { baseMs: 1_000, capMs: 10 * 60_000 } as const;
/** Attempts before a delivery is given up (dead, visible in the API, replayable). */
export const MAX_ATTEMPTS = 8;

/** The wait before attempt `attempt + 1` (attempt ≥ 1: the tries made), `random` in [0, 1). */
export function backoffMs(attempt: number, random: number, retryAfterMs?: number): number {
  const ceiling = Math.min(BACKOFF.capMs, BACKOFF.baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  const jittered = Math.floor(random * ceiling);
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, BACKOFF.capMs * 6));
}
