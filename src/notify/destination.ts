/**
 * A tenant's notification destination: where (a webhook, a Telegram chat, email addresses), what goes
 * there (routing by severity, queue, channel, kind and event), when (quiet hours), how much (a cap per
 * hour) and escalation of critical items left unacknowledged. Its secrets (the webhook's signing secret,
 * the bot's token) are stored with it and never shown: the API shows whether they are set.
 */
import { Type, type Static } from '@sinclair/typebox';
import { CONTROL_OR_BROKEN } from '../contract/event.js';
import type { StoredDestination } from '../storage/storage.js';

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Clock = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM, 24-hour' });

export const RouteSchema = Type.Object(
  {
    severities: Type.Optional(Type.Array(Type.Union([Type.Literal('critical'), Type.Literal('warning'), Type.Literal('info')]), { minItems: 1, maxItems: 3, uniqueItems: true })),
    /** Only items about these queues (empty or absent: all). */
    queues: Type.Optional(Type.Array(Name, { maxItems: 1000 })),
    channels: Type.Optional(Type.Array(Name, { maxItems: 100 })),
    /** Only these kinds of advice (staffing-add, long-wait, …; absent: all). */
    kinds: Type.Optional(Type.Array(Name, { maxItems: 100 })),
    /** open: an item raised; escalated: critical and unacknowledged for escalateAfterMin; resolved. */
    events: Type.Optional(Type.Array(Type.Union([Type.Literal('open'), Type.Literal('escalated'), Type.Literal('resolved')]), { minItems: 1, maxItems: 3, uniqueItems: true })),
  },
  { additionalProperties: false },
);

/** What a client sends to create or replace a destination. Secrets may be left out of a replace (kept). */
export const DestinationInputSchema = Type.Object(
  {
    name: Name,
    kind: Type.Union([Type.Literal('webhook'), Type.Literal('telegram'), Type.Literal('email')]),
    enabled: Type.Optional(Type.Boolean()),
    lang: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('ru')])),
    /** On a replace, a URL or secret left out is kept (the API shows neither whole: a URL may carry a token in its path). */
    webhook: Type.Optional(Type.Object({ url: Type.Optional(Type.String({ maxLength: 2000 })), secret: Type.Optional(Type.String({ minLength: 16, maxLength: 200 })) }, { additionalProperties: false })),
    telegram: Type.Optional(Type.Object({ chatId: Type.String({ minLength: 1, maxLength: 100 }), botToken: Type.Optional(Type.String({ minLength: 10, maxLength: 200 })) }, { additionalProperties: false })),
    email: Type.Optional(Type.Object({ to: Type.Array(Type.String({ minLength: 3, maxLength: 254 }), { minItems: 1, maxItems: 20 }) }, { additionalProperties: false })),
    route: Type.Optional(RouteSchema),
    /** Nothing but critical items is sent between `from` and `to` (on `timeZone`'s clock, the center's by default); the rest waits for the end. */
    quietHours: Type.Optional(Type.Object({ from: Clock, to: Clock, timeZone: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false })),
    /** The most messages an hour; more wait for the next hour's room (a flapping condition must not spam). */
    maxPerHour: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    /** A critical item still unacknowledged this many minutes after it opened is sent again, as escalated. */
    escalateAfterMin: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440 })),
    /** All but critical items collected into one message every this many minutes (on the clock: 60 sends at each hour). */
    digestMin: Type.Optional(Type.Integer({ minimum: 5, maximum: 1440 })),
  },
  { additionalProperties: false },
);
export type DestinationInput = Static<typeof DestinationInputSchema>;

/** A destination as stored (its document in StoredDestination.doc) and used. */
export interface Destination {
  id: string;
  tenant: string;
  name: string;
  kind: 'webhook' | 'telegram' | 'email';
  enabled: boolean;
  lang: 'en' | 'ru';
  webhook?: { url: string; secret: string };
  telegram?: { chatId: string; botToken: string };
  email?: { to: string[] };
  route: { severities: Array<'critical' | 'warning' | 'info'>; queues: string[]; channels: string[]; kinds: string[]; events: Array<'open' | 'escalated' | 'resolved'> };
  quietHours?: { from: string; to: string; timeZone?: string };
  maxPerHour: number;
  escalateAfterMin?: number;
  digestMin?: number;
  updatedAt: number;
}

export const DEFAULT_ROUTE: Destination['route'] = { severities: ['critical', 'warning'], queues: [], channels: [], kinds: [], events: ['open', 'escalated', 'resolved'] };
export const DEFAULT_MAX_PER_HOUR = 30;

export interface Problem {
  path: string;
  message: string;
}

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+$/;

/**
 * A destination from what a client sent: the kind's part required, secrets required on create and kept
 * from `previous` on a replace; problems name each field at fault.
 */
