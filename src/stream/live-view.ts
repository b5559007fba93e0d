import { streamKey, type CenterWindows, type LiveSnapshot, type LiveTile, type OperatorCounts } from '../contract/api.js';
import type { CcEvent, OperatorStatus } from '../contract/event.js';
import { BUCKET_MS, bucketOf, type Contribution, type OpenSegment } from '../metrics/appeal-story.js';
import { MetricAccumulator, type SlPolicy } from '../metrics/finalize.js';
import { addCounts, type CountMap } from '../metrics/wait-histogram.js';
import { targetsOf, type CellTargets } from '../metrics/targets.js';
import { CellMap } from './cells.js';
import { dayStartIn } from '../metrics/time-zone.js';

/** Minutes of queue-level cells kept in memory for the live windows (the longest window is 60). */
const WINDOW_KEEP_MS = 61 * BUCKET_MS;

interface Tile {
  /** tileKeyOf(tenant, queue, channel), made once. */
  key: string;
  tenant: string;
  queue: string;
  channel: string;
  open: Map<string, OpenSegment>;
  operators: Set<string>;
  /** When the newest event here was applied (epoch ms, server clock); 0: none since the start of the data. */
  lastEventTs: number;
}

interface OperatorState {
  status: OperatorStatus | null;
  statusTs: number;
  tileKey: string | null;
  /** A home set by an OPERATOR_STATUS event is not overridden by the appeals the operator handles. */
  homeFromStatus: boolean;
  /**
   * Time in each status on one UTC day (event time, ms), up to `statusTs`: what the operators table's
   * occupancy is computed from. Absent in checkpoints made before it was kept (counted from then on).
   */
  day?: { start: number; ms: Partial<Record<OperatorStatus, number>> };
}

/** One operator as the operators table shows them (LiveView.operatorsOf). */
export interface OperatorRow {
  id: string;
  status: OperatorStatus | null;
  /** When the status began (event time), or null before any. */
  since: number | null;
  /** Where they are based: the tile their status names, else where they last handled. */
  queue: string | null;
  channel: string | null;
  /** Appeals in handling now, and where. */
  handling: number;
  handlingOn: Array<{ queue: string; channel: string }>;
  /** Time in each status since the start of the center's day (ms), the current status up to now. */
  today: { dayStart: number; ms: Partial<Record<OperatorStatus, number>> };
}

const DAY_MS = 86_400_000;
const utcDayOf = (t: number) => t - (((t % DAY_MS) + DAY_MS) % DAY_MS);

/**
 * A zone's day start, asked again only when `t` leaves the day last found: every operator's status event
 * asks it, and in a zone other than UTC each answer costs a few Intl formattings. A day lasts 23 to 25
 * hours, so 30 hours after a day's start lies in the next day, whose start ends this one.
 */
function sameDayMemo(dayStart: (t: number) => number): (t: number) => number {
  let from = NaN;
  let to = NaN;
  return (t) => {
    if (t >= from && t < to) return from;
    from = dayStart(t);
    to = dayStart(from + 30 * 3_600_000);
    return from;
  };
}

/** Adds [from, to) spent in `status` to the operator's day, starting a new day when `to` is on one. */
function accrue(op: OperatorState, status: OperatorStatus, from: number, to: number, dayOf: (t: number) => number): void {
  const dayStart = dayOf(to);
  if (!op.day || op.day.start !== dayStart) op.day = { start: dayStart, ms: {} };
  const span = to - Math.max(from, dayStart);
  if (span > 0) op.day.ms[status] = (op.day.ms[status] ?? 0) + span;
}

/** A tenant's SL policy for a queue × channel (its settings over the config's: src/settings). */
export type TenantSlPolicyOf = (queue: string, channel: string, tenant: string) => SlPolicy;
/** A tenant's targets for a queue × channel (metrics/targets.ts, src/settings). */
export type TenantTargetsOf = (queue: string, channel: string, tenant: string) => CellTargets;

