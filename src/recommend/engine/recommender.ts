/**
 * The recommendation engine at run time: for every tenant's queue × channel on the live board it
 * follows the forecast, builds the situation (live tile, forecast, measured patience, settings), asks
 * the advisor's rules what holds, and runs the lifecycle over the answers. Transitions go to listeners
 * at once (the live stream) and to storage behind them (history that survives restarts).
 *
 * It runs on the main thread beside the live view it reads, because it must answer within tens of
 * milliseconds of the event that changed things. That is cheap: a forecast is recomputed once a minute
 * per queue × channel, and the staffing search only when its inputs change (memoized), so an
 * evaluation is a walk over the board's tiles.
 */
import type { CellRules } from '../../settings/rules.js';
import type { Logger } from 'pino';
import { streamKey, type LiveTile } from '../../contract/api.js';
import type { Config } from '../../config/config.js';
import type { Counters } from '../../metrics/counters.js';
import type { Storage, StoredRecommendation } from '../../storage/storage.js';
import { conditionsFor, DEFAULT_THRESHOLDS, planFor, staffingFor, type QueueSituation, type Staffing } from '../advisor/rules.js';
import type { ForecastPriors } from '../forecast/index.js';
import { acknowledge, emptyLifecycle, evaluate, type Condition, type Item, type LifecycleOptions, type LifecycleState, type Transition } from '../lifecycle/lifecycle.js';
import { StreamFollower } from './follower.js';

/** A queue × channel's forecast as the trend charts show it (Recommender.forecasts): 15-minute slots, arrivals in each. */
export interface StreamForecast {
  queue: string;
  channel: string;
  basis: 'prior' | 'recent' | 'seasonal' | 'blend';
  past: Array<{ from: number; arrivals: number }>;
  ahead: Array<{ from: number; arrivals: number }>;
}
import { ItemSaver } from './item-saver.js';
import { ahtOutliers, type OperatorAht } from '../advisor/aht-outliers.js';
export type { OperatorAht };
import { learnSkills, moves, sharedSkills, type SharedSkills } from '../advisor/moves.js';
import { campaignProgress, pacingConditions, type CampaignCounts, type CampaignPlan } from '../campaigns/pacing.js';
import type { LoggedEvent } from '../../contract/event.js';
import type { WhatIfCampaign, WhatIfStream } from '../whatif/whatif.js';

const MINUTE_MS = 60_000;
/** The live view keeps this many minutes of cells (see stream/live-view.ts). */
const LIVE_MINUTES = 60;
/** What a queue × channel with no history and no configured prior is assumed to get, by kind of channel. */
const PRODUCT_PRIORS = { voice: { arrivalsPerHour: 60, ahtSec: 240 }, email: { arrivalsPerHour: 20, ahtSec: 600 }, chat: { arrivalsPerHour: 30, ahtSec: 480 } };
/** Items a tenant's open board holds at most, newest kept. Far above what a person can read. */
const MAX_OPEN_LISTED = 1_000;

/** What the recommender reads: the live board. */
export interface BoardSource {
  tenants(): Iterable<string>;
  tiles(tenant: string): LiveTile[];
  /** The queue-level minute cell of one queue × channel, as the live view has it. */
  cell(tenant: string, queue: string, channel: string, bucket: number): Counters | undefined;
  /**
   * Arrivals and handle times per queue × channel and 15-minute slot over [from, to) (the slow path:
   * history), to seed the forecasts of a tenant when the recommender starts.
   */
  slotHistory?(tenant: string, from: number, to: number, slotMs: number): Promise<SlotHistory[]>;
  /** Each operator's handle time per queue × channel over [from, to) (the slow path: history). */
  operatorAht?(tenant: string, from: number, to: number): Promise<OperatorAht[]>;
  /** The contacts in handling now: per channel the most one operator holds, per queue × channel (`queue\u0001channel`) when each started. */
  handling(tenant: string): { maxHeld: Map<string, number>; startedAt: Map<string, number[]>; streamsOf: Map<string, Set<string>> };
  /** Outbound campaigns' answered and dropped calls, as the stream counted them. */
  campaigns: CampaignCounts;
}

export interface SlotHistory {
  queue: string;
  channel: string;
  /** Slot start, epoch ms. */
  slot: number;
  /** Slot length, ms. */
  slotMs: number;
  offered: number;
  ahtSec: number | null;
  /** Closes in the slot (what ahtSec is the mean of). */
  ha: number;
}

