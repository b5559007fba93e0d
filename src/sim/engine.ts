import type { CcEvent, EventType, OperatorStatus } from '../contract/event.js';
import { EventHeap } from './heap.js';
import { Rng, sample, type Dist } from './rng.js';
import type { OperatorGroup, ScenarioDef, StreamDef } from './types.js';

/**
 * The discrete-event core: appeals arrive per queue × channel, wait, are handled by skilled
 * operators (with chat concurrency), abandon, transfer and return. It emits contract events in
 * simulation-time order; fault injection and pacing live outside (faults.ts, realtime.ts).
 */

const DEFAULT_ROUTE_DELAY: Dist = { uniform: [300, 1500] };
/** Transfers per segment are capped so two queues cannot bounce an appeal forever. */
const MAX_TRANSFERS = 2;

export type EventFields = Omit<CcEvent, 'id' | 'ts'>;

interface Stream {
  key: string;
  queue: string;
  channel: string;
  def: StreamDef;
  ops: Op[];
  /** Transferred appeals wait here and go first; fresh ones wait in fifo. Entries are lazily deleted. */
  prio: Entry[];
  fifo: Entry[];
  prioHead: number;
  fifoHead: number;
  waiting: number;
  burst: number;
  rateMax: number;
}

interface Entry {
  appeal: Appeal;
  token: number;
}

interface Appeal {
  id: string;
  stream: Stream;
  /**
   * Bumped on every state change (routed, queued, answered, abandoned, closed): scheduled callbacks and
   * queue entries carry the value they saw and are void once it moved on. This is the whole state machine.
   */
  token: number;
  queuedAt: number;
  transfers: number;
  /** Set while a transferred appeal waits for its next operator. */
  from: Op | null;
  fromQueue: string;
}

interface Op {
  id: string;
  skills: Stream[];
  primary: Stream;
  concurrency: Record<string, number>;
  group: OperatorGroup;
  /** Fraction of capacity in use: a voice call is 1, a chat with concurrency k is 1/k. */
  load: number;
  sessions: number;
  status: OperatorStatus | null;
  online: boolean;
  inBreak: boolean;
  inAcw: boolean;
  wantBreak: boolean;
  wantOff: boolean;
  freeSince: number;
  /** Bumped on logout so break timers of a previous shift die. */
  token: number;
}

export interface CoreStats {
  simMs: number;
  emitted: number;
  byType: Record<string, number>;
  appeals: number;
  segments: number;
  closed: number;
  missed: number;
  transferred: number;
  returned: number;
  waiting: number;
  operatorsOnline: number;
}

export interface StaffingActions {
  /** Log in n new operators serving queue/channel; returns their ids. */
  addOperators(queue: string, channel: string, n: number): string[];
  /** Log out n operators whose primary skill is queue/channel (idle ones first; busy ones finish their work). */
  removeOperators(queue: string, channel: string, n: number): string[];
  /** Re-skill n operators from one queue/channel to another. */
  moveOperators(from: { queue: string; channel: string }, to: { queue: string; channel: string }, n: number): string[];
  /** Fix a campaign's dial ratio (dials per free agent); null returns it to automatic pacing. */
  setCampaignPacing(campaignId: string, ratio: number | null): void;
}

/** What a campaign (campaign.ts) needs from the core. */
export interface Host {
  readonly rng: Rng;
  readonly runId: string;
  now(): number;
  after(dt: number, fn: () => void): void;
  emit(fields: EventFields): void;
}

export interface Plugin {
  setPacing?(campaignId: string, ratio: number | null): boolean;
  active(): boolean;
  stats?(): Record<string, unknown>;
}

export class Core implements Host {
  readonly rng: Rng;
  readonly end: number;
  private readonly heap = new EventHeap();
  private t = 0;
  private out: CcEvent[] = [];
  private idSeq = 0;
  private appealSeq = 0;
  private opSeq = 0;
  private readonly streams = new Map<string, Stream>();
  private readonly ops: Op[] = [];
  private readonly plugins: Plugin[] = [];
  private readonly maxGlobal: number;
  private readonly counters = { appeals: 0, segments: 0, closed: 0, missed: 0, transferred: 0, returned: 0 };
  private readonly byType: Record<string, number> = {};