export interface LiveViewOptions {
  slPolicyOf: TenantSlPolicyOf;
  /** Each tile's targets, for the dashboard's colors and alarms (metrics/targets.ts); the SL policy's alone when absent. */
  targetsOf?: TenantTargetsOf;
  now: () => number;
  /** The center's time zone (config timeZone): where "today" begins for the operators' status time. UTC when absent. */
  timeZone?: string;
}

const tileKeyOf = (tenant: string, queue: string, channel: string) => `${tenant}\u0001${queue}\u0001${channel}`;
const emptyOperatorCounts = (): OperatorCounts => ({ offline: 0, ready: 0, busy: 0, break: 0, acw: 0 });

/**
 * The fast path's state: what supervisors see now. Per queue × channel, the open appeals and the
 * operators there, plus the last hour of queue-level cells for the 15- and 60-minute windows.
 */
export class LiveView {
  private readonly tiles = new Map<string, Tile>();
  /** The same tiles by tenant, queue and channel: found per event without joining a key. */
  private readonly tileIndex = new Map<string, Map<string, Map<string, Tile>>>();
  private readonly operators = new Map<string, OperatorState>();
  /** Repairs whose time has come, and those dated in the future (an open appeal's expiry), by tenant. */
  private readonly repairs = new Map<string, CountMap>();
  private readonly futureRepairs = new Map<string, Map<number, CountMap>>();
  readonly recent = new CellMap();
  private readonly dirtyTiles = new Set<string>();
  private readonly dirtyTenants = new Set<string>();

  private readonly targetsOf: TenantTargetsOf;

  /** Where the center's day that holds `t` began. */
  readonly dayOf: (t: number) => number;

  constructor(private readonly opts: LiveViewOptions) {
    const tz = opts.timeZone ?? 'UTC';
    this.dayOf = tz === 'UTC' ? utcDayOf : sameDayMemo((t) => dayStartIn(t, tz));
    this.targetsOf = opts.targetsOf ?? ((queue, channel, tenant) => targetsOf({ slTargetPct: {}, thresholds: {} }, (q, c) => opts.slPolicyOf(q, c, tenant))(queue, channel));
  }

  /** A contribution (or its retraction, sign −1) reached the rollups. */
  addContribution(tenant: string, c: Contribution, sign: number): void {
    if (c.counters.repairs) {
      this.addRepairs(tenant, c.bucket, c.counters.repairs, sign);
      this.dirtyTenants.add(tenant);
    }
    if (c.operator !== '') return;
    const tile = this.tile(tenant, c.queue, c.channel);
    if (c.bucket >= this.opts.now() - WINDOW_KEEP_MS) {
      this.recent.add(tenant, c.queue, c.channel, '', c.bucket, c.counters, sign);
      this.markDirty(tile);
    }
  }

  /** Seeds the window with cells loaded from storage at start. */
  seedRecent(cells: Iterable<{ tenant: string; queue: string; channel: string; bucket: number; counters: Contribution['counters'] }>): void {
    for (const c of cells) {
      this.tile(c.tenant, c.queue, c.channel);
      this.recent.add(c.tenant, c.queue, c.channel, '', c.bucket, c.counters);
    }
  }

  /**
   * An open appeal's expiry is part of its story from the start, dated in the future; it is counted as
   * a repair only once that time has come (see sweep), and never if another event arrives first.
   */
  private addRepairs(tenant: string, bucket: number, counts: CountMap, sign: number): void {
    let future = this.futureRepairs.get(tenant);
    if (!future) this.futureRepairs.set(tenant, (future = new Map()));
    let into: CountMap | undefined = future.get(bucket);
    if (!into && bucket > bucketOf(this.opts.now())) future.set(bucket, (into = {}));
    if (!into) {
      into = this.repairs.get(tenant);
      if (!into) this.repairs.set(tenant, (into = {}));
    }
    addCounts(into, counts, sign);
  }

  seedRepairs(tenant: string, repairs: CountMap, future: Array<[number, CountMap]> = []): void {
    this.repairs.set(tenant, { ...repairs });
    this.futureRepairs.set(tenant, new Map(future));
  }