/** How far back a tenant's forecasts are seeded from history when the recommender starts: a week and a day, for the weekly profile. */
const SEED_HISTORY_MS = 8 * 24 * 60 * 60_000;

/** How often operators' handle times are read again (a query on the slow path), and over how long. */
const AHT_PEERS_EVERY_MS = 5 * MINUTE_MS;
const AHT_PEERS_WINDOW_MS = 60 * MINUTE_MS;

export type RecommendationStore = Pick<Storage, 'saveRecommendations' | 'listRecommendations' | 'lastRecommendationNumber' | 'listCampaigns'>;

export interface RecommenderOptions {
  source: BoardSource;
  storage: RecommendationStore;
  settings: Config['recommend'];
  /** A tenant's rules: its SL policies, targets, alert thresholds and chat concurrency (src/settings). */
  rulesOf: (tenant: string) => CellRules;
  now: () => number;
  log?: Logger;
  /**
   * Main-thread time one evaluation may spend on staffing searches it has not memoized (ms; default 10).
   * Past it, a queue × channel keeps its last staffing until a later evaluation has time: a large center
   * whose forecasts all move at a minute's turn would otherwise hold the event loop for up to a second.
   * Infinity where nothing else waits (ccpulse evaluate, which must be repeatable).
   */
  staffingBudgetMs?: number;
  /** Told after lifecycle changes are stored (the notifier routes them at once). */
  onSaved?: () => void;
}

/** A transition as listeners get it: the tenant, the item after it, where it came from. */
export interface RecommendationEvent {
  tenant: string;
  item: Item;
  from: Item['state'] | null;
  to: Item['state'];
  at: number;
}

interface TenantState {
  lifecycle: LifecycleState;
  /** Campaigns registered with PUT /v1/campaigns/:id, by id. */
  plans: Map<string, CampaignPlan>;
  /** The situation of each queue × channel at the last evaluation (what the rules were given). */
  situations: Map<string, QueueSituation>;
  /** Per chat channel: the most chats one operator held, in each of the last 60 minutes (minute → chats). */
  holding: Map<string, Map<number, number>>;
  holdingNotedAt: number;
  /** Operators' handle times of the last hour, read every AHT_PEERS_EVERY_MS: when, and the outliers found. */
  ahtPeers: { at: number; reading: boolean; outliers: Condition[] };
  /** Skills as practised: per operator, the queues × channels seen in their hands, and the minute last seen. */
  skills: Map<string, Map<string, number>>;
  /** sharedSkills(skills), as of the last time skills were learned. */
  shared: SharedSkills;
  /** When each contact in handling started, per queue × channel, as of holdingNotedAt. */
  handlingStartedAt: Map<string, number[]>;
  streams: Map<string, StreamFollower>;
  /** The board's tiles as last rendered, by queue × channel: kept up by observe(), re-read whole every RESYNC_MS. */
  tiles: Map<string, LiveTile>;
  syncedAt: number;
}

/** The whole board is re-read this often (tiles that left it go); in between the live view's changes keep it. */
const RESYNC_MS = 5_000;
const tileKey = (t: LiveTile) => streamKey(t.queue, t.channel);

export class Recommender {
  private readonly tenants = new Map<string, TenantState>();
  private readonly loading = new Map<string, Promise<void>>();
  private readonly listeners = new Set<(e: RecommendationEvent) => void>();
  private readonly staffingMemo = new Map<string, Staffing | null>();
  /** The last staffing computed per tenant × queue × channel, for when an evaluation's budget is spent. */
  private readonly lastStaffing = new Map<string, Staffing | null>();
  /** Set when a staffing search was put off for the budget with none found before (see conditionsOf). */
  private deferred = false;
  private staffingDeadline = Infinity;
  private nextNum = 1;
  private readonly saver: ItemSaver;
  private readonly priors: Map<string, { arrivalsPerHour: number; ahtSec: number }>;
  private readonly lifecycle: LifecycleOptions;
  /** Evaluations so far and the time they took (ms), for /healthz and the bench. */
  readonly stats = { evaluations: 0, totalMs: 0, maxMs: 0, lastMs: 0 };

  private constructor(private readonly opts: RecommenderOptions) {
    const s = opts.settings;
    // Names come from events: looked up in Maps, never as property names (a queue called "__proto__").
    this.priors = new Map(Object.entries(s.priors));
    this.saver = new ItemSaver(opts.storage, opts.log, opts.onSaved);
    const l = s.lifecycle;
    this.lifecycle = { raiseAfterMs: l.raiseAfterSec * 1000, clearAfterMs: l.clearAfterSec * 1000, minOpenMs: l.minOpenSec * 1000 };
  }

