/**
 * How a send failed, for the worker's retries: `permanent` (the endpoint refused the message itself, a
 * 4xx other than 408/429: trying again sends the same refusal) goes to the dead state at once; anything
 * else (a timeout, a refused connection, a 5xx, 429) is tried again, after `retryAfterMs` when the
 * endpoint said how long to wait.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** An HTTP status as a DeliveryError's kind: 408 and 429 and 5xx are worth trying again. */
export const permanentStatus = (status: number) => status >= 400 && status < 500 && status !== 408 && status !== 429;

/** A Retry-After header (seconds, or an HTTP date) in ms from `now`; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  if (/^\d{1,7}$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** The longest a send may take before it counts as failed (a slow endpoint must not hold the others). */
export const SEND_TIMEOUT_MS = 10_000;