  exportRepairs(): Record<string, { due: CountMap; future: Array<[number, CountMap]> }> {
    // fromEntries defines own properties: a tenant named "__proto__" is data like any other
    return Object.fromEntries(
      [...new Set([...this.repairs.keys(), ...this.futureRepairs.keys()])].map((t) => [t, { due: this.repairs.get(t) ?? {}, future: [...(this.futureRepairs.get(t) ?? [])] }]),
    );
  }

  repairsOf(tenant: string): CountMap {
    return this.repairs.get(tenant) ?? {};
  }

  /**
   * An event for this queue × channel was applied: the feed is alive now. Arrival (apply) time, not the
   * event's own: a source whose clock runs minutes behind is not a stopped feed. A replay after a restart
   * applies only the events after the checkpoint, which carries each tile's time (exportFeeds).
   */
  noteEvent(tenant: string, queue: string, channel: string): void {
    const t = this.tile(tenant, queue, channel);
    const at = this.opts.now();
    if (at > t.lastEventTs) {
      t.lastEventTs = at;
      this.markDirty(t);
    }
  }

  /** The appeal's open segment changed from `prev` to `next`. */
  setOpen(tenant: string, appealKey: string, prev: OpenSegment | null, next: OpenSegment | null): void {
    if (prev) {
      const t = this.tile(tenant, prev.queue, prev.channel);
      t.open.delete(appealKey);
      this.markDirty(t);
    }
    if (next) {
      const t = this.tile(tenant, next.queue, next.channel);
      t.open.set(appealKey, next);
      this.markDirty(t);
      if (next.operatorId) this.placeOperator(tenant, next.operatorId, next.queue, next.channel, false);
    }
  }

  /** Returns false when the status is older than the one already known (it changes nothing). */
  operatorStatus(tenant: string, e: CcEvent): boolean {
    const op = this.operator(tenant, e.operatorId!);
    if (e.ts < op.statusTs) return false; // an older status arriving late does not override a newer one
    if (op.status && Number.isFinite(op.statusTs)) accrue(op, op.status, op.statusTs, e.ts, this.dayOf);
    op.status = e.status ?? null;
    op.statusTs = e.ts;
    if (e.queue && e.channel) this.placeOperator(tenant, e.operatorId!, e.queue, e.channel, true);
    else if (op.tileKey) this.markDirty(this.tiles.get(op.tileKey)!);
    this.dirtyTenants.add(tenant);
    return true;
  }

  /** Removes open segments whose inactivity expiry has passed, and window cells older than an hour. */
  sweep(): void {
    const now = this.opts.now();
    for (const t of this.tiles.values()) {
      for (const [k, seg] of t.open) {
        if (seg.expiresAt <= now) {
          t.open.delete(k);
          this.markDirty(t);
        }
      }
    }
    const current = bucketOf(now);
    for (const [tenant, future] of this.futureRepairs) {
      for (const [bucket, counts] of future) {
        if (bucket > current) continue;
        future.delete(bucket);
        let due = this.repairs.get(tenant);
        if (!due) this.repairs.set(tenant, (due = {}));
        addCounts(due, counts);
        this.dirtyTenants.add(tenant);
      }
    }
    this.recent.dropBefore(bucketOf(now - WINDOW_KEEP_MS));
    const active = new Set<string>();
    for (const c of this.recent.values()) active.add(tileKeyOf(c.tenant, c.queue, c.channel));
    // A queue × channel with nothing open, nobody based there and no traffic for an hour leaves the board.
    for (const [k, t] of this.tiles) {
      if (t.open.size === 0 && t.operators.size === 0 && !active.has(k)) {
        this.tiles.delete(k);
        this.tileIndex.get(t.tenant)!.get(t.queue)!.delete(t.channel);
      }
    }
  }

  /** Marks every tile of every tenant changed (the windows and longest waits move with the clock). */
  touchAll(): void {
    for (const t of this.tiles.values()) this.markDirty(t);
  }

  clearChanges(): void {
    this.dirtyTiles.clear();
    this.dirtyTenants.clear();
  }