  static async start(opts: RecommenderOptions): Promise<Recommender> {
    const r = new Recommender(opts);
    r.nextNum = (await opts.storage.lastRecommendationNumber()) + 1;
    return r;
  }

  /** A campaign registered or registered again (already stored): its plan is used from the next evaluation. */
  setCampaign(tenant: string, plan: CampaignPlan): void {
    this.tenants.get(tenant)?.plans.set(plan.id, plan); // a tenant not loaded yet reads it from storage when it is
  }

  /** A campaign's answered calls in total and over the last 15 minutes. */
  campaignProgress(tenant: string, id: string): { answeredTotal: number; answeredLast15: number; droppedLast15: number } {
    return campaignProgress(this.opts.source.campaigns, tenant, id, this.opts.now());
  }

  /** Evaluations so far, their mean and longest time on the main thread (ms). */
  cost(): { evaluations: number; meanMs: number; maxMs: number } {
    const { evaluations, totalMs, maxMs } = this.stats;
    return { evaluations, meanMs: evaluations ? Math.round((totalMs / evaluations) * 100) / 100 : 0, maxMs: Math.round(maxMs * 100) / 100 };
  }

  onTransition(fn: (e: RecommendationEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The tiles the live view rendered after a change (see Engine.onChange): the board as it stands, without rendering it again. */
  observe(changes: ReadonlyMap<string, LiveTile[]>): void {
    for (const [tenant, tiles] of changes) {
      const state = this.tenants.get(tenant);
      if (state) for (const t of tiles) state.tiles.set(tileKey(t), t);
    }
  }

  /**
   * One evaluation of every loaded tenant's board at the current time. A tenant seen for the first time
   * is loaded first (its open items from storage) and evaluated from the next call on.
   */
  evaluate(): RecommendationEvent[] {
    const t0 = performance.now();
    this.staffingDeadline = t0 + (this.opts.staffingBudgetMs ?? 10);
    const now = this.opts.now();
    const out: RecommendationEvent[] = [];
    for (const tenant of this.opts.source.tenants()) {
      const state = this.tenants.get(tenant);
      if (!state) {
        this.load(tenant);
        continue;
      }
      const conditions = this.conditionsOf(tenant, state, now);
      state.lifecycle.nextId = this.nextNum;
      const transitions = evaluate(state.lifecycle, conditions, now, this.lifecycle);
      this.nextNum = state.lifecycle.nextId;
      for (const t of transitions) out.push(this.record(tenant, t));
    }
    const ms = performance.now() - t0;
    this.stats.evaluations++;
    this.stats.totalMs += ms;
    this.stats.maxMs = Math.max(this.stats.maxMs, ms);
    this.stats.lastMs = ms;
    return out;
  }

  /** The tenant's open and acknowledged items, most severe first, then newest. */
  board(tenant: string): Item[] {
    const state = this.tenants.get(tenant);
    if (!state) return [];
    const rank = { critical: 0, warning: 1, info: 2 } as const;
    return [...state.lifecycle.open.values()]
      .sort((a, b) => rank[a.severity] - rank[b.severity] || b.openedAt - a.openedAt)
      .slice(0, MAX_OPEN_LISTED)
      .map((i) => ({ ...i }));
  }

  /** Items whose lifetime overlaps [from, to), from storage (resolved ones included), newest first. */
  async history(tenant: string, from: number, to: number, limit: number): Promise<Item[]> {
    await this.flush();
    const rows = await this.opts.storage.listRecommendations({ tenant, from, to, limit });
    return rows.map(toItem);
  }

  /**
   * Acknowledges an open item: durable when the promise resolves. Acknowledging an acknowledged item
   * again changes nothing and answers it as it is. Null: no such item open for this tenant.
   */
  async acknowledge(tenant: string, id: string, by: string): Promise<Item | null> {
    const state = this.tenants.get(tenant);
    const open = state && [...state.lifecycle.open.values()].find((i) => i.id === id);
    if (!state || !open) return null; // unknown, another tenant's, or resolved already
    const t = acknowledge(state.lifecycle, id, by, this.opts.now());
    if (t) this.record(tenant, t);
    await this.flush();
    return { ...open };
  }

  /** Writes every change recorded so far (see ItemSaver). */
  flush(): Promise<void> {
    return this.saver.flush();
  }

  private record(tenant: string, t: Transition): RecommendationEvent {
    const e: RecommendationEvent = { tenant, item: t.item, from: t.from, to: t.to, at: t.at };
    const num = numOf(t.item.id)!;
    this.saver.add({ item: { ...t.item, tenant, num }, from: t.from, to: t.to, at: t.at }); // storage follows the live stream
    for (const fn of this.listeners) fn(e);
    return e;
  }

  private load(tenant: string): void {
    if (this.loading.has(tenant)) return;
    const p = Promise.all([this.opts.storage.listRecommendations({ tenant, open: true, limit: MAX_OPEN_LISTED }), this.seededStreams(tenant), this.opts.storage.listCampaigns(tenant)])
      .then(([rows, streams, campaigns]) => {
        const lifecycle = emptyLifecycle();
        for (const r of rows) lifecycle.open.set(r.key, toItem(r));
        this.tenants.set(tenant, { lifecycle, plans: new Map(campaigns.map((c) => [c.id, c])), situations: new Map(), holding: new Map(), holdingNotedAt: -1, skills: new Map(), shared: new Map(), handlingStartedAt: new Map(), ahtPeers: { at: -Infinity, reading: false, outliers: [] }, streams, tiles: new Map(), syncedAt: -Infinity });
      })
      .catch((err) => this.opts.log?.warn({ err: (err as Error).message, tenant }, 'loading open recommendations failed; will retry'))
      .finally(() => this.loading.delete(tenant));
    this.loading.set(tenant, p);
  }

  /**
   * Followers of the tenant's queues × channels seeded from history up to where the live view's minutes
   * begin (the last hour is fed from them as usual): the recent flow and the weekly profile survive a
   * restart. History older than the last whole 15-minute slot comes in slots, spread evenly over their
   * minutes (the profile is kept per 15-minute slot; the recent flow is learned again from the live
   * minutes), the rest by the minute. Without history (or if the read fails) the followers start empty,
   * on priors.
   */
  private async seededStreams(tenant: string): Promise<Map<string, StreamFollower>> {
    const streams = new Map<string, StreamFollower>();
    if (!this.opts.source.slotHistory) return streams;
    const now = this.opts.now();
    const liveFrom = now - (now % MINUTE_MS) - LIVE_MINUTES * MINUTE_MS;
    const to = liveFrom - (liveFrom % SLOT_MS);
    let rows: SlotHistory[];
    try {
      // 15-minute slots up to the last whole one before the live minutes, then the minutes up to them
      const [slots, minutes] = await Promise.all([
        this.opts.source.slotHistory(tenant, to - SEED_HISTORY_MS, to, SLOT_MS),
        to < liveFrom ? this.opts.source.slotHistory(tenant, to, liveFrom, MINUTE_MS) : Promise.resolve([]),
      ]);
      rows = [...slots, ...minutes];
    } catch (err) {
      this.opts.log?.warn({ err: (err as Error).message, tenant }, 'reading history to seed the forecasts failed; they start from the live minutes');
      return streams;
    }
    const byStream = new Map<string, SlotHistory[]>();
    for (const r of rows) {
      const k = streamKey(r.queue, r.channel);
      let list = byStream.get(k);
      if (!list) byStream.set(k, (list = []));
      list.push(r);
    }
    for (const [k, list] of byStream) {
      const f = new StreamFollower(list[0].queue, list[0].channel);
      f.seed(spreadSlots(list.sort((a, b) => a.slot - b.slot)));
      streams.set(k, f);
    }
    return streams;
  }

  /** Waits for tenants being loaded (tests, and the first evaluation after a start). */
  async loaded(): Promise<void> {
    await Promise.all(this.loading.values());
  }

  private conditionsOf(tenant: string, state: TenantState, now: number): Condition[] {
    const minute = now - (now % MINUTE_MS);
    // a minute is fed once it has had a minute to settle (late events of the watermark's delay)
    const settled = minute - MINUTE_MS;
    const oldest = minute - LIVE_MINUTES * MINUTE_MS;
    if (now - state.syncedAt >= RESYNC_MS || now < state.syncedAt) {
      state.tiles = new Map(this.opts.source.tiles(tenant).map((t) => [tileKey(t), t]));
      state.syncedAt = now;
      // a queue × channel that left the board (nothing open, nothing in the last hour) is followed no more
      for (const key of state.streams.keys()) if (!state.tiles.has(key)) state.streams.delete(key);
      for (const key of state.situations.keys()) if (!state.tiles.has(key)) state.situations.delete(key);
    }
    const tiles = [...state.tiles.values()];
    const channelFigures = channelAverages(tiles, state.streams, minute);
    if (state.holdingNotedAt !== minute) {
      // once a minute: a pass over every contact in handling
      const handling = this.opts.source.handling(tenant);
      noteHolding(state.holding, handling.maxHeld, minute);
      state.handlingStartedAt = handling.startedAt;
      learnSkills(state.skills, handling.streamsOf, minute);
      state.shared = sharedSkills(state.skills);
      state.holdingNotedAt = minute;
    }
    const out: Condition[] = [];
    const rules = this.opts.rulesOf(tenant);
    for (const tile of tiles) {
      const key = tileKey(tile);
      let f = state.streams.get(key);
      if (!f) state.streams.set(key, (f = new StreamFollower(tile.queue, tile.channel)));
      const cellAt = (b: number) => this.opts.source.cell(tenant, tile.queue, tile.channel, b);
      f.feed(settled, oldest, cellAt);
      const forecast = f.forecastAt(minute, this.priorsOf(tile.queue, tile.channel, channelFigures));
      const h30 = forecast.horizons.find((h) => h.minutes === 30)!;
      const concurrency = isOneAtATime(tile.channel) ? undefined : (rules.concurrencyOf(tile.channel) ?? measuredConcurrency(state.holding, tile.channel, minute));
      // the minutes not fed yet (still settling) count for the silence as the live view has them
      const liveArrivalEnd = (cellAt(minute)?.offered ?? 0) > 0 ? now : (cellAt(minute - MINUTE_MS)?.offered ?? 0) > 0 ? minute : null;
      const silence = f.silence(now, liveArrivalEnd);
      const policy = rules.slPolicyOf(tile.queue, tile.channel);
      const targets = rules.targetsOf(tile.queue, tile.channel);
      const situation: QueueSituation = {
        queue: tile.queue,
        channel: tile.channel,
        model: concurrency !== undefined ? 'chat' : f.patienceSec !== undefined ? 'erlang-a' : 'erlang-c',
        sl: { targetPct: targets.slPct, thresholdSec: policy.targetSec },
        recent: { offered: tile.last15m.offered, slPct: tile.last15m.slPct, abandonPct: tile.last15m.abandonPct },
        waiting: tile.waiting,
        longestWaitSec: tile.longestWaitSec,
        available: availableOn(tile, concurrency ?? 1),
        forecast: { perHour: h30.perHour, ahtSec: forecast.aht.sec, basis: forecast.basis },
        expectedLast15: f.expectedLast15(minute),
        arrivedLately: arrivedLately(now, minute, f.firstMinute, cellAt),
        silentSec: silence.silentSec,
        expectedWhileSilent: silence.expected,
        patienceSec: f.patienceSec,
        concurrency,
        handlingAgesSec: (state.handlingStartedAt.get(key) ?? []).map((t) => (now - t) / 1000),
        chatEfficiency: this.opts.settings.chatEfficiency,
        planQuantile: this.opts.settings.planQuantile,
        // the long wait as the tiles show it: never before the cell's SL threshold (metrics/targets.ts)
        thresholds: { ...DEFAULT_THRESHOLDS, ...rules.thresholdsOf(tile.queue), longWaitSec: targets.longWaitSec },
      };
      state.situations.set(key, situation);
      this.deferred = false;
      const found = conditionsFor(situation, (s) => this.staffing(tenant, s));
      // no staffing found for it yet (the evaluation's budget was spent before it, as after a restart):
      // its staffing items are not judged now, they stay as they are (not resolved as if the condition had cleared)
      out.push(...(this.deferred ? found.flatMap((c) => (c.kind === 'staffing-add' || c.kind === 'staffing-release' ? keepAsIs(state.lifecycle.open.get(c.key)) : [c])) : found));
    }
    out.push(...moves([...state.situations.values()], (x) => this.staffing(tenant, x), state.shared));
    this.readAhtPeers(tenant, state, now);
    out.push(...state.ahtPeers.outliers);
    const readyByQueue = new Map<string, number>();
    for (const t of tiles) readyByQueue.set(t.queue, (readyByQueue.get(t.queue) ?? 0) + t.operators.ready);
    out.push(...pacingConditions(this.opts.source.campaigns, tenant, now, { dropCapPct: this.opts.settings.campaignDropCapPct, readyOn: (q) => readyByQueue.get(q) ?? 0, plans: state.plans }));
    return out;
  }

  /** Each queue × channel's situation at the last evaluation: the numbers the advice rested on. */
  situations(tenant: string): QueueSituation[] {
    return [...(this.tenants.get(tenant)?.situations.values() ?? [])];
  }

  /**
   * Each queue × channel's forecast for the trend charts: what it expected, 15-minute slot by slot, over
   * the last hours (StreamFollower.expectedBySlot), and the four slots of the hour ahead as of the last
   * evaluation.
   */
  forecasts(tenant: string): StreamForecast[] {
    const state = this.tenants.get(tenant);
    if (!state) return [];
    const out: StreamForecast[] = [];
    for (const [key, s] of state.situations) {
      const f = state.streams.get(key);
      const latest = f?.latest;
      out.push({
        queue: s.queue,
        channel: s.channel,
        basis: s.forecast.basis,
        past: f ? f.expectedBySlot() : [],
        ahead: latest ? latest.slots.map((x) => ({ from: x.from, arrivals: x.arrivals })) : [],
      });
    }
    return out;
  }

  /**
   * The center as the what-if model takes it (src/recommend/whatif): per queue × channel at the last
   * evaluation, the forecast's four 15-minute slots, the measured handle time, patience and concurrency,
   * the operators at work and who waits.
   */
  whatIfStreams(tenant: string): WhatIfStream[] {
    const state = this.tenants.get(tenant);
    if (!state) return [];
    const out: WhatIfStream[] = [];
    for (const [key, s] of state.situations) {
      const f = state.streams.get(key)?.latest;
      const policy = this.opts.rulesOf(tenant).slPolicyOf(s.queue, s.channel);
      out.push({
        queue: s.queue,
        channel: s.channel,
        perHourBySlot: f ? f.slots.map((x) => x.perHour) : [s.forecast.perHour, s.forecast.perHour, s.forecast.perHour, s.forecast.perHour],
        ahtSec: s.forecast.ahtSec,
        patienceSec: s.patienceSec,
        concurrency: s.model === 'chat' ? s.concurrency : undefined,
        operators: s.available,
        waiting: s.waiting,
        sl: { targetSec: policy.targetSec, shortAbandonSec: policy.shortAbandonSec, abandonsCount: policy.abandonsCount },
      });
    }
    return out;
  }

  /**
   * The outbound campaigns answering calls now (in the last 15 minutes), as the what-if model takes them:
   * their pace, their queue × channel's handle time, their drop cap, and for a registered one with an answer
   * rate the answered calls still to make and its deadline.
   */
  whatIfCampaigns(tenant: string): WhatIfCampaign[] {
    const state = this.tenants.get(tenant);
    const now = this.opts.now();
    const out: WhatIfCampaign[] = [];
    for (const c of this.opts.source.campaigns.campaigns(tenant)) {
      const p = campaignProgress(this.opts.source.campaigns, tenant, c.id, now);
      if (p.answeredLast15 === 0) continue;
      const plan = state?.plans.get(c.id);
      const stream = state?.situations.get(streamKey(c.queue, c.channel));
      out.push({
        id: c.id,
        queue: c.queue,
        channel: c.channel,
        answeredPerHour: p.answeredLast15 * 4,
        ahtSec: stream?.forecast.ahtSec ?? DEFAULT_CAMPAIGN_AHT_SEC,
        dropCapPct: plan?.dropCapPct ?? this.opts.settings.campaignDropCapPct,
        ...(plan?.answerRate !== undefined ? { remaining: Math.max(0, Math.round(plan.listSize * plan.answerRate - p.answeredTotal)), deadline: plan.deadline } : {}),
      });
    }
    return out;
  }

  /** Chats an operator may hold on `channel` for this tenant: configured, else measured (see config recommend.chatConcurrency); undefined for voice and email. */
  concurrencyOf(tenant: string, channel: string): number | undefined {
    if (isOneAtATime(channel)) return undefined;
    const state = this.tenants.get(tenant);
    return this.opts.rulesOf(tenant).concurrencyOf(channel) ?? (state ? measuredConcurrency(state.holding, channel, this.opts.now()) : DEFAULT_CONCURRENCY);
  }

  /** Starts a read of the operators' handle times when the last one is AHT_PEERS_EVERY_MS old; the outliers hold until the next. */
  private readAhtPeers(tenant: string, state: TenantState, now: number): void {
    const read = this.opts.source.operatorAht;
    if (!read || state.ahtPeers.reading || now - state.ahtPeers.at < AHT_PEERS_EVERY_MS) return;
    state.ahtPeers.reading = true;
    read(tenant, now - AHT_PEERS_WINDOW_MS, now)
      .then((rows) => {
        state.ahtPeers.outliers = ahtOutliers(rows);
        state.ahtPeers.at = now;
      })
      .catch((err) => this.opts.log?.warn({ err: (err as Error).message, tenant }, 'reading operators\' handle times failed; will retry'))
      .finally(() => (state.ahtPeers.reading = false));
  }

  /** The staffing search, memoized on its inputs (they change a few times a minute, evaluations many times a second). */
  private staffing(tenant: string, s: QueueSituation): Staffing | null {
    const plan = planFor(s);
    const key = `${s.model}|${plan.perHour.toFixed(3)}|${s.forecast.ahtSec.toFixed(2)}|${s.sl.targetPct}|${s.sl.thresholdSec}|${s.available}|${s.patienceSec?.toFixed(1)}|${s.concurrency}|${s.chatEfficiency}|${s.planQuantile}|${s.thresholds.maxOccupancy}`;
    if (this.staffingMemo.has(key)) return this.staffingMemo.get(key)!;
    const stream = `${tenant}\u0001${s.queue}\u0001${s.channel}`;
    // over budget: the last staffing found, or none yet (a later evaluation finds it)
    if (performance.now() > this.staffingDeadline) {
      if (!this.lastStaffing.has(stream)) this.deferred = true;
      return this.lastStaffing.get(stream) ?? null;
    }
    let result: Staffing | null;
    try {
      result = staffingFor(s, plan);
    } catch (err) {
      // a load beyond what any staffing can carry (the calculator's limits): no staffing advice, alerts still hold
      this.opts.log?.debug({ err: (err as Error).message, queue: s.queue, channel: s.channel }, 'no staffing for this load');
      result = null;
    }
    if (this.staffingMemo.size > 10_000) this.staffingMemo.clear();
    this.staffingMemo.set(key, result);
    if (this.lastStaffing.size > 100_000) this.lastStaffing.clear();
    this.lastStaffing.set(stream, result);
    return result;
  }


  private priorsOf(queue: string, channel: string, channelFigures: Map<string, { arrivalsPerHour: number; ahtSec: number }>): ForecastPriors {
    const kind = channel === 'voice' ? 'voice' : channel === 'email' ? 'email' : 'chat';
    return {
      configured: this.priors.get(`${queue}:${channel}`) ?? this.priors.get(channel),
      channel: channelFigures.get(channel) ?? PRODUCT_PRIORS[kind],
    };
  }
}

const DEFAULT_CONCURRENCY = 3;
/** A campaign's handle time when its queue × channel has none measured yet. */
const DEFAULT_CAMPAIGN_AHT_SEC = 180;

/**
 * Operators serving a queue × channel now. The live view places each operator on one tile (the queue
 * of their status, or of what they handle), so operators who also serve this stream from another
 * tile's pool are not on it; the contacts in handling show them: each operator-load of them
 * (concurrency chats, or one call) is an operator at work here.
 */
function availableOn(t: LiveTile, concurrency: number): number {
  const placed = t.operators.ready + t.operators.busy + t.operators.acw;
  return Math.max(placed, t.operators.ready + t.operators.acw + Math.ceil(t.inHandling / concurrency));
}
const isOneAtATime = (channel: string) => channel === 'voice' || channel === 'email';

/** Notes, per chat channel, the most chats one operator holds now, keeping each minute's highest for an hour. */
function noteHolding(holding: Map<string, Map<number, number>>, held: ReadonlyMap<string, number>, minute: number): void {
  for (const [channel, n] of held) {
    if (isOneAtATime(channel)) continue;
    let byMinute = holding.get(channel);
    if (!byMinute) holding.set(channel, (byMinute = new Map()));
    byMinute.set(minute, Math.max(byMinute.get(minute) ?? 0, n));
    for (const m of byMinute.keys()) if (m <= minute - 60 * MINUTE_MS) byMinute.delete(m);
  }
}

/**
 * The most chats one operator held on `channel` in the last hour (at least 1; the default before any):
 * the concurrency operators actually work at. Under light load nobody reaches it, and the estimate stays
 * at the last hour's busiest moment; what the channel allows can be configured instead.
 */
function measuredConcurrency(holding: Map<string, Map<number, number>>, channel: string, now: number): number {
  let peak = 0;
  for (const [m, r] of holding.get(channel) ?? []) if (m > now - 60 * MINUTE_MS) peak = Math.max(peak, r);
  return peak > 0 ? Math.max(1, Math.min(20, Math.round(peak))) : DEFAULT_CONCURRENCY;
}

/**
 * The channel's figures across the center: the mean arrival rate of its queues and their mean AHT, from
 * the streams followed for at least 5 minutes, each rate over the time it has been followed (at most
 * the last hour): just after a start the live window holds minutes, not an hour.
 */
function channelAverages(tiles: readonly LiveTile[], streams: ReadonlyMap<string, StreamFollower>, minute: number): Map<string, { arrivalsPerHour: number; ahtSec: number }> {
  const sums = new Map<string, { rate: number; queues: number; ahtSum: number; ahtN: number }>();
  for (const t of tiles) {
    const first = streams.get(tileKey(t))?.firstMinute;
    const minutes = first == null ? 0 : Math.min(60, (minute - first) / MINUTE_MS);
    if (minutes < 5) continue;
    let s = sums.get(t.channel);
    if (!s) sums.set(t.channel, (s = { rate: 0, queues: 0, ahtSum: 0, ahtN: 0 }));
    s.rate += (t.last60m.offered * 60) / minutes;
    s.queues++;
    if (t.last60m.ahtSec !== null) {
      s.ahtSum += t.last60m.ahtSec;
      s.ahtN++;
    }
  }
  const out = new Map<string, { arrivalsPerHour: number; ahtSec: number }>();
  for (const [channel, s] of sums) if (s.rate > 0 && s.ahtN > 0) out.set(channel, { arrivalsPerHour: s.rate / s.queues, ahtSec: s.ahtSum / s.ahtN });
  return out;
}

const SLOT_MS = 15 * MINUTE_MS;

/** Slots as minute cells: each slot's arrivals and handle time spread evenly over its minutes. */
function* spreadSlots(slots: readonly SlotHistory[]): Iterable<{ bucket: number; counters: Counters }> {
  for (const s of slots) {
    const minutes = Math.max(1, Math.round(s.slotMs / MINUTE_MS));
    const handleSumMs = s.ahtSec === null ? 0 : s.ahtSec * 1000 * s.ha;
    for (let m = 0; m < minutes; m++) {
      const counters = { offered: s.offered / minutes, handleSumMs: handleSumMs / minutes, handleCount: s.ha / minutes } as Counters;
      yield { bucket: s.slot + m * MINUTE_MS, counters };
    }
  }
}

const numOf = (id: string): number | null => (/^r[1-9]\d{0,15}$/.test(id) ? Number(id.slice(1)) : null);

function toItem(r: StoredRecommendation): Item {
  const { tenant: _tenant, num, ...rest } = r;
  return { id: `r${num}`, ...rest };
}

/**
 * Arrivals of the last minutes as counted so far, the current minute included as far as it has gone:
 * over it and the 1, 3 and 5 minutes before, none from before the stream's first minute (see planFor:
 * a surge shows here first; so does a cold start's prior that is far off).
 */
function arrivedLately(now: number, minute: number, first: number | null, cellAt: (bucket: number) => { offered: number } | undefined): Array<{ count: number; sec: number }> {
  const partialSec = (now - minute) / 1000;
  let count = cellAt(minute)?.offered ?? 0;
  const out: Array<{ count: number; sec: number }> = [];
  for (let k = 1; k <= 5; k++) {
    const m = minute - k * MINUTE_MS;
    if (first === null || m < first) {
      if (k > 1) out.push({ count, sec: partialSec + (k - 1) * 60 });
      break;
    }
    count += cellAt(m)?.offered ?? 0;
    if (k === 1 || k === 3 || k === 5) out.push({ count, sec: partialSec + k * 60 });
  }
  return out;
}

/** An open item's condition as it stands (held, not judged), or nothing when none is open. */
function keepAsIs(item: Item | undefined): Condition[] {
  return item ? [{ key: item.key, kind: item.kind, active: true, severity: item.severity, reason: item.reason, data: item.data }] : [];
}