  constructor(
    readonly scenario: ScenarioDef,
    seed: number,
    readonly startTime: number,
    durationMs: number,
    readonly runId: string,
  ) {
    this.rng = new Rng(seed);
    this.end = durationMs;
    const load = scenario.load ?? {};
    this.maxGlobal =
      Math.max(1, ...(load.timeOfDay ?? [1])) * Math.max(1, ...(load.weekday ?? [1])) * (1 + Math.abs(load.sine?.amplitude ?? 0));
    const burstMax = load.bursts ? load.bursts.factor[1] : 1;
    for (const def of scenario.streams) {
      const key = `${def.queue}/${def.channel}`;
      if (this.streams.has(key)) throw new Error(`scenario ${scenario.name}: duplicate stream ${key}`);
      const windowMax = Math.max(1, ...(load.windows ?? []).filter((w) => matches(w, def)).map((w) => w.factor));
      this.streams.set(key, {
        key, queue: def.queue, channel: def.channel, def, ops: [],
        prio: [], fifo: [], prioHead: 0, fifoHead: 0, waiting: 0, burst: 1,
        rateMax: def.perHour * this.maxGlobal * burstMax * windowMax,
      });
    }
    for (const g of scenario.operators) for (let i = 0; i < g.n; i++) this.createOp(g, g.skills);
    // Start-up order is fixed (operators, then arrivals, then bursts) so the random stream is reproducible.
    for (const op of this.ops) this.planShift(op);
    for (const s of this.streams.values()) if (s.rateMax > 0) this.nextArrival(s);
    if (load.bursts) this.nextBurst();
  }

  // ---- host interface -------------------------------------------------------------------

  now(): number {
    return this.t;
  }

  after(dt: number, fn: () => void): void {
    this.heap.push(this.t + Math.max(0, dt), fn);
  }

  emit(fields: EventFields): void {
    const e = { id: `${this.runId}-${this.idSeq++}`, ts: Math.round(this.startTime + this.t), ...fields } as CcEvent;
    this.byType[e.type] = (this.byType[e.type] ?? 0) + 1;
    this.out.push(e);
  }

  addPlugin(p: Plugin): void {
    this.plugins.push(p);
  }

  // ---- driving ----------------------------------------------------------------------------

  /** Run every action up to sim time `until` (inclusive) and return the events emitted, in ts order. */
  advance(until: number): CcEvent[] {
    const limit = Math.min(until, this.end);
    while (this.heap.size && this.heap.peekTime() <= limit) {
      const item = this.heap.pop()!;
      this.t = item.t;
      item.fn();
    }
    if (limit > this.t) this.t = limit;
    const out = this.out;
    this.out = [];
    return out;
  }

  get finished(): boolean {
    if (this.t >= this.end) return true;
    // With a finite scenario (campaign only) the run ends when nothing is left to happen.
    return this.heap.size === 0 || (this.streams.size === 0 && this.plugins.length > 0 && !this.plugins.some((p) => p.active()));
  }

  stats(): CoreStats {
    let waiting = 0;
    for (const s of this.streams.values()) waiting += s.waiting;
    const extra: Record<string, unknown> = {};
    for (const p of this.plugins) Object.assign(extra, p.stats?.() ?? {});
    return {
      simMs: this.t,
      emitted: this.idSeq,
      byType: { ...this.byType },
      ...this.counters,
      waiting,
      operatorsOnline: this.ops.filter((o) => o.online).length,
      ...extra,
    };
  }

  // ---- arrivals ---------------------------------------------------------------------------

  /** Arrival-rate multiplier shared by all streams: time-of-day profile × weekday profile × slow sinusoid. */
  private globalFactor(): number {
    const load = this.scenario.load;
    if (!load) return 1;
    let f = 1;
    if (load.timeOfDay) {
      const clock = load.startHour !== undefined ? load.startHour + this.t / 3_600_000 : (this.startTime + this.t) / 3_600_000;
      const h = (((clock + (load.tzOffsetHours ?? 0)) % 24) + 24) % 24;
      const i = Math.floor(h);
      const a = load.timeOfDay[i % 24];
      const b = load.timeOfDay[(i + 1) % 24];
      f *= a + (b - a) * (h - i);
    }
    if (load.weekday) {
      const local = this.startTime + this.t + (load.tzOffsetHours ?? 0) * 3_600_000;
      f *= load.weekday[(new Date(local).getUTCDay() + 6) % 7] ?? 1; // getUTCDay: Sunday = 0
    }
    if (load.sine) f *= 1 + load.sine.amplitude * Math.sin((2 * Math.PI * this.t) / load.sine.periodMs + (load.sine.phase ?? 0));
    return f;
  }

  private rate(s: Stream): number {
    let f = s.def.perHour * this.globalFactor() * s.burst;
    for (const w of this.scenario.load?.windows ?? []) if (this.t >= w.from && this.t < w.to && matches(w, s.def)) f *= w.factor;
    return f;
  }