  /** Tiles changed since the last call, by tenant; tenants whose totals changed appear with their tiles (maybe none). */
  takeChanges(): Map<string, LiveTile[]> {
    const now = this.opts.now();
    const out = new Map<string, LiveTile[]>();
    for (const tenant of this.dirtyTenants) out.set(tenant, []);
    for (const key of this.dirtyTiles) {
      const t = this.tiles.get(key);
      if (!t) continue;
      let list = out.get(t.tenant);
      if (!list) out.set(t.tenant, (list = []));
      list.push(this.render(t, now));
    }
    this.dirtyTiles.clear();
    this.dirtyTenants.clear();
    return out;
  }

  /** Tenants with a tile on the board. */
  tenantNames(): IterableIterator<string> {
    return this.tileIndex.keys();
  }

  /**
   * The contacts in handling now, in one pass over the tenant's open segments: per channel the most any
   * one operator holds (chat concurrency as practised), per queue × channel when each started (appeals
   * stuck in handling), and per operator the queues × channels they are handling (skills, as practised).
   */
  handlingNow(tenant: string): { maxHeld: Map<string, number>; startedAt: Map<string, number[]>; streamsOf: Map<string, Set<string>> } {
    const now = this.opts.now();
    const held = new Map<string, Map<string, number>>();
    const startedAt = new Map<string, number[]>();
    const streamsOf = new Map<string, Set<string>>();
    for (const byChannel of this.tileIndex.get(tenant)?.values() ?? [])
      for (const t of byChannel.values()) {
        const starts: number[] = [];
        for (const seg of t.open.values()) {
          if (seg.phase !== 'handling' || seg.expiresAt <= now) continue;
          starts.push(seg.startedAt);
          if (seg.operatorId === undefined) continue;
          let streams = streamsOf.get(seg.operatorId);
          if (!streams) streamsOf.set(seg.operatorId, (streams = new Set()));
          streams.add(streamKey(t.queue, t.channel));
          let ops = held.get(t.channel);
          if (!ops) held.set(t.channel, (ops = new Map()));
          ops.set(seg.operatorId, (ops.get(seg.operatorId) ?? 0) + 1);
        }
        if (starts.length) startedAt.set(streamKey(t.queue, t.channel), starts);
      }
    const maxHeld = new Map<string, number>();
    for (const [channel, ops] of held) maxHeld.set(channel, Math.max(...ops.values()));
    return { maxHeld, startedAt, streamsOf };
  }

  /** A tenant's tiles as they stand now, in no particular order. */
  tilesOf(tenant: string): LiveTile[] {
    const now = this.opts.now();
    const out: LiveTile[] = [];
    for (const byChannel of this.tileIndex.get(tenant)?.values() ?? []) for (const t of byChannel.values()) out.push(this.render(t, now));
    return out;
  }

  snapshot(tenant: string, position: number, watermark: number | null = null): LiveSnapshot {
    const now = this.opts.now();
    const tiles = this.tilesOf(tenant).sort((a, b) => a.queue.localeCompare(b.queue) || a.channel.localeCompare(b.channel));
    return { tenant, at: now, position, watermark, timeZone: this.opts.timeZone ?? 'UTC', tiles, center: this.center(tenant), operators: this.operatorTotals(tenant), repairs: this.repairsOf(tenant) };
  }

  private readonly centerCache = new Map<string, { at: number; value: CenterWindows }>();

  /**
   * The whole center's windows: every tile's cells summed, each judged by its own queue's SL policy.
   * Recomputed at most every 250 ms: it sums every tile's hour of cells, and a header need not change
   * faster than the eye reads it.
   */
  center(tenant: string): CenterWindows {
    const now = this.opts.now();
    const cached = this.centerCache.get(tenant);
    if (cached && now > cached.at && now - cached.at < 250) return cached.value;
    const value = this.computeCenter(tenant, now);
    this.centerCache.set(tenant, { at: now, value });
    return value;
  }

  private computeCenter(tenant: string, now: number): CenterWindows {
    const acc15 = new MetricAccumulator();
    const acc60 = new MetricAccumulator();
    const last = bucketOf(now);
    for (const t of this.tiles.values()) {
      if (t.tenant !== tenant) continue;
      const policy = this.opts.slPolicyOf(t.queue, t.channel, t.tenant);
      for (let i = 0; i < 60; i++) {
        const cell = this.recent.get(t.tenant, t.queue, t.channel, '', last - i * BUCKET_MS);
        if (!cell) continue;
        acc60.add(cell.counters, policy);
        if (i < 15) acc15.add(cell.counters, policy);
      }
      const qa = this.openCount(t, now);
      acc15.qa += qa;
      acc60.qa += qa;
    }
    return { last15m: acc15.values(), last60m: acc60.values() };
  }

