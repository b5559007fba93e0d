/**
 * The dashboard's client-side model of the live state: tiles by (queue, channel), center-wide operator
 * counts and repairs. Pure (no DOM), so it is unit-tested in Node.
 */
import type { CenterWindows, LiveSnapshot, LiveTile, LiveUpdate, MetricValues, OperatorCounts } from '../contract/api.js';
import { slLevel } from './format.js';

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
  /** Per channel ('' for the center): the appeals an hour it had when its newest event came (see usualRate). */
  private readonly rateAtLast = new Map<string, { at: number | null; perHour: number }>();

  /**
   * A feed's usual rate: its last 60 minutes' appeals an hour, or, if higher, what that was when its
   * newest event came. A feed that died keeps the rate it had (an hour later its last-hour rate is 0,
   * and it must not look healthy for that); a feed slowing down for the night updates it with each event.
   */
  usualRate(feed: string, lastEventAt: number | null, perHour: number): number {
    const known = this.rateAtLast.get(feed);
    if (!known || known.at !== lastEventAt) {
      this.rateAtLast.set(feed, { at: lastEventAt, perHour });
      return perHour;
    }
    return Math.max(perHour, known.perHour);
  }

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
  /** The center's SL target: the tiles' own targets weighted by what they were offered in the window (their plain mean before any offer). */
  slTargetPct: number;
  /** Whether any tile has an appeal waiting past that tile's own long-wait threshold. */
  longWait: boolean;
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
  let targetWeighted = 0;
  let targetOffered = 0;
  let targetSum = 0;
  let tiles = 0;
  let longWait = false;
  const queues = new Set<string>();
  for (const [k, t] of store.tiles) {
    queues.add(t.queue);
    waiting += t.waiting;
    inHandling += t.inHandling;
    const lw = store.longestWaitNow(k, now);
    longest = Math.max(longest, lw);
    const target = t.targets ?? DEFAULT_TARGETS;
    if (t.waiting > 0 && lw > target.longWaitSec) longWait = true;
    tiles++;
    targetSum += target.slPct;
    const m: MetricValues | undefined = t[window];
    if (!m) continue;
    targetWeighted += target.slPct * m.offered;
    targetOffered += m.offered;
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
    slTargetPct: targetOffered > 0 ? targetWeighted / targetOffered : tiles > 0 ? targetSum / tiles : DEFAULT_TARGETS.slPct,
    longWait,
    abandonPct: exact ? exact.abandonPct : answered + missed > 0 ? (100 * missed) / (answered + missed) : null,
    operators: store.operators,
    repairs: sumRepairs(store.repairs),
    queues: queues.size,
  };
}

/** Whether a feed (a channel, or the whole center) has gone quiet when it should not have. */
export interface FeedState {
  /** When the newest event arrived, server clock (null: none seen). */
  lastEventAt: number | null;
  /** Seconds since then, on the server's clock. */
  silentSec: number | null;
  stale: boolean;
}

/** A feed is called stopped after at least this long without an event… */
export const STALE_MIN_SEC = 60;
/** …and only once it is this many of its usual gaps between appeals (3600 / appeals an hour) … */
export const STALE_GAPS = 5;
/** …and only if it usually brings at least this many appeals an hour (a quiet email inbox at night is not a dead feed). */
export const STALE_MIN_PER_HOUR = 12;

/**
 * The feed of a channel or of the whole center: stale when nothing came for longer than STALE_GAPS of
 * its usual gaps (and STALE_MIN_SEC at least), given its usual rate in appeals an hour (LiveStore.usualRate).
 */
export function feedState(lastEventAt: number | null, perHour: number, serverNow: number): FeedState {
  if (lastEventAt === null) return { lastEventAt: null, silentSec: null, stale: false };
  const silentSec = Math.max(0, (serverNow - lastEventAt) / 1000);
  const stale = perHour >= STALE_MIN_PER_HOUR && silentSec > Math.max(STALE_MIN_SEC, (STALE_GAPS * 3600) / perHour);
  return { lastEventAt, silentSec, stale };
}

