/**
 * The notifier: turns the advice's lifecycle into messages, durably and once per (item, event,
 * destination).
 *
 * 1. Route: the outbox (written with each saved change, src/storage) is read after the routed mark; for
 *    each change and each destination that takes it, a delivery is made under the key
 *    `r<num>.<event>.<destination>`, its message rendered in the destination's language; the deliveries
 *    and the new mark are stored together, so a restart routes each change once.
 * 2. Escalate: a critical item still unacknowledged escalateAfterMin after it opened gets an `escalated`
 *    delivery (its key makes it once).
 * 3. Deliver: due deliveries are sent, one destination's in order; a success is marked sent at once; a
 *    failure is tried again with backoff and jitter, or marked dead (refused for good, or after
 *    MAX_ATTEMPTS), visible in the API and replayable. A kill between a send and its mark sends it again
 *    after the restart, with the same key: webhooks carry it as Idempotency-Key for the receiver to drop.
 */
import type { Logger } from 'pino';
import type { Delivery, Storage, StoredRecommendation } from '../storage/storage.js';
import { backoffMs, MAX_ATTEMPTS } from './backoff.js';
import { DeliveryError } from './channels/delivery-error.js';
import { sendEmail, type SmtpSettings } from './channels/email.js';
import { sendTelegram } from './channels/telegram.js';
import { sendWebhook } from './channels/webhook.js';
import { fromStored, toStored, type Destination } from './destination.js';
import { messageOf, type Message, type NotifyEvent } from './message.js';
import { deliveryKey, eventOf, firstTry, HourlyCap, inDigest, routes } from './routing.js';

export type NotifyStore = Pick<
  Storage,
  'putDestination' | 'deleteDestination' | 'listDestinations' | 'readOutbox' | 'outboxRouted' | 'addDeliveries' | 'updateDelivery' | 'dueDeliveries' | 'listDeliveries' | 'getDelivery' | 'listRecommendations'
>;

export interface NotifierOptions {
  storage: NotifyStore;
  /** The dashboard's address, for the links in messages. */
  publicUrl: string;
  /** The SMTP relay; without it an email destination's deliveries fail (and say why). */
  smtp?: SmtpSettings;
  /** The Bot API's address (a local Bot API server, or a stand-in). */
  telegramApiUrl?: string;
  /** The center's clock, for quiet hours that name none. */
  timeZone: string;
  log?: Logger;
  now?: () => number;
  random?: () => number;
  /**
   * How often the outbox and the due deliveries are looked at besides when told (kick: the advice calls
   * it as soon as a change is stored). Every look is three small queries on the store.
   */
  pollMs?: number;
  /** Per-send timeout (tests shorten it). */
  sendTimeoutMs?: number;
}

/** What a delivery carries: the rendered message, and for webhooks the item itself. */
interface Payload {
  event: NotifyEvent | 'test';
  message: Message;
  item: StoredRecommendation | null;
  /** Waits for the destination's digest and goes in it (see routing.ts inDigest). */
  digest?: boolean;
  /** The digest it went in at its first attempt: retries send the same members under the same key. */
  digestKey?: string;
}

const ESCALATE_EVERY_MS = 15_000;
const BATCH = 200;

export class Notifier {
  private readonly destinations = new Map<string, Map<string, Destination>>();
  private readonly cap = new HourlyCap();
  private readonly now: () => number;
  private readonly random: () => number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private escalatedAt = -Infinity;
  /** Deliveries being sent now (a slow endpoint must not be sent the same one twice meanwhile). */
  private readonly inFlight = new Set<string>();
  /**
   * Each destination's sender while it works through its due deliveries, in order: a round starts them
   * and does not wait, so an endpoint that hangs holds up only its own messages, never the routing or
   * another destination's.
   */
  private readonly workers = new Map<string, Promise<void>>();
  /** Destination changes one at a time per destination (a replace racing a removal must not bring it back). */
  private readonly changing = new Map<string, Promise<unknown>>();
  stats = { routed: 0, sent: 0, failed: 0, dead: 0 };