  /**
   * Non-homogeneous Poisson arrivals by thinning: candidates at the bounding rate, each kept with
   * probability rate(t)/rateMax. Exact for any bounded rate, and the rate may change at any time
   * (bursts, windows, time of day) without rescheduling anything.
   */
  private nextArrival(s: Stream): void {
    this.after(this.rng.exp(3_600_000 / s.rateMax), () => {
      if (this.rng.next() * s.rateMax < this.rate(s)) this.arrive(s);
      this.nextArrival(s);
    });
  }

  private nextBurst(): void {
    const b = this.scenario.load!.bursts!;
    this.after(this.rng.exp(b.everyMs), () => {
      const candidates = [...this.streams.values()].filter((s) => s.def.perHour > 0 && s.burst === 1);
      if (candidates.length) {
        const s = this.rng.pick(candidates);
        s.burst = this.rng.uniform(b.factor[0], b.factor[1]);
        this.after(sample(this.rng, b.length), () => (s.burst = 1));
      }
      this.nextBurst();
    });
  }

  // ---- appeal lifecycle -------------------------------------------------------------------

  private arrive(s: Stream): void {
    const a: Appeal = { id: `${this.runId}-a${this.appealSeq++}`, stream: s, token: 0, queuedAt: 0, transfers: 0, from: null, fromQueue: s.queue };
    this.counters.appeals++;
    this.startSegment(a, 'APPEAL_NEW');
  }

  private startSegment(a: Appeal, type: 'APPEAL_NEW' | 'APPEAL_RETURNED'): void {
    this.counters.segments++;
    a.transfers = 0;
    const token = ++a.token;
    this.appealEvent(a, type);
    this.after(sample(this.rng, a.stream.def.routeDelay ?? DEFAULT_ROUTE_DELAY), () => {
      if (a.token !== token) return;
      a.queuedAt = this.t;
      this.appealEvent(a, 'APPEAL_SENT_DISTRIBUTION');
      this.offer(a, false);
    });
  }

  private appealEvent(a: Appeal, type: EventType, op?: Op, attrs?: Record<string, unknown>): void {
    const e: EventFields = { type, appealId: a.id, channel: a.stream.channel, queue: a.stream.queue, direction: 'inbound' };
    if (op) e.operatorId = op.id;
    if (attrs) e.attrs = attrs;
    this.emit(e);
  }

  /** Hand the appeal to the best free operator, or queue it (transfers jump the queue and never abandon). */
  private offer(a: Appeal, transfer: boolean): void {
    const s = a.stream;
    const token = ++a.token;
    // A fresh appeal goes straight to an operator only if nobody is queued ahead of it (FIFO fairness).
    const op = transfer || !peek(s, false) ? this.findOp(s, a.from) : undefined;
    if (op) return this.assign(a, op);
    (transfer ? s.prio : s.fifo).push({ appeal: a, token });
    s.waiting++;
    if (!transfer && s.def.patience !== undefined) {
      this.after(sample(this.rng, s.def.patience), () => {
        if (a.token !== token) return;
        a.token++;
        s.waiting--;
        this.counters.missed++;
        this.appealEvent(a, 'APPEAL_MISSED');
      });
    }
  }

  /** Least-loaded eligible operator, longest idle first: spreads chats and is fair to voice agents. */
  private findOp(s: Stream, exclude: Op | null): Op | undefined {
    let best: Op | undefined;
    for (const op of s.ops) {
      if (op === exclude || !canAccept(op, s.channel)) continue;
      if (!best || op.load < best.load - 1e-9 || (Math.abs(op.load - best.load) < 1e-9 && op.freeSince < best.freeSince)) best = op;
    }
    return best;
  }

  private assign(a: Appeal, op: Op): void {
    const s = a.stream;
    a.token++;
    op.load += weight(op, s.channel);
    op.sessions++;
    if (a.from) {
      this.counters.transferred++;
      this.appealEvent(a, 'APPEAL_TRANSFERRED', op, { fromOperatorId: a.from.id, fromQueue: a.fromQueue });
      a.from = null;
    } else {
      this.appealEvent(a, 'APPEAL_APPOINTED', op);
    }
    this.refreshStatus(op);
    this.after(sample(this.rng, s.def.handle), () => this.endLeg(a, op));
  }