/** The feeds of every channel and of the whole center, from the tiles (see feedState). */
export function feeds(store: LiveStore, serverNow: number): { center: FeedState; channels: Map<string, FeedState> } {
  const last = new Map<string, number>();
  const rate = new Map<string, number>();
  let centerLast: number | null = null;
  let centerRate = 0;
  for (const t of store.tiles.values()) {
    const offered = t.last60m?.offered ?? 0;
    rate.set(t.channel, (rate.get(t.channel) ?? 0) + offered);
    centerRate += offered;
    const at = t.lastEventAt ?? null;
    if (at === null) continue;
    if (at > (last.get(t.channel) ?? -Infinity)) last.set(t.channel, at);
    if (centerLast === null || at > centerLast) centerLast = at;
  }
  const channels = new Map<string, FeedState>();
  for (const [channel, perHour] of rate) {
    const at = last.get(channel) ?? null;
    channels.set(channel, feedState(at, store.usualRate(channel, at, perHour), serverNow));
  }
  return { center: feedState(centerLast, store.usualRate('', centerLast, centerRate), serverNow), channels };
}

/** Levels in worst-first order (worstFirst). */
const LEVEL_RANK: ReadonlyMap<string, number> = new Map([['bad', 0], ['warn', 1], ['good', 2], ['none', 3]]);

/**
 * The tiles' keys, worst first: a long wait past the tile's own threshold first, then by level against
 * the tile's own target (below, at risk, on target, no data), then the lowest SL, then the most waiting,
 * then by name (so equal tiles keep their places).
 */
export function worstFirst(store: LiveStore, window: Window, now: number): string[] {
  const scored = [...store.tiles].map(([k, t]) => {
    const targets = t.targets ?? DEFAULT_TARGETS;
    const sl = t[window]?.slPct ?? null;
    const longWait = t.waiting > 0 && store.longestWaitNow(k, now) > targets.longWaitSec;
    return { k, t, longWait, level: LEVEL_RANK.get(slLevel(sl, targets.slPct)) ?? 3, sl };
  });
  scored.sort(
    (a, b) =>
      Number(b.longWait) - Number(a.longWait) ||
      a.level - b.level ||
      (a.sl ?? Infinity) - (b.sl ?? Infinity) ||
      b.t.waiting - a.t.waiting ||
      compareTiles(a.t, b.t),
  );
  return scored.map((x) => x.k);
}

/** A tile from a server that sends no targets (older than this page): the defaults it would have sent. */
export const DEFAULT_TARGETS = { slPct: 80, slSec: 20, longWaitSec: 120 } as const;

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

// ---- live what-if on staffing advice ------------------------------------------------------------

/** A band of a simulated number: the 10th, 50th and 90th percentile of the runs. */
export interface WhatIfBand {
  p10: number;
  p50: number;
  p90: number;
}

/** One 5-minute step of POST /v1/whatif's reply. */
export interface WhatIfStep {
  minute: number;
  slPct: WhatIfBand | null;
  waiting: WhatIfBand;
  abandonPct: WhatIfBand | null;
}

export interface WhatIfStream {
  queue: string;
  channel: string;
  operators: { now: number; withActions: number };
  steps: WhatIfStep[];
}

/** POST /v1/whatif's 200 reply. */
export interface WhatIfReply {
  at: string;
  horizonMinutes: number;
  runs: number;
  streams: WhatIfStream[];
}

/** What an item of staffing advice proposes, as one action of POST /v1/whatif. */
export interface WhatIfAction {
  action: 'add' | 'release';
  queue: string;
  channel: string;
  n: number;
}

/** How many simulations each what-if asks for. */
export const WHATIF_RUNS = 16;
/** The step the answer line reads (minutes from now). */
export const WHATIF_MINUTE = 30;
/** The most operators one action may name (the route's limit). */
const WHATIF_MAX_N = 10_000;

/**
 * The queue and channel of an advice key `${kind}:${queue}:${channel}`: the kind prefix split off, then the
 * last ':' (channels never contain one; queues may). Null when the key is not of that kind or has no channel.
 */
export function adviceKeyParts(key: string, kind: string): { queue: string; channel: string } | null {
  const prefix = `${kind}:`;
  if (!kind || !key.startsWith(prefix)) return null;
  const rest = key.slice(prefix.length);
  const cut = rest.lastIndexOf(':');
  if (cut <= 0 || cut === rest.length - 1) return null;
  return { queue: rest.slice(0, cut), channel: rest.slice(cut + 1) };
}