  constructor(private readonly opts: NotifierOptions) {
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
  }

  /** Loads the destinations and starts the loop (its first look a tick later: the server's start has the store busy). */
  async start(): Promise<void> {
    for (const s of await this.opts.storage.listDestinations()) this.remember(fromStored(s));
    this.timer = setInterval(() => this.kick(), this.opts.pollMs ?? 1_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
    await Promise.all(this.workers.values());
  }

  /** Runs a round now (or right after the one running); nothing before start or after stop (ccpulse evaluate never starts it). */
  kick(): void {
    if (!this.timer) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.round()
      .catch((err: Error) => this.opts.log?.warn({ err: err.message }, 'notifications: a round failed; trying again'))
      .finally(() => {
        this.running = null;
        if (this.again && this.timer) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** A whole round now, after the one running, and the sends it started (tests wait on it). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    await Promise.all(this.workers.values());
    this.kick();
    await this.running;
    await Promise.all(this.workers.values());
  }

  /** One round: route what is new, escalate what is due, start sending what is due. */
  private async round(): Promise<void> {
    await this.route();
    if (this.now() - this.escalatedAt >= ESCALATE_EVERY_MS) {
      this.escalatedAt = this.now();
      await this.escalate();
    }
    await this.deliverDue();
  }

  // ---- destinations ------------------------------------------------------------------------------

  list(tenant: string): Destination[] {
    return [...(this.destinations.get(tenant)?.values() ?? [])].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  get(tenant: string, id: string): Destination | undefined {
    return this.destinations.get(tenant)?.get(id);
  }

  /** A change to one destination, after any other change to it. */
  private serial<T>(tenant: string, id: string, fn: () => Promise<T>): Promise<T> {
    const key = `${tenant}\u0001${id}`;
    const run = (this.changing.get(key) ?? Promise.resolve()).catch(() => undefined).then(fn);
    const tail = run.catch(() => undefined);
    this.changing.set(key, tail);
    void tail.then(() => {
      if (this.changing.get(key) === tail) this.changing.delete(key);
    });
    return run;
  }

  /** Stores a destination under its id (a new one, or as it now is). */
  create(d: Destination): Promise<void> {
    return this.serial(d.tenant, d.id, () => this.store(d));
  }

  /** Replaces a destination if it is still there; false when it was removed meanwhile. */
  replace(d: Destination): Promise<boolean> {
    return this.serial(d.tenant, d.id, async () => {
      if (!this.get(d.tenant, d.id)) return false;
      await this.store(d);
      return true;
    });
  }

  remove(tenant: string, id: string): Promise<boolean> {
    return this.serial(tenant, id, async () => {
      const had = await this.opts.storage.deleteDestination(tenant, id);
      this.destinations.get(tenant)?.delete(id);
      return had;
    });
  }

  private async store(d: Destination): Promise<void> {
    await this.opts.storage.putDestination(toStored(d));
    this.remember(d);
  }

  private remember(d: Destination): void {
    let m = this.destinations.get(d.tenant);
    if (!m) this.destinations.set(d.tenant, (m = new Map()));
    m.set(d.id, d);
  }

  // ---- routing -----------------------------------------------------------------------------------

  private async route(): Promise<void> {
    const { storage } = this.opts;
    for (let guard = 0; guard < 50; guard++) {
      const after = await storage.outboxRouted();
      const entries = await storage.readOutbox(after, BATCH);
      if (!entries.length) return;
      const now = this.now();
      const deliveries: Delivery[] = [];
      for (const e of entries) {
        const event = eventOf(e);
        if (event) {
          for (const d of this.list(e.tenant)) if (routes(d, e.item, event)) deliveries.push(this.delivery(d, e.item, event, firstTry(d, e.item, now, this.opts.timeZone), now));
        }
        // acknowledged or resolved: an escalation not sent yet is not sent (nobody is left to wake)
        if (e.to === 'acknowledged' || e.to === 'resolved') await this.dropEscalations(e.tenant, e.num, e.to);
      }
      await storage.addDeliveries(deliveries, entries[entries.length - 1].id);
      this.stats.routed += deliveries.length;
      if (entries.length < BATCH) return;
    }
  }

  private async dropEscalations(tenant: string, num: number, why: 'acknowledged' | 'resolved'): Promise<void> {
    for (const d of this.list(tenant)) {
      if (d.escalateAfterMin === undefined) continue;
      const pending = await this.opts.storage.getDelivery(tenant, deliveryKey(num, 'escalated', 'critical', d.id));
      if (pending?.state === 'pending' && !this.inFlight.has(pending.key)) await this.opts.storage.updateDelivery({ ...pending, state: 'dead', lastError: `not sent: the item was ${why} first` });
    }
  }

  private delivery(d: Destination, item: StoredRecommendation, event: NotifyEvent, nextAt: number, now: number): Delivery {
    const payload: Payload = { event, message: messageOf(item, event, d.lang, this.opts.publicUrl), item, ...(event !== 'escalated' && inDigest(d, item) ? { digest: true } : {}) };
    return {
      key: deliveryKey(item.num, event, item.severity, d.id),
      tenant: d.tenant,
      destination: d.id,
      num: item.num,
      event,
      state: 'pending',
      attempts: 0,
      nextAt,
      lastError: null,
      createdAt: now,
      sentAt: null,
      message: JSON.stringify(payload),
    };
  }

  private async escalate(): Promise<void> {
    const now = this.now();
    for (const [tenant, byId] of this.destinations) {
      const escalating = [...byId.values()].filter((d) => d.enabled && d.escalateAfterMin !== undefined && d.route.events.includes('escalated'));
      if (!escalating.length) continue;
      const open = await this.opts.storage.listRecommendations({ tenant, open: true, limit: 1000 });
      const deliveries: Delivery[] = [];
      for (const item of open) {
        if (item.state !== 'open' || item.severity !== 'critical') continue;
        for (const d of escalating) {
          if (item.openedAt + d.escalateAfterMin! * 60_000 <= now && routes(d, item, 'escalated')) deliveries.push(this.delivery(d, item, 'escalated', now, now));
        }
      }
      if (deliveries.length) await this.opts.storage.addDeliveries(deliveries);
    }
  }

  // ---- delivery ----------------------------------------------------------------------------------

  /** Starts a sender for each destination with due deliveries and none working (see `workers`). */
  private async deliverDue(): Promise<void> {
    const due = (await this.opts.storage.dueDeliveries(this.now(), BATCH)).filter((d) => !this.inFlight.has(d.key));
    const byDestination = new Map<string, Delivery[]>();
    for (const d of due) {
      const k = `${d.tenant}\u0001${d.destination}`;
      byDestination.set(k, [...(byDestination.get(k) ?? []), d]);
    }
    for (const [k, list] of byDestination) {
      if (this.workers.has(k)) continue;
      const work = this.work(list)
        .catch((err: Error) => this.opts.log?.warn({ err: err.message }, 'notifications: sending failed; trying again'))
        .finally(() => this.workers.delete(k));
      this.workers.set(k, work);
    }
  }

  /** One destination's due deliveries, in order; a digest's together, as they were first grouped. */
  private async work(list: Delivery[]): Promise<void> {
    const groups = new Map<string, Delivery[]>();
    const fresh: Delivery[] = [];
    for (const d of list) {
      const p = JSON.parse(d.message) as Payload;
      if (!p.digest) await this.attempt([d]);
      else if (p.digestKey) groups.set(p.digestKey, [...(groups.get(p.digestKey) ?? []), d]);
      else fresh.push(d);
    }
    // a digest's members are fixed at its first attempt (its key and its content stay the same on every retry)
    if (fresh.length) {
      const key = `digest.${fresh[0].key}`;
      const fixed = fresh.map((d) => ({ ...d, message: JSON.stringify({ ...(JSON.parse(d.message) as Payload), digestKey: key }) }));
      for (const d of fixed) await this.opts.storage.updateDelivery(d);
      groups.set(key, [...(groups.get(key) ?? []), ...fixed]);
    }
    for (const group of groups.values()) await this.attempt(group);
  }

  /**
   * Sends one message now (the test button does, outside the loop): a delivery, or a digest's deliveries
   * together; stores what came of it for each.
   */
  async attempt(group: Delivery[]): Promise<Delivery[]> {
    const mine = group.filter((d) => !this.inFlight.has(d.key));
    if (!mine.length) return group;
    for (const d of mine) this.inFlight.add(d.key);
    const [first] = mine;
    try {
      const dest = this.get(first.tenant, first.destination);
      const now = this.now();
      if (!dest) return await this.settle(mine, { state: 'dead', lastError: 'the destination was removed' });
      if (!dest.enabled && first.event !== 'test') return await this.settle(mine, { state: 'dead', lastError: 'the destination is disabled (send it again once it is enabled)' });
      // a rise, an escalation or a resolution waits for the item's opening message to this destination
      if (mine.length === 1 && first.event !== 'open' && first.event !== 'test') {
        const opening = await this.opts.storage.getDelivery(first.tenant, deliveryKey(first.num, 'open', '', first.destination));
        if (opening?.state === 'pending') return await this.settle(mine, { nextAt: Math.max(opening.nextAt, now) + 1, lastError: 'held: the item\'s opening message goes first' });
      }
      if (first.event !== 'test') {
        const room = this.cap.roomAt(dest.id, dest.maxPerHour, now);
        if (room > now) return await this.settle(mine, { nextAt: room, lastError: `held: ${dest.maxPerHour} messages an hour sent` });
      }
      try {
        await this.send(dest, mine);
      } catch (err) {
        const raw = err instanceof DeliveryError ? err : new DeliveryError(String((err as Error).message ?? err), false);
        // an endpoint may echo what it was sent to (a proxy, a local Bot API): never keep or show a secret
        const e = new DeliveryError(redact(raw.message, dest), raw.permanent, raw.retryAfterMs);
        const attempts = Math.max(...mine.map((d) => d.attempts)) + 1;
        this.stats.failed++;
        // (a test is tried once: its failure is shown at once)
        const dead = e.permanent || attempts >= MAX_ATTEMPTS || first.event === 'test';
        if (dead) this.stats.dead++;
        this.opts.log?.warn({ tenant: first.tenant, delivery: first.key, messages: mine.length, attempts, err: e.message }, dead ? 'notification given up' : 'notification failed; will retry');
        const nextAt = now + backoffMs(attempts, this.random(), e.retryAfterMs);
        return await this.settle(mine, { attempts, state: dead ? 'dead' : 'pending', lastError: e.message, ...(dead ? {} : { nextAt }) });
      }
      if (first.event !== 'test') this.cap.record(dest.id, now);
      this.stats.sent++;
      return await this.settle(mine, { state: 'sent', sentAt: this.now(), lastError: null }, true);
    } finally {
      for (const d of mine) this.inFlight.delete(d.key);
    }
  }

  private async settle(group: Delivery[], change: Partial<Delivery>, tried = false): Promise<Delivery[]> {
    const out = group.map((d) => ({ ...d, ...(tried ? { attempts: d.attempts + 1 } : {}), ...change }));
    for (const d of out) await this.opts.storage.updateDelivery(d);
    return out;
  }

  private async send(dest: Destination, group: Delivery[]): Promise<void> {
    const payloads = group.map((d) => JSON.parse(d.message) as Payload);
    // one delivery as itself; a digest as one message listing each, under the key it was given
    const single = payloads.length === 1 && !payloads[0].digestKey;
    const p: Payload = single ? payloads[0] : { event: 'open', item: null, message: digestMessage(payloads.map((x) => x.message), dest.lang, this.opts.publicUrl) };
    const key = single ? group[0].key : (payloads[0].digestKey ?? `digest.${group[0].key}`);
    const timeout = this.opts.sendTimeoutMs;
    if (dest.kind === 'webhook' && dest.webhook) {
      const item = (x: Payload) => x.item && { ...x.item, id: `r${x.item.num}` };
      const body = single
        ? { id: key, event: p.event, tenant: dest.tenant, destination: dest.id, message: p.message, item: item(p) }
        : { id: key, event: 'digest', tenant: dest.tenant, destination: dest.id, message: p.message, items: payloads.map((x) => ({ event: x.event, message: x.message, item: item(x) })) };
      await sendWebhook(dest.webhook, body, key, this.now(), timeout);
    } else if (dest.kind === 'telegram' && dest.telegram) {
      await sendTelegram({ ...dest.telegram, apiUrl: this.opts.telegramApiUrl }, p.message.text, timeout);
    } else if (dest.kind === 'email' && dest.email) {
      if (!this.opts.smtp) throw new DeliveryError('email: no SMTP relay is configured (CCPULSE_SMTP_URL)', false);
      await sendEmail(this.opts.smtp, { to: dest.email.to, subject: p.message.title, text: p.message.text }, key, timeout);
    } else throw new DeliveryError(`a ${dest.kind} destination without its settings`, true);
  }

  /** A test message to one destination, sent now; the delivery as it ended. */
  async test(dest: Destination, id: string): Promise<Delivery> {
    const now = this.now();
    const lang = dest.lang;
    const title = lang === 'ru' ? 'ccpulse: проверка уведомлений' : 'ccpulse: test notification';
    const text = lang === 'ru' ? `Это проверочное сообщение для «${dest.name}». Если вы его видите, уведомления сюда доходят.` : `This is a test message for "${dest.name}". If you can read it, notifications reach you here.`;
    const link = this.opts.publicUrl;
    const payload: Payload = { event: 'test', message: { title, numbers: null, reason: text, link, text: `${title}\n${text}\n${link}` }, item: null };
    // made sent or dead before the loop looks at it (nextAt far ahead): the loop never sends it too
    const d: Delivery = { key: `test.${id}.${dest.id}`, tenant: dest.tenant, destination: dest.id, num: 0, event: 'test', state: 'pending', attempts: 0, nextAt: now + 86_400_000, lastError: null, createdAt: now, sentAt: null, message: JSON.stringify(payload) };
    await this.opts.storage.addDeliveries([d]);
    return (await this.attempt([d]))[0];
  }

  /** A tenant's deliveries, newest first. */
  deliveries(q: { tenant: string; state?: Delivery['state']; limit: number }): Promise<Delivery[]> {
    return this.opts.storage.listDeliveries(q);
  }

  /** A dead delivery sent again from the start; null when there is none of that key, or it is not dead. */
  async replay(tenant: string, key: string): Promise<Delivery | null> {
    const d = await this.opts.storage.getDelivery(tenant, key);
    if (!d || d.state !== 'dead') return null;
    const again: Delivery = { ...d, state: 'pending', attempts: 0, nextAt: this.now(), lastError: null };
    await this.opts.storage.updateDelivery(again);
    this.kick();
    return again;
  }
}

/** A message with the destination's secrets taken out, raw and URL-encoded. */
function redact(text: string, dest: Destination): string {
  let out = text;
  for (const secret of [dest.telegram?.botToken, dest.webhook?.secret]) {
    if (!secret) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('[secret]');
  }
  return out;
}

/** Several messages as one: a line each (its title and numbers), then the link. */
function digestMessage(messages: Message[], lang: 'en' | 'ru', link: string): Message {
  const title = lang === 'ru' ? `ccpulse: сводка, ${messages.length}` : `ccpulse: digest of ${messages.length}`;
  const lines = messages.map((m) => `• ${m.title}${m.numbers ? ` — ${m.numbers}` : ''}`);
  const text = [title, ...lines, `${lang === 'ru' ? 'Открыть' : 'Open'}: ${link}`].join('\n');
  return { title, numbers: null, reason: lines.join('\n'), link, text };
}