  private endLeg(a: Appeal, op: Op): void {
    const s = a.stream;
    op.load = Math.max(0, op.load - weight(op, s.channel));
    op.sessions--;
    if (op.sessions === 0) op.freeSince = this.t;
    const tr = s.def.transfer;
    const target = tr && a.transfers < MAX_TRANSFERS && this.rng.chance(tr.p) ? this.transferTarget(s, tr.to, op) : undefined;
    if (target) {
      a.transfers++;
      a.from = op;
      a.fromQueue = s.queue;
      a.stream = target;
      this.offer(a, true);
    } else {
      a.token++;
      this.counters.closed++;
      this.appealEvent(a, 'APPEAL_CLOSED', op);
      const ret = s.def.returns;
      if (ret && this.rng.chance(ret.p)) {
        this.after(sample(this.rng, ret.after), () => {
          this.counters.returned++;
          this.startSegment(a, 'APPEAL_RETURNED');
        });
      }
    }
    if (op.sessions === 0 && s.def.acw !== undefined) {
      op.inAcw = true;
      this.refreshStatus(op);
      this.after(sample(this.rng, s.def.acw), () => {
        op.inAcw = false;
        this.becameFree(op);
      });
    } else {
      this.becameFree(op);
    }
  }

  /** Target stream of a transfer (same channel); none when nobody else could ever take it. */
  private transferTarget(s: Stream, to: string[] | undefined, op: Op): Stream | undefined {
    const q = to?.length ? this.rng.pick(to) : s.queue;
    const target = this.streams.get(`${q}/${s.channel}`) ?? s;
    return target.ops.some((o) => o !== op) ? target : undefined;
  }

  // ---- operators --------------------------------------------------------------------------

  private createOp(g: OperatorGroup, skills: string[]): Op {
    const streams = skills.map((k) => {
      const s = this.streams.get(k);
      if (!s) throw new Error(`scenario ${this.scenario.name}: operator skill ${k} has no stream`);
      return s;
    });
    const op: Op = {
      id: `${g.prefix ?? 'op'}${String(++this.opSeq).padStart(3, '0')}`,
      skills: streams, primary: streams[0], concurrency: g.concurrency ?? {}, group: g,
      load: 0, sessions: 0, status: null, online: false, inBreak: false, inAcw: false,
      wantBreak: false, wantOff: false, freeSince: 0, token: 0,
    };
    for (const s of streams) s.ops.push(op);
    this.ops.push(op);
    return op;
  }

  private planShift(op: Op): void {
    const [from, to] = op.group.shift ?? [0, Infinity];
    if (from > this.t) {
      this.refreshStatus(op); // announce the operator as offline so dashboards know the headcount
      this.after(from - this.t, () => this.login(op));
    } else this.login(op);
    if (to < Infinity) this.after(to - this.t, () => this.logout(op));
  }

  private login(op: Op): void {
    op.online = true;
    op.wantOff = false;
    op.freeSince = this.t;
    this.planBreak(op);
    this.becameFree(op);
  }

  private logout(op: Op): void {
    op.wantOff = true;
    if (op.sessions === 0 && !op.inAcw) this.goOffline(op);
  }

  private goOffline(op: Op): void {
    Object.assign(op, { online: false, inBreak: false, wantBreak: false, wantOff: false });
    op.token++;
    this.refreshStatus(op);
  }

  private planBreak(op: Op): void {
    const b = op.group.breaks;
    if (!b) return;
    const token = op.token;
    this.after(sample(this.rng, b.every), () => {
      if (op.token !== token || !op.online) return;
      op.wantBreak = true; // stop taking work; the break starts when current work is done
      if (op.sessions === 0 && !op.inAcw) this.startBreak(op);
    });
  }

  private startBreak(op: Op): void {
    op.wantBreak = false;
    op.inBreak = true;
    this.refreshStatus(op);
    const token = op.token;
    this.after(sample(this.rng, op.group.breaks!.length), () => {
      if (op.token !== token) return;
      op.inBreak = false;
      this.planBreak(op);
      this.becameFree(op);
    });
  }

  /** Capacity was released (end of leg, acw, break, login): leave, rest, or pull waiting work. */
  private becameFree(op: Op): void {
    if (op.sessions === 0 && !op.inAcw) {
      if (op.wantOff) return this.goOffline(op);
      if (op.wantBreak) return this.startBreak(op);
    }
    this.pull(op);
    this.refreshStatus(op);
  }

  /** Take waiting appeals from the operator's skills while capacity allows: transfers first, then the longest wait. */
  private pull(op: Op): void {
    for (;;) {
      let best: Stream | undefined;
      let bestKey = Infinity;
      for (const s of op.skills) {
        if (s.waiting === 0 || !canAccept(op, s.channel)) continue;
        const head = peek(s, true, op) ?? peek(s, false, op);
        if (!head) continue;
        const key = head.prio ? -1e15 + head.e.appeal.queuedAt : head.e.appeal.queuedAt;
        if (key < bestKey) (best = s), (bestKey = key);
      }
      if (!best) return;
      const head = (peek(best, true, op) ?? peek(best, false, op))!;
      if (head.prio) best.prioHead++;
      else best.fifoHead++;
      best.waiting--;
      compact(best);
      this.assign(head.e.appeal, op);
    }
  }

