/**
 * The dashboard's client-side model of the live state: tiles by (queue, channel), center-wide operator
 * counts and repairs. Pure (no DOM), so it is unit-tested in Node.
 */
import type { CenterWindows, LiveSnapshot, LiveTile, LiveUpdate, MetricValues, OperatorCounts } from '../contract/api.js';

export type Window = 'last15m' | 'last60m';

/** Stable key of a tile. NUL cannot appear in a queue or channel name we render. */
export function tileKey(queue: string, channel: string): string {
  return `${queue}\u0000${channel}`;
}

const CHANNEL_ORDER = ['voice', 'telegram', 'vk', 'whatsapp', 'webchat', 'cabinet', 'email'];

/** Built-in channels in the contract's order, then custom channels alphabetically. */
export function compareChannels(a: string, b: string): number {
  const ia = CHANNEL_ORDER.indexOf(a);
  const ib = CHANNEL_ORDER.indexOf(b);
  if (ia !== -1 || ib !== -1) {
    if (ia === -1) return 1;
    if (ib === -1) return -1;
    return ia - ib;
  }
  return collator.compare(a, b);
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

export function compareQueues(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Sort order of tiles: by queue, then by channel. */
export function compareTiles(a: Pick<LiveTile, 'queue' | 'channel'>, b: Pick<LiveTile, 'queue' | 'channel'>): number {
  return compareQueues(a.queue, b.queue) || compareChannels(a.channel, b.channel);
}

export const ZERO_OPERATORS: OperatorCounts = Object.freeze({ offline: 0, ready: 0, busy: 0, break: 0, acw: 0 });

/** What changed in one apply, so the view touches only those tiles. */
export interface Change {
  /** Keys of tiles added or replaced. */
  tiles: string[];
  /** Keys of tiles that disappeared (only a snapshot removes tiles). */
  removed: string[];
}

export class LiveStore {
  readonly tiles = new Map<string, LiveTile>();
  /** Local time (ms, performance-independent Date.now()) each tile was last received; drives the ticking longest wait. */
  readonly receivedAt = new Map<string, number>();
  operators: OperatorCounts = ZERO_OPERATORS;
  repairs: Record<string, number> = {};
  /** The server's center-wide windows (exact SL and abandon %), when it sends them. */
  center: CenterWindows | null = null;
  tenant = '';
  /** Log position of the state, -1 before the first snapshot. */
  position = -1;
  /** Server time of the last message, epoch ms. */
  at = 0;

  get hasData(): boolean {
    return this.position >= 0;
  }

  /**
   * Replace the whole state. A snapshot from the stream always wins (it is sent first and after every
   * reconnect, even if the server restarted with a lower position); a snapshot from the initial GET is
   * ignored when `onlyIfNewer` and the stream has already delivered something at least as new.
   */
  applySnapshot(s: LiveSnapshot, now: number, onlyIfNewer = false): Change | null {
    if (onlyIfNewer && this.hasData && s.position < this.position) return null;
    const seen = new Set<string>();
    const changed: string[] = [];
    for (const t of s.tiles) {
      const k = tileKey(t.queue, t.channel);
      seen.add(k);
      this.tiles.set(k, t);
      this.receivedAt.set(k, now);
      changed.push(k);
    }
    const removed: string[] = [];
    for (const k of this.tiles.keys()) {
      if (!seen.has(k)) removed.push(k);
    }
    for (const k of removed) {
      this.tiles.delete(k);
      this.receivedAt.delete(k);
    }
    this.tenant = s.tenant;
    this.operators = s.operators ?? ZERO_OPERATORS;
    this.repairs = s.repairs ?? {};
    this.center = s.center ?? null;
    this.position = s.position;
    this.at = s.at;
    return { tiles: changed, removed };
  }

  /** Replace the tiles an update carries. Updates older than the state (by log position) are dropped. */
  applyUpdate(u: LiveUpdate, now: number): Change | null {
    if (this.hasData && u.position < this.position) return null;
    const changed: string[] = [];
    for (const t of u.tiles) {
      const k = tileKey(t.queue, t.channel);
      this.tiles.set(k, t);
      this.receivedAt.set(k, now);
      changed.push(k);
    }
    if (u.operators) this.operators = u.operators;
    if (u.repairs) this.repairs = u.repairs;
    if (u.center) this.center = u.center;
    this.position = u.position;
    this.at = u.at;
    return { tiles: changed, removed: [] };
  }

  /**
   * Longest wait of a tile now: the server's value plus the time since it arrived, while someone waits.
   * The server sends a tile only when it changes, so between messages the wait keeps growing here.
   */
  longestWaitNow(key: string, now: number): number {
    const t = this.tiles.get(key);
    if (!t) return 0;
    if (t.waiting <= 0) return 0;
    const since = this.receivedAt.get(key) ?? now;
    return t.longestWaitSec + Math.max(0, now - since) / 1000;
  }

  sortedKeys(): string[] {
    return [...this.tiles.entries()].sort((a, b) => compareTiles(a[1], b[1])).map(([k]) => k);
  }

  totals(window: Window, now: number): CenterTotals {
    return centerTotals(this, window, now);
  }
}

export interface CenterTotals {
  waiting: number;
  inHandling: number;
  longestWaitSec: number;
  offered: number;
  answered: number;
  missed: number;
  /**
   * Center SL: the server's center-wide value when it sends one; otherwise tile SL weighted by
   * (answered + missed) of the window (close to, not exactly, the server's definition). Null when no
   * tile has SL.
   */
  slPct: number | null;
  abandonPct: number | null;
  operators: OperatorCounts;
  repairs: number;
  queues: number;
}

export function centerTotals(store: LiveStore, window: Window, now: number): CenterTotals {
  let waiting = 0;
  let inHandling = 0;
  let longest = 0;
  let offered = 0;
  let answered = 0;
  let missed = 0;
  let slWeighted = 0;
  let slWeight = 0;
  const queues = new Set<string>();
  for (const [k, t] of store.tiles) {
    queues.add(t.queue);
    waiting += t.waiting;
    inHandling += t.inHandling;
    longest = Math.max(longest, store.longestWaitNow(k, now));
    const m: MetricValues | undefined = t[window];
    if (!m) continue;
    offered += m.offered;
    answered += m.aa;
    missed += m.missed;
    if (m.slPct !== null && m.slPct !== undefined) {
      const w = m.aa + m.missed;
      if (w > 0) {
        slWeighted += m.slPct * w;
        slWeight += w;
      }
    }
  }
  const exact = store.center?.[window];
  return {
    waiting,
    inHandling,
    longestWaitSec: longest,
    offered,
    answered,
    missed,
    slPct: exact ? exact.slPct : slWeight > 0 ? slWeighted / slWeight : null,
    abandonPct: exact ? exact.abandonPct : answered + missed > 0 ? (100 * missed) / (answered + missed) : null,
    operators: store.operators,
    repairs: sumRepairs(store.repairs),
    queues: queues.size,
  };
}

export function sumRepairs(r: Record<string, number> | undefined): number {
  let n = 0;
  if (r) for (const v of Object.values(r)) if (typeof v === 'number' && Number.isFinite(v)) n += v;
  return n;
}

// ---- advice and alerts -------------------------------------------------------------------------

export type Severity = 'info' | 'warning' | 'critical';
export type AdviceState = 'open' | 'acknowledged' | 'resolved';

/** An item of advice or an alert, as GET /v1/recommendations and the stream send it (times ISO 8601). */
export interface Advice {
  id: string;
  key: string;
  kind: string;
  state: AdviceState;
  severity: Severity;
  reason: string;
  data: Record<string, unknown>;
  openedAt: string;
  updatedAt: string;
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  resolvedAt?: string;
}

/** SSE `recommendations`: the open board (open and acknowledged items). */
export interface AdviceBoardMessage {
  items: Advice[];
}

/** SSE `recommendation`: one lifecycle transition of an item. */
export interface AdviceTransition {
  from: AdviceState | null;
  to: AdviceState;
  /** Server time of the transition, ISO 8601. */
  at: string;
  item: Advice;
}

/** Severities by rank, most severe highest; an unknown severity ranks lowest. A Map: values come from the wire. */
const SEVERITY_RANK: ReadonlyMap<string, number> = new Map([
  ['critical', 3],
  ['warning', 2],
  ['info', 1],
]);

export function severityRank(s: string): number {
  return SEVERITY_RANK.get(s) ?? 0;
}

/** A time from the wire in epoch ms; NaN (an unparsable time) becomes 0, i.e. oldest. */
function ms(iso: string | undefined): number {
  const t = iso === undefined ? NaN : Date.parse(iso);
  return Number.isFinite(t) ? t : 0;
}

/** The number in an id `r12` (0 when there is none), so that r10 sorts after r9. */
function idNumber(id: string): number {
  const m = /^r(\d+)$/.exec(id);
  return m ? Number(m[1]) : 0;
}

/** Order of the board: most severe first, then the most recently opened, then the highest id. */
export function compareAdvice(a: Advice, b: Advice): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    ms(b.openedAt) - ms(a.openedAt) ||
    idNumber(b.id) - idNumber(a.id) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/** How long an item has been open at `serverNow` (epoch ms), in seconds, never negative; null when its time is unreadable. */
export function openForSec(item: Advice, serverNow: number): number | null {
  const opened = Date.parse(item.openedAt);
  return Number.isFinite(opened) ? Math.max(0, (serverNow - opened) / 1000) : null;
}

/**
 * The open board of advice and alerts, by id, and the dashboard's own acknowledging state (a POST on its
 * way, or the error it ended with). Ids and keys come from the wire: a Map, never an object indexed by them.
 */
export class AdviceBoard {
  readonly items = new Map<string, Advice>();
  /** Items whose Acknowledge POST is on its way, or went through while the stream has not told us yet. */
  readonly pending = new Set<string>();
  /** Why the last Acknowledge of an item failed. */
  readonly errors = new Map<string, string>();
  /** False until the server has sent a board (servers with recommendations off never do). */
  received = false;

  /** Replace the whole board (sent after every snapshot, so a reconnect starts fresh). */
  replace(msg: AdviceBoardMessage): void {
    this.items.clear();
    for (const it of msg.items ?? []) {
      if (it.state !== 'resolved') this.items.set(it.id, it);
    }
    for (const id of [...this.pending]) if (!this.acknowledgeable(id)) this.pending.delete(id);
    for (const id of [...this.errors.keys()]) if (!this.items.has(id)) this.errors.delete(id);
    this.received = true;
  }

  /** Apply one transition: upsert the item by id, or remove it when it resolved. */
  apply(t: AdviceTransition): void {
    const it = t.item;
    if (t.to === 'resolved' || it.state === 'resolved') {
      this.items.delete(it.id);
      this.pending.delete(it.id);
      this.errors.delete(it.id);
      return;
    }
    this.items.set(it.id, it);
    if (it.state !== 'open') {
      this.pending.delete(it.id);
      this.errors.delete(it.id);
    }
  }

  /** Open (not yet acknowledged) and on the board. */
  acknowledgeable(id: string): boolean {
    return this.items.get(id)?.state === 'open';
  }

  /** An Acknowledge POST starts: false when there is nothing to acknowledge or one is on its way already. */
  ackStarted(id: string): boolean {
    if (!this.acknowledgeable(id) || this.pending.has(id)) return false;
    this.pending.add(id);
    this.errors.delete(id);
    return true;
  }

  /**
   * The POST went through. The item stays pending (its button disabled) until the stream brings the
   * transition, unless that has come already.
   */
  ackSucceeded(id: string): void {
    if (!this.acknowledgeable(id)) this.pending.delete(id);
  }

  /** The POST failed: say why next to the item, and let the user try again. */
  ackFailed(id: string, message: string): void {
    this.pending.delete(id);
    if (this.items.has(id)) this.errors.set(id, message);
  }

  /** The items in board order: most severe first, then newest. */
  sorted(): Advice[] {
    return [...this.items.values()].sort(compareAdvice);
  }

  /** How many items of each severity are on the board. */
  counts(): { critical: number; warning: number; info: number } {
    const c = { critical: 0, warning: 0, info: 0 };
    for (const it of this.items.values()) {
      if (it.severity === 'critical') c.critical++;
      else if (it.severity === 'warning') c.warning++;
      else c.info++;
    }
    return c;
  }
}