  private openCount(t: Tile, now: number): number {
    let n = 0;
    for (const s of t.open.values()) if (s.expiresAt > now) n++;
    return n;
  }

  operatorTotals(tenant: string): OperatorCounts {
    const counts = emptyOperatorCounts();
    const prefix = `${tenant}\u0001`;
    for (const [k, op] of this.operators) if (op.status && k.startsWith(prefix)) counts[op.status]++;
    return counts;
  }

  private render(t: Tile, now: number): LiveTile {
    let waiting = 0;
    let inHandling = 0;
    let oldestQueuedAt = Infinity;
    for (const s of t.open.values()) {
      if (s.expiresAt <= now) continue;
      if (s.phase === 'waiting') {
        waiting++;
        if (s.queuedAt < oldestQueuedAt) oldestQueuedAt = s.queuedAt;
      } else inHandling++;
    }
    // Operators based here, and those handling an appeal here now (a multi-skilled operator counts in
    // every tile where they work).
    const here = new Set(t.operators);
    for (const s of t.open.values()) if (s.phase === 'handling' && s.operatorId && s.expiresAt > now) here.add(`${t.tenant}\u0001${s.operatorId}`);
    const operators = emptyOperatorCounts();
    // Those based here, each counted in one tile only: summed over the tiles they add up to the center's.
    const home = emptyOperatorCounts();
    for (const k of here) {
      const st = this.operators.get(k)?.status;
      if (!st) continue;
      operators[st]++;
      if (t.operators.has(k)) home[st]++;
    }
    const qa = waiting + inHandling;
    return {
      queue: t.queue,
      channel: t.channel,
      qa,
      waiting,
      inHandling,
      longestWaitSec: waiting ? Math.max(0, Math.round((now - oldestQueuedAt) / 1000)) : 0,
      targets: this.targetsOf(t.queue, t.channel, t.tenant),
      operatorsHome: home,
      lastEventAt: t.lastEventTs > 0 ? t.lastEventTs : null,
      operators,
      last15m: this.window(t, now, 15, qa),
      last60m: this.window(t, now, 60, qa),
    };
  }

  private window(t: Tile, now: number, minutes: number, qa: number) {
    const acc = new MetricAccumulator();
    const policy = this.opts.slPolicyOf(t.queue, t.channel, t.tenant);
    const last = bucketOf(now);
    for (let b = last - (minutes - 1) * BUCKET_MS; b <= last; b += BUCKET_MS) {
      const cell = this.recent.get(t.tenant, t.queue, t.channel, '', b);
      if (cell) acc.add(cell.counters, policy);
    }
    acc.qa = qa;
    return acc.values();
  }

  private tile(tenant: string, queue: string, channel: string): Tile {
    let byQueue = this.tileIndex.get(tenant);
    if (!byQueue) this.tileIndex.set(tenant, (byQueue = new Map()));
    let byChannel = byQueue.get(queue);
    if (!byChannel) byQueue.set(queue, (byChannel = new Map()));
    let t = byChannel.get(channel);
    if (!t) {
      const key = tileKeyOf(tenant, queue, channel);
      t = { key, tenant, queue, channel, open: new Map(), operators: new Set(), lastEventTs: 0 };
      byChannel.set(channel, t);
      this.tiles.set(key, t);
      this.dirtyTiles.add(key);
    }
    return t;
  }

  private operator(tenant: string, id: string): OperatorState {
    const key = `${tenant}\u0001${id}`;
    let op = this.operators.get(key);
    if (!op) this.operators.set(key, (op = { status: null, statusTs: -Infinity, tileKey: null, homeFromStatus: false }));
    return op;
  }

