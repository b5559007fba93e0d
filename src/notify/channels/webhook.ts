/**
 * Webhook delivery: the message and the item as JSON, POSTed to the endpoint's URL, signed so the
 * receiver can tell it came from this server and is not a replay. The signature is HMAC-SHA256 with the
 * endpoint's secret over `<timestamp>.<body>` (Stripe's scheme), sent as
 * `Ccpulse-Signature: t=<unix seconds>,v1=<hex>`; a receiver checks it in constant time and refuses a
 * timestamp older than a few minutes. `Idempotency-Key` is the delivery's key: the same on every retry
 * and after a restart, so a receiver can drop a message it already has.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DeliveryError, permanentStatus, retryAfterMs, SEND_TIMEOUT_MS } from './delivery-error.js';

export const SIGNATURE_HEADER = 'ccpulse-signature';
export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** How old a signed timestamp a receiver should still take (the verify below uses it). */
export const SIGNATURE_TOLERANCE_SEC = 300;

export function signature(secret: string, timestampSec: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampSec}.${body}`).digest('hex');
}

/** The header's value for a body signed now. */
export const signatureHeader = (secret: string, timestampSec: number, body: string) => `t=${timestampSec},v1=${signature(secret, timestampSec, body)}`;

/**
 * A receiver's check (and the tests'): the header names a timestamp within the tolerance and a v1
 * signature of this body with this secret. Returns what is wrong, or null when it holds.
 */
export function verifySignature(secret: string, header: string | undefined, body: string, nowSec: number): string | null {
  if (!header) return 'no signature';
  const parts = new Map(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1') ?? '';
  if (!Number.isInteger(t)) return 'no timestamp';
  if (Math.abs(nowSec - t) > SIGNATURE_TOLERANCE_SEC) return 'timestamp outside the tolerance (a replay?)';
  const want = Buffer.from(signature(secret, t, body), 'hex');
  const got = Buffer.from(/^[0-9a-f]{64}$/.test(v1) ? v1 : '', 'hex');
  return got.length === want.length && timingSafeEqual(got, want) ? null : 'signature does not match';
}

export interface WebhookTarget {
  url: string;
  secret: string;
}

/** Sends one delivery; throws DeliveryError on failure. */
export async function sendWebhook(target: WebhookTarget, payload: unknown, idempotencyKey: string, now = Date.now(), timeoutMs = SEND_TIMEOUT_MS): Promise<void> {
  const body = JSON.stringify(payload);
  const t = Math.floor(now / 1000);
  let res: Response;
  try {
    res = await fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'ccpulse-notify', [SIGNATURE_HEADER]: signatureHeader(target.secret, t, body), [IDEMPOTENCY_HEADER]: idempotencyKey },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    // a redirect is refused (the signed body would go somewhere not configured), and would be again:
    // dead at once, its message saying to give the new address
    if (/redirect/i.test(String(((err as Error).cause as Error | undefined)?.message ?? ''))) throw new DeliveryError('webhook: the endpoint answered with a redirect: give its new address', true);
    throw new DeliveryError(`webhook: ${(err as Error).name === 'TimeoutError' ? `no answer in ${timeoutMs / 1000} s` : (err as Error).message}`, false);
  }
  await res.body?.cancel().catch(() => {});
  if (res.ok) return;
  throw new DeliveryError(`webhook: HTTP ${res.status}`, permanentStatus(res.status), retryAfterMs(res.headers.get('retry-after'), now));
}
