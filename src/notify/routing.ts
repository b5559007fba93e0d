/**
 * Which destinations get which lifecycle change, and when (pure: no I/O). An item raised is `open`, one
 * resolved `resolved`; an acknowledgement notifies nobody (the one who acknowledged knows). Critical
 * items go through quiet hours; the rest wait for their end.
 */
import type { OutboxEntry, StoredRecommendation } from '../storage/storage.js';
import { aboutOf } from './about.js';
import type { Destination } from './destination.js';
import type { NotifyEvent } from './message.js';

/**
 * Why an outbox entry is sent, or null when it is not (an acknowledgement). A change from a state to the
 * same one is a severity that rose (src/recommend/lifecycle).
 */
export function eventOf(e: Pick<OutboxEntry, 'from' | 'to'>): NotifyEvent | null {
  if (e.to === 'open' && e.from === null) return 'open';
  if (e.to === 'resolved') return 'resolved';
  if (e.from !== null && e.from === e.to) return 'raised';
  return null;
}

/** A delivery's key: one per item, event and destination (a rise once per severity reached). */
export const deliveryKey = (num: number, event: NotifyEvent, severity: string, destination: string) => `r${num}.${event === 'raised' ? `raised-${severity}` : event}.${destination}`;

/** Whether a destination takes this item for this event. */
export function routes(d: Destination, item: StoredRecommendation, event: NotifyEvent): boolean {
  // a rise is told where the opening is (a destination taking "open" takes the item's later, worse self)
  if (!d.enabled || !d.route.events.includes(event === 'raised' ? 'open' : event) || !d.route.severities.includes(item.severity)) return false;
  if (d.route.kinds.length && !d.route.kinds.includes(item.kind)) return false;
  if (!d.route.queues.length && !d.route.channels.length) return true;
  // an item about no queue (a campaign's) is for destinations that do not narrow by queue or channel
  return aboutOf(item.kind, item.key).some((a) => (!d.route.queues.length || d.route.queues.includes(a.queue)) && (!d.route.channels.length || d.route.channels.includes(a.channel)));
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The minute of the day (0–1439) `now` is on `tz`'s clock. */
function minuteOfDay(now: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return get('hour') * 60 + get('minute');
}

/**
 * The instant `ahead` minutes of the clock after `now`'s minute on `tz`'s clock reads `target` (minute of
 * the day): counted in wall-clock minutes, then corrected by what the clock reads there, so a night
 * with a DST change still ends at 07:00 local (a time the change skips is taken as the first after it).
 */
function atLocalMinute(now: number, tz: string, ahead: number, target: number): number {
  let t = Math.floor(now / 60_000) * 60_000 + ahead * 60_000;
  for (let i = 0; i < 2; i++) {
    const off = (target - minuteOfDay(t, tz) + 1440) % 1440;
    if (off === 0) break;
    t += (off < 720 ? off : off - 1440) * 60_000;
  }
  return t;
}

/**
 * When the quiet hours around `now` end (epoch ms, to the minute), or null when `now` is not in them.
 * A window may cross midnight (22:00–07:00).
 */
export function quietUntil(now: number, quiet: Destination['quietHours'], defaultTz: string): number | null {
  if (!quiet) return null;
  const tz = quiet.timeZone ?? defaultTz;
  const m = minuteOfDay(now, tz);
  const from = minutesOf(quiet.from);
  const to = minutesOf(quiet.to);
  const inside = from < to ? m >= from && m < to : m >= from || m < to;
  if (!inside) return null;
  return atLocalMinute(now, tz, (to - m + 1440) % 1440, to);
}

/** Whether a routed message waits for the destination's digest (all but critical items, where it has one). */
export const inDigest = (d: Destination, item: StoredRecommendation): boolean => d.digestMin !== undefined && item.severity !== 'critical';

/**
 * When a routed message may first be sent: now; or the end of the destination's quiet hours; or, for a
 * digest, the next digest time on the center's clock (every digestMin minutes from local midnight),
 * after the quiet hours. Critical items go at once.
 */
export function firstTry(d: Destination, item: StoredRecommendation, now: number, defaultTz: string): number {
  if (item.severity === 'critical') return now;
  const after = quietUntil(now, d.quietHours, defaultTz) ?? now;
  if (!inDigest(d, item)) return after;
  // the next digest time on the center's clock (the quiet hours' zone when they name one): every
  // digestMin minutes from local midnight
  const tz = d.quietHours?.timeZone ?? defaultTz;
  const m = minuteOfDay(after, tz);
  const next = Math.min(1440, (Math.floor(m / d.digestMin!) + 1) * d.digestMin!);
  return atLocalMinute(after, tz, next - m, next % 1440);
}

/**
 * Messages sent to each destination in the last hour, to hold it to its cap: a message over it waits
 * until the oldest of the hour is an hour old (kept in memory: after a restart the count starts again).
 */
export class HourlyCap {
  private readonly sent = new Map<string, number[]>();

  /** When the next message to `destination` may go: `now`, or later when the hour is full. */
  roomAt(destination: string, max: number, now: number): number {
    const times = this.recent(destination, now);
    return times.length < max ? now : times[times.length - max] + 3_600_000;
  }

  record(destination: string, at: number): void {
    const times = this.recent(destination, at);
    times.push(at);
    this.sent.set(destination, times);
  }

  private recent(destination: string, now: number): number[] {
    const times = (this.sent.get(destination) ?? []).filter((t) => t > now - 3_600_000);
    this.sent.set(destination, times);
    return times;
  }
}
