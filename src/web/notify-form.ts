/**
 * The notifications panel's form and lists without the DOM: the body a new destination is sent as
 * (POST /v1/notifications/destinations), and how a destination and a delivery read in a line.
 */

export type Kind = 'webhook' | 'telegram' | 'email';

export interface NotifyForm {
  kind: Kind;
  name: string;
  /** The webhook's URL, the chat's id, or the email addresses (comma- or line-separated). */
  target: string;
  /** The webhook's secret, or the bot's token; unused for email. */
  secret: string;
  lang: 'en' | 'ru';
  severities: Array<'critical' | 'warning' | 'info'>;
  /** Queues, comma-separated; empty: all. */
  queues: string;
  quietFrom: string;
  quietTo: string;
  escalateAfterMin: string;
  digestMin: string;
}

export interface Destination {
  id: string;
  name: string;
  kind: Kind;
  enabled: boolean;
  lang: string;
  webhook?: { url: string; secretSet: boolean };
  telegram?: { chatId: string; botTokenSet: boolean };
  email?: { to: string[] };
  route: { severities: string[]; queues: string[] };
  quietHours?: { from: string; to: string };
  escalateAfterMin?: number;
  digestMin?: number;
}

export interface DeliveryView {
  key: string;
  destination: string;
  event: string;
  state: 'pending' | 'sent' | 'dead';
  attempts: number;
  lastError: string | null;
  createdAt: string;
  title: string;
}

const list = (text: string) => text.split(/[,\n]/).map((x) => x.trim()).filter(Boolean);

/** The request body, or what is missing (the server checks the rest and names the field). */
export function destinationBody(f: NotifyForm): { body: Record<string, unknown> } | { problem: string } {
  const name = f.name.trim();
  const target = f.target.trim();
  if (!name) return { problem: 'name: required' };
  if (!target) return { problem: f.kind === 'webhook' ? 'URL: required' : f.kind === 'telegram' ? 'chat id: required' : 'addresses: required' };
  if (!f.severities.length) return { problem: 'severities: choose at least one' };
  if (Boolean(f.quietFrom) !== Boolean(f.quietTo)) return { problem: 'quiet hours: give both ends, or neither' };
  const body: Record<string, unknown> = { name, kind: f.kind, lang: f.lang, route: { severities: f.severities, ...(list(f.queues).length ? { queues: list(f.queues) } : {}) } };
  if (f.kind === 'webhook') body.webhook = { url: target, secret: f.secret };
  else if (f.kind === 'telegram') body.telegram = { chatId: target, botToken: f.secret.trim() };
  else body.email = { to: list(target) };
  if (f.quietFrom && f.quietTo) body.quietHours = { from: f.quietFrom, to: f.quietTo };
  const escalate = f.escalateAfterMin.trim();
  if (escalate) {
    const n = Number(escalate);
    if (!Number.isInteger(n) || n < 1 || n > 1440) return { problem: 'escalate after: whole minutes from 1 to 1440' };
    body.escalateAfterMin = n;
  }
  const digest = f.digestMin.trim();
  if (digest) {
    const n = Number(digest);
    if (!Number.isInteger(n) || n < 5 || n > 1440) return { problem: 'digest: whole minutes from 5 to 1440' };
    body.digestMin = n;
  }
  return { body };
}

/** Where a destination sends, in a line. */
export function destinationTarget(d: Destination): string {
  if (d.webhook) return d.webhook.url;
  if (d.telegram) return `chat ${d.telegram.chatId}`;
  if (d.email) return d.email.to.join(', ');
  return '';
}