  private refreshStatus(op: Op, force = false): void {
    const status: OperatorStatus = !op.online ? 'offline' : op.inBreak ? 'break' : op.inAcw ? 'acw' : op.sessions > 0 ? 'busy' : 'ready';
    if (status === op.status && !force) return;
    op.status = status;
    this.emit({ type: 'OPERATOR_STATUS', operatorId: op.id, status, queue: op.primary.queue, channel: op.primary.channel });
  }

  // ---- staffing actions -----------------------------------------------------------------

  readonly actions: StaffingActions = {
    addOperators: (queue, channel, n) => {
      const key = `${queue}/${channel}`;
      // New hires work like the stream's existing staff (same chat concurrency and breaks).
      const like = this.streams.get(key)?.ops.find((o) => o.primary.key === key)?.group;
      const g: OperatorGroup = { n: 0, skills: [key], prefix: 'op', concurrency: like?.concurrency, breaks: like?.breaks };
      return Array.from({ length: n }, () => {
        const op = this.createOp(g, [key]);
        this.login(op);
        return op.id;
      });
    },
    removeOperators: (queue, channel, n) => {
      const picked = this.pickOps(`${queue}/${channel}`, n);
      for (const op of picked) this.logout(op);
      return picked.map((o) => o.id);
    },
    moveOperators: (from, to, n) => {
      const target = this.streams.get(`${to.queue}/${to.channel}`);
      if (!target) throw new Error(`no stream ${to.queue}/${to.channel}`);
      const picked = this.pickOps(`${from.queue}/${from.channel}`, n);
      for (const op of picked) {
        for (const s of op.skills) s.ops.splice(s.ops.indexOf(op), 1);
        op.skills = [target];
        op.primary = target;
        target.ops.push(op);
        this.refreshStatus(op, true); // re-announce under the new queue/channel
        this.becameFree(op);
      }
      return picked.map((o) => o.id);
    },
    setCampaignPacing: (campaignId, ratio) => {
      if (!this.plugins.some((p) => p.setPacing?.(campaignId, ratio))) throw new Error(`no campaign ${campaignId}`);
    },
  };

  /** Online operators with this primary skill, least loaded first (so removals and moves disturb little work). */
  private pickOps(key: string, n: number): Op[] {
    const s = this.streams.get(key);
    if (!s) throw new Error(`no stream ${key}`);
    return s.ops
      .filter((o) => o.primary === s && o.online && !o.wantOff)
      .sort((a, b) => a.load - b.load || a.freeSince - b.freeSince)
      .slice(0, Math.max(0, n));
  }
}

function matches(w: { queue?: string; channel?: string }, def: StreamDef): boolean {
  return (w.queue === undefined || w.queue === def.queue) && (w.channel === undefined || w.channel === def.channel);
}

function concurrencyOf(op: Pick<Op, 'concurrency'>, channel: string): number {
  return op.concurrency[channel] ?? (channel === 'voice' || channel === 'email' ? 1 : 3);
}

function weight(op: Op, channel: string): number {
  return 1 / concurrencyOf(op, channel);
}

function canAccept(op: Op, channel: string): boolean {
  return op.online && !op.inBreak && !op.inAcw && !op.wantBreak && !op.wantOff && op.load + weight(op, channel) <= 1 + 1e-9;
}

/** First live entry of a stream's queue (skipping abandoned ones and, for transfers, the operator who handed it off). */
function peek(s: Stream, prio: boolean, op?: Op): { e: Entry; prio: boolean } | undefined {
  const q = prio ? s.prio : s.fifo;
  let i = prio ? s.prioHead : s.fifoHead;
  while (i < q.length && q[i].appeal.token !== q[i].token) i++;
  if (prio) s.prioHead = i;
  else s.fifoHead = i;
  if (i >= q.length) return undefined;
  // A transfer never goes back to the operator who made it; another operator will take it.
  if (prio && q[i].appeal.from === op) return undefined;
  return { e: q[i], prio };
}

function compact(s: Stream): void {
  if (s.fifoHead > 1024 && s.fifoHead * 2 > s.fifo.length) (s.fifo = s.fifo.slice(s.fifoHead)), (s.fifoHead = 0);
  if (s.prioHead > 1024 && s.prioHead * 2 > s.prio.length) (s.prio = s.prio.slice(s.prioHead)), (s.prioHead = 0);
}