/** The operators an item's `data` names under `field`: a whole number from 1 up, else null (wire data, so checked). */
function operatorsIn(data: unknown, field: 'add' | 'release'): number | null {
  if (typeof data !== 'object' || data === null || !Object.hasOwn(data, field)) return null;
  const n = (data as Record<string, unknown>)[field];
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= WHATIF_MAX_N ? n : null;
}

/**
 * The action a staffing item proposes: `staffing-add` adds `data.add`, `staffing-release` releases
 * `data.release`, on the queue × channel of its key. Null for any other item, or one with nothing to do.
 */
export function whatIfActionOf(item: Pick<Advice, 'kind' | 'key' | 'data'>): WhatIfAction | null {
  const action = item.kind === 'staffing-add' ? 'add' : item.kind === 'staffing-release' ? 'release' : null;
  if (!action) return null;
  const where = adviceKeyParts(item.key, item.kind);
  const n = operatorsIn(item.data, action);
  if (!where || n === null) return null;
  return { action, queue: where.queue, channel: where.channel, n };
}

/** The reply's stream for a queue × channel, if it has one. */
export function whatIfStreamOf(reply: Pick<WhatIfReply, 'streams'>, queue: string, channel: string): WhatIfStream | null {
  return (Array.isArray(reply.streams) ? reply.streams : []).find((s) => s.queue === queue && s.channel === channel) ?? null;
}

/** The step of a stream that ends at `minute` (30 by default), if there is one. */
export function whatIfStepAt(stream: Pick<WhatIfStream, 'steps'> | null, minute = WHATIF_MINUTE): WhatIfStep | null {
  return (Array.isArray(stream?.steps) ? stream.steps : []).find((s) => s.minute === minute) ?? null;
}

/** SL p50 of each step, in the steps' order (null where no wait ended in the step): the curve's points. */
export function slCurve(stream: Pick<WhatIfStream, 'steps'> | null): Array<{ minute: number; slPct: number | null }> {
  return (Array.isArray(stream?.steps) ? stream.steps : []).map((s) => ({ minute: s.minute, slPct: s.slPct ? s.slPct.p50 : null }));
}

/** One what-if answered: the stream as things stand and with the item's action. */
export interface WhatIfAnswer {
  action: WhatIfAction;
  base: WhatIfStream;
  withAction: WhatIfStream;
  /** Server time of the simulation (ISO 8601). */
  at: string;
  runs: number;
}

export type WhatIfState = { status: 'pending' } | { status: 'done'; answer: WhatIfAnswer } | { status: 'error'; message: string };

/**
 * The what-ifs asked from the advice board, by item id: pending, answered or failed. Each start gets a
 * ticket; an answer is taken only for the latest ticket of an item still on the board.
 */
export class WhatIfBoard {
  readonly states = new Map<string, WhatIfState>();
  private readonly tickets = new Map<string, number>();
  private next = 1;

  /** A what-if starts for `id`: its ticket, or null when one is on its way already. */
  start(id: string): number | null {
    if (this.states.get(id)?.status === 'pending') return null;
    const t = this.next++;
    this.tickets.set(id, t);
    this.states.set(id, { status: 'pending' });
    return t;
  }

  /** Finish ticket `t` of `id` with an answer or an error; false (and nothing changes) when it is stale. */
  finish(id: string, t: number, result: { answer: WhatIfAnswer } | { error: string }): boolean {
    if (this.tickets.get(id) !== t) return false;
    this.tickets.delete(id);
    this.states.set(id, 'answer' in result ? { status: 'done', answer: result.answer } : { status: 'error', message: result.error });
    return true;
  }

  /** Forget the items no longer on the board (their answers, and any what-if still on its way). */
  retain(ids: Iterable<string>): void {
    const keep = new Set(ids);
    for (const id of [...this.states.keys()]) {
      if (!keep.has(id)) {
        this.states.delete(id);
        this.tickets.delete(id);
      }
    }
  }
}

/**
 * At most `max` tasks at once, the rest queued in order: POST /v1/whatif serves two simulations at a time
 * and refuses a third with 503, so the page never sends more than that itself.
 */
export class Limiter {
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly max: number) {}

  get active(): number {
    return this.running;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    // A finished task hands its slot straight to the next in line, so no newcomer slips in between.
    if (this.running >= this.max) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }
}
