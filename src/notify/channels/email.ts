/**
 * Email delivery over SMTP with nodemailer. The server's SMTP relay is configured once (`smtpUrl`, CCPULSE_SMTP_URL:
 * `smtp://user:pass@host:587` with STARTTLS required by default, `smtps://…:465` for TLS from the
 * start, `?starttls=opportunistic|off` to relax it on a local relay); each destination names its
 * recipients. The password comes from the URL given in the environment or a file, never from the API.
 */
import nodemailer from 'nodemailer';
import { DeliveryError, SEND_TIMEOUT_MS } from './delivery-error.js';
import type { SmtpSettings } from './smtp-url.js';

export { parseSmtpUrl, type SmtpSettings, type StartTls } from './smtp-url.js';

export interface EmailMessage {
  to: readonly string[];
  subject: string;
  text: string;
}

/** One transport per settings: nodemailer pools nothing here, a delivery is a connection (they are rare). */
export async function sendEmail(smtp: SmtpSettings, msg: EmailMessage, idempotencyKey: string, timeoutMs = SEND_TIMEOUT_MS): Promise<void> {
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: smtp.starttls === 'required',
    ignoreTLS: smtp.starttls === 'off',
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.pass ?? '' } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    tls: smtp.allowSelfSigned ? { rejectUnauthorized: false } : {},
  });
  try {
    // the delivery's key as the Message-ID's left part: the same on every retry, so mail systems and
    // readers can tell a repeat (SMTP itself has no way to refuse one)
    await transport.sendMail({ from: smtp.from, to: [...msg.to], subject: msg.subject, text: msg.text, messageId: `<${idempotencyKey.replace(/[^A-Za-z0-9._-]/g, '-')}@ccpulse>` });
  } catch (err) {
    const e = err as Error & { code?: string; responseCode?: number };
    // a 5xx reply refuses this message (or these credentials) for good; a 4xx, a timeout or a dropped
    // connection may pass later
    // (by the reply's code first: nodemailer calls any refused recipient EENVELOPE, a 451 as a 550)
    const permanent = typeof e.responseCode === 'number' ? e.responseCode >= 500 : e.code === 'EAUTH' || e.code === 'EENVELOPE';
    throw new DeliveryError(`email: ${e.code ?? 'error'}${e.responseCode ? ` ${e.responseCode}` : ''}: ${String(e.message).slice(0, 200)}`, permanent);
  } finally {
    transport.close();
  }
}