export function destinationOf(input: DestinationInput, ids: { tenant: string; id: string }, previous: Destination | null, now: number, isTimeZone: (tz: string) => boolean): { destination: Destination } | { problems: Problem[] } {
  const problems: Problem[] = [];
  const kindPart = input.kind === 'webhook' ? input.webhook : input.kind === 'telegram' ? input.telegram : input.email;
  if (!kindPart) problems.push({ path: `/${input.kind}`, message: `required for a ${input.kind} destination` });
  for (const other of ['webhook', 'telegram', 'email'] as const) {
    if (other !== input.kind && input[other] !== undefined) problems.push({ path: `/${other}`, message: `not for a ${input.kind} destination` });
  }
  if (CONTROL_OR_BROKEN.test(input.name)) problems.push({ path: '/name', message: 'must not contain control characters' });
  const same = previous?.kind === input.kind ? previous : null;
  let webhook: Destination['webhook'];
  let telegram: Destination['telegram'];
  let email: Destination['email'];
  if (input.kind === 'webhook' && input.webhook) {
    let url: URL | null = null;
    const given = input.webhook.url ?? same?.webhook?.url;
    try {
      url = given === undefined ? null : new URL(given);
    } catch {
      // named below
    }
    if (given === undefined) problems.push({ path: '/webhook/url', message: 'required' });
    else if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) problems.push({ path: '/webhook/url', message: 'must be an http:// or https:// URL' });
    else if (url.username || url.password) problems.push({ path: '/webhook/url', message: 'must not carry credentials (the signature authenticates the sender)' });
    const secret = input.webhook.secret ?? same?.webhook?.secret;
    if (!secret) problems.push({ path: '/webhook/secret', message: 'required: the key the receiver checks the signature with (16 characters or more)' });
    if (url && secret) webhook = { url: url.toString(), secret };
  }
  if (input.kind === 'telegram' && input.telegram) {
    const botToken = input.telegram.botToken ?? same?.telegram?.botToken;
    if (!botToken) problems.push({ path: '/telegram/botToken', message: 'required: the token @BotFather gave the bot' });
    if (!/^-?\d+$|^@[A-Za-z0-9_]{5,32}$/.test(input.telegram.chatId)) problems.push({ path: '/telegram/chatId', message: 'must be a chat id (a number, negative for groups) or a @channelname' });
    if (botToken) telegram = { chatId: input.telegram.chatId, botToken };
  }
  if (input.kind === 'email' && input.email) {
    input.email.to.forEach((a, i) => {
      if (!EMAIL.test(a)) problems.push({ path: `/email/to/${i}`, message: 'not an email address' });
    });
    email = { to: [...input.email.to] };
  }
  if (input.quietHours?.timeZone !== undefined && !isTimeZone(input.quietHours.timeZone)) problems.push({ path: '/quietHours/timeZone', message: 'not a time zone this server knows (IANA names such as Europe/Moscow)' });
  if (input.quietHours && input.quietHours.from === input.quietHours.to) problems.push({ path: '/quietHours/to', message: 'must differ from from' });
  for (const part of ['queues', 'channels', 'kinds'] as const) {
    (input.route?.[part] ?? []).forEach((n, i) => {
      if (CONTROL_OR_BROKEN.test(n)) problems.push({ path: `/route/${part}/${i}`, message: 'must not contain control characters' });
    });
  }
  if (problems.length) return { problems };
  return {
    destination: {
      id: ids.id,
      tenant: ids.tenant,
      name: input.name,
      kind: input.kind,
      enabled: input.enabled ?? true,
      lang: input.lang ?? 'en',
      ...(webhook ? { webhook } : {}),
      ...(telegram ? { telegram } : {}),
      ...(email ? { email } : {}),
      route: {
        severities: input.route?.severities ?? DEFAULT_ROUTE.severities,
        queues: input.route?.queues ?? [],
        channels: input.route?.channels ?? [],
        kinds: input.route?.kinds ?? [],
        events: input.route?.events ?? DEFAULT_ROUTE.events,
      },
      ...(input.quietHours ? { quietHours: input.quietHours } : {}),
      maxPerHour: input.maxPerHour ?? DEFAULT_MAX_PER_HOUR,
      ...(input.escalateAfterMin !== undefined ? { escalateAfterMin: input.escalateAfterMin } : {}),
      ...(input.digestMin !== undefined ? { digestMin: input.digestMin } : {}),
      updatedAt: now,
    },
  };
}

/** A destination as the API shows it: secrets replaced by whether they are set. */
export function shownDestination(d: Destination) {
  const { webhook, telegram, tenant: _tenant, ...rest } = d;
  return {
    ...rest,
    updatedAt: new Date(d.updatedAt).toISOString(),
    ...(webhook ? { webhook: { url: shownUrl(webhook.url), secretSet: true } } : {}),
    ...(telegram ? { telegram: { chatId: telegram.chatId, botTokenSet: true } } : {}),
  };
}

export const toStored = (d: Destination): StoredDestination => ({ tenant: d.tenant, id: d.id, doc: JSON.stringify(d), updatedAt: d.updatedAt });
export const fromStored = (s: StoredDestination): Destination => JSON.parse(s.doc) as Destination;

/**
 * A webhook's URL as shown: its origin and first path segment, the rest as "…" (a Slack-style URL's
 * path is its credential: https://hooks.slack.com/services/T0/B0/XXXX shows as …/services/…).
 */
export function shownUrl(text: string): string {
  const u = new URL(text);
  const segments = u.pathname.split('/').filter(Boolean);
  const more = segments.length > 1 || u.search !== '' || u.hash !== '';
  return `${u.origin}${segments.length ? `/${segments[0]}` : ''}${more ? '/…' : segments.length ? '' : '/'}`;
}