  /** Counts the operator in a queue × channel tile: the one their status names, else where they last handled. */
  placeOperator(tenant: string, id: string, queue: string, channel: string, fromStatus: boolean): void {
    const op = this.operator(tenant, id);
    if (op.homeFromStatus && !fromStatus) return;
    const key = tileKeyOf(tenant, queue, channel);
    op.homeFromStatus ||= fromStatus;
    if (op.tileKey === key) return;
    const opKey = `${tenant}\u0001${id}`;
    if (op.tileKey) {
      const old = this.tiles.get(op.tileKey)!;
      old.operators.delete(opKey);
      this.markDirty(old);
    }
    const t = this.tile(tenant, queue, channel);
    t.operators.add(opKey);
    op.tileKey = key;
    this.markDirty(t);
  }

  /** Each tile's newest event time, for the checkpoint (a restart then shows the feed where it was). */
  exportFeeds(): Array<[string, string, string, number]> {
    const out: Array<[string, string, string, number]> = [];
    for (const t of this.tiles.values()) if (t.lastEventTs > 0) out.push([t.tenant, t.queue, t.channel, t.lastEventTs]);
    return out;
  }

  importFeeds(entries: ReadonlyArray<[string, string, string, number]>): void {
    for (const [tenant, queue, channel, ts] of entries) {
      const t = this.tile(tenant, queue, channel);
      if (ts > t.lastEventTs) {
        t.lastEventTs = ts;
        this.markDirty(t);
      }
    }
  }

  /**
   * The operators of a tenant for the operators table: status and since when, where based, what they
   * handle now, and their time in each status today (UTC day of `now`; the running status up to `now`).
   */
  operatorsOf(tenant: string, now: number): OperatorRow[] {
    const prefix = `${tenant}\u0001`;
    const handling = new Map<string, Array<{ queue: string; channel: string }>>();
    for (const t of this.tiles.values()) {
      if (t.tenant !== tenant) continue;
      for (const s of t.open.values()) {
        if (s.phase !== 'handling' || !s.operatorId || s.expiresAt <= now) continue;
        let on = handling.get(s.operatorId);
        if (!on) handling.set(s.operatorId, (on = []));
        on.push({ queue: t.queue, channel: t.channel });
      }
    }
    const dayStart = this.dayOf(now);
    const out: OperatorRow[] = [];
    for (const [key, op] of this.operators) {
      if (!key.startsWith(prefix)) continue;
      const id = key.slice(prefix.length);
      const home = op.tileKey ? this.tiles.get(op.tileKey) : undefined;
      const ms: Partial<Record<OperatorStatus, number>> = op.day?.start === dayStart ? { ...op.day.ms } : {};
      if (op.status && Number.isFinite(op.statusTs) && now > op.statusTs) {
        const span = now - Math.max(op.statusTs, dayStart);
        if (span > 0) ms[op.status] = (ms[op.status] ?? 0) + span;
      }
      const on = handling.get(id) ?? [];
      out.push({
        id,
        status: op.status,
        since: Number.isFinite(op.statusTs) ? op.statusTs : null,
        queue: home?.queue ?? null,
        channel: home?.channel ?? null,
        handling: on.length,
        handlingOn: on,
        today: { dayStart, ms },
      });
    }
    return out;
  }

  exportOperators(): Array<[string, OperatorState]> {
    return [...this.operators];
  }

  importOperators(entries: Array<[string, OperatorState]>): void {
    for (const [key, op] of entries) {
      const sep = key.indexOf('\u0001');
      const tenant = key.slice(0, sep);
      const id = key.slice(sep + 1);
      const tileKey = op.tileKey;
      // placed already (by an open appeal restored before its operator): that placement gives way to the saved one
      const placed = this.operators.get(key)?.tileKey;
      const old = placed ? this.tiles.get(placed) : undefined;
      if (old) {
        old.operators.delete(key);
        this.markDirty(old);
      }
      this.operators.set(key, { ...op, tileKey: null, statusTs: op.statusTs ?? -Infinity });
      if (tileKey) {
        const [, queue, channel] = tileKey.split('\u0001');
        this.placeOperator(tenant, id, queue, channel, op.homeFromStatus);
      }
    }
  }

  private markDirty(t: Tile): void {
    this.dirtyTiles.add(t.key);
  }
}
