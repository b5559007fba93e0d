import { PipelineTelemetry } from '../observe/pipeline-telemetry.js';
import { timedStorage } from '../observe/timed-storage.js';
import { TierMeter } from '../storage/tier/meter.js';
import type { Logger } from 'pino';
import type { SpanContext } from '@opentelemetry/api';
import type { Config } from '../config/config.js';
import { DEFAULT_CONFIG, inactivityTimeoutOf, inactivityTimeouts } from '../config/config.js';
import { SettingsBook } from '../settings/book.js';
import { historyRules, ruleSettingsOf } from '../settings/rules.js';
import { Notifier } from '../notify/notifier.js';
import { parseSmtpUrl } from '../notify/channels/smtp-url.js';
import type { LiveTile } from '../contract/api.js';
import type { CcEvent } from '../contract/event.js';
import { BUCKET_MS, bucketOf } from '../metrics/appeal-story.js';
import { DAY_MS, LOG_UPKEEP_EVERY_MS, type Campaign, type DeadLetter, type HistoryQuery, type QaLevel, type RollupCell, type Storage } from '../storage/storage.js';
import { answerHistory } from '../history/answer.js';
import { HistoryThread } from '../history/history-thread.js';
import type { HistoryShape } from '../metrics/history.js';
import { CHECKPOINT_NAME, Checkpointer } from './checkpointer.js';
import { EventLog, type AppendOutcome } from './event-log.js';
import { AdmissionController } from './admission.js';
import { StreamProcessor, type ProcessorState } from './processor.js';
import { RwLock } from './rw-lock.js';
import { reconcileLateEvents } from './reconcile.js';
import { VERIFY_DEFAULTS, VerifyThread } from '../verify/verifier.js';
import type { StreamSnapshot, VerifyRangeResult } from '../verify/verify-range.js';
import { APPEALS_DEFAULTS, OPEN_AT_END, type AppealsPageOptions, type AppealsPageResult, type AppealsQuery } from '../appeals/appeals-page.js';
import { Recommender } from '../recommend/engine/recommender.js';
import { engineBoardSource } from '../recommend/engine/board-source.js';
import { WhatIfThread } from '../recommend/whatif/whatif-thread.js';
import type { WhatIfAction, WhatIfResult } from '../recommend/whatif/whatif.js';

/** The links in notifications when the config gives no publicUrl (ccpulse start gives its own address). */
const DEFAULT_PUBLIC_URL = 'http://localhost:8080/';

const REPLAY_PAGE = 10_000;
/** Evaluations of the recommender after a change are at least this far apart (its latency budget is 75 ms). */
const RECOMMEND_SPACING_MS = 25;

export interface EngineOptions {
  storage: Storage;
  config: Pick<Config, 'checkpointIntervalMs' | 'sl' | 'inactivityTimeoutSec' | 'knownQueues' | 'watermarkDelaySec' | 'allowedLatenessSec'> & {
    ingest?: Pick<Config['ingest'], 'maxQueueDelayMs'>;
    /** Advice and alerts; the defaults (on) when absent. */
    recommend?: Config['recommend'];
  } & Partial<Pick<Config, 'timeZone' | 'publicUrl' | 'smtpUrl' | 'smtpFrom' | 'telegramApiUrl'>>;
  log?: Logger;
  now?: () => number;
  /**
   * Whether the engine evaluates the recommender itself, after changes and every second (default). Off
   * for a caller that drives it in simulated time (ccpulse evaluate), so that runs are repeatable.
   */
  recommendOnChange?: boolean;
}

/**
 * The running pipeline: the durable log in front, the stream processor behind it, and the
 * checkpointer that commits the processor's output. Start = restore the last checkpoint, seed the live
 * window from storage, replay the log tail; only then is ingest opened.
 */
export class Engine {
  readonly processor: StreamProcessor;
  readonly eventLog: EventLog;
  readonly checkpointer: Checkpointer;
  private readonly lock = new RwLock();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly listeners = new Set<(changes: ReadonlyMap<string, LiveTile[]>) => void>();
  private notifyScheduled = false;
  /** Each tenant's settings over the config file's: the rules the live view, the advice and history judge by (src/settings). */
  readonly settings: SettingsBook;
  readonly now: () => number;
  replayed = 0;
  /** How the last start went: ms to load the checkpoint, and to replay the log after it (`replayed` events). */
  readonly recovery = { loadMs: 0, replayMs: 0 };
  /** Started by the first verify, kept for the next (see src/verify/verifier.ts). */
  private verifyThread: VerifyThread | null = null;
  private historyThread: HistoryThread | null = null;
  /** Advice and alerts over the live board (src/recommend/engine); null when switched off. */
  recommender: Recommender | null = null;
  /** Operators working and events applied, per minute over the last day: what the tier advice reads (GET /v1/tier). */
  readonly tierMeter = new TierMeter();
  private recommendTimer: NodeJS.Timeout | null = null;
  private whatIfThread: WhatIfThread | null = null;
  private lastRecommendAt = 0;
  /** Advice and alerts delivered by webhook, Telegram and email (src/notify). */
  readonly notifier: Notifier;

  /** What the pipeline measures of itself (served at /metrics). */
  readonly telemetry = new PipelineTelemetry();

  private constructor(private readonly opts: EngineOptions) {
    // every storage call timed by its operation, whoever in the engine makes it
    this.opts = opts = { ...opts, storage: timedStorage(opts.storage, (op, sec, ok) => this.telemetry.storageCall(op, sec, ok)) };
    const stages = this.telemetry.stages;
    this.now = opts.now ?? Date.now;
    const cfg = opts.config as Config;
    const recommend = cfg.recommend ?? DEFAULT_CONFIG.recommend;
    this.settings = new SettingsBook(ruleSettingsOf({ sl: cfg.sl, recommend }), opts.storage);
    this.processor = new StreamProcessor({
      inactivityTimeoutOf: inactivityTimeoutOf(cfg),
      slPolicyOf: (queue, channel, tenant) => this.settings.rulesOf(tenant).slPolicyOf(queue, channel),
      targetsOf: (queue, channel, tenant) => this.settings.rulesOf(tenant).targetsOf(queue, channel),
      timeZone: (opts.config as Config).timeZone,
      now: this.now,
      knownQueues: opts.config.knownQueues,
      outOfOrdernessMs: opts.config.watermarkDelaySec * 1000,
      allowedLatenessMs: opts.config.allowedLatenessSec * 1000,
    });
    this.eventLog = new EventLog(
      opts.storage,
      async (events) => {
        stages.of('process').trackSync(() => this.processor.apply(events));
        this.scheduleNotify();
        await this.reconcileLate();
      },
      () => this.replayLog(),
      {
        // Each write applies its batch in one synchronous step on the main thread (~60 µs an event):
        // 500 events keep that step, and so the wait of every other request and of /healthz, near 30 ms,
        // at no measurable cost in throughput (docs/BENCHMARKS.md, overload).
        maxBatchEvents: 500,
        admission: new AdmissionController({ maxQueueDelayMs: opts.config.ingest?.maxQueueDelayMs ?? DEFAULT_CONFIG.ingest.maxQueueDelayMs, log: opts.log }),
        meter: stages.of('log'),
        now: this.now,
      },
    );
    this.checkpointer = new Checkpointer(opts.storage, this.processor, this.lock, opts.config.checkpointIntervalMs, opts.log, {
      now: this.now,
      meter: { stage: stages.of('checkpoint'), committed: (sec) => this.telemetry.checkpointDuration.observe(sec) },
      takeTraced: () => this.eventLog.takeTracedBatches(),
    });
    this.notifier = new Notifier({
      storage: opts.storage,
      publicUrl: cfg.publicUrl || DEFAULT_PUBLIC_URL,
      smtp: cfg.smtpUrl ? parseSmtpUrl(cfg.smtpUrl, cfg.smtpFrom ?? DEFAULT_CONFIG.smtpFrom) : undefined,
      telegramApiUrl: cfg.telegramApiUrl ?? DEFAULT_CONFIG.telegramApiUrl,
      timeZone: cfg.timeZone ?? DEFAULT_CONFIG.timeZone,
      log: opts.log,
      now: this.now,
    });
  }

  static async start(opts: EngineOptions): Promise<Engine> {
    const engine = new Engine(opts);
    await engine.recover();
    engine.checkpointer.start();
    engine.every(5_000, () => {
      engine.processor.sweep();
      engine.sampleTier();
    });
    engine.keepLogUp();
    // The windows and longest waits move with the clock even when no event arrives.
    engine.every(1_000, () => {
      engine.processor.live.touchAll();
      engine.scheduleNotify();
    });
    await engine.startRecommender();
    // in simulated time (ccpulse evaluate) nothing is sent
    if (opts.recommendOnChange !== false) await engine.notifier.start();
    // saved settings apply at once: the tiles render with the new targets, the advice judges by them
    engine.settings.onChange(() => {
      engine.processor.live.touchAll();
      engine.scheduleNotify();
      engine.recommender?.evaluate();
    });
    return engine;
  }

  /**
   * The log's upkeep where the storage leaves it to its owner (SqlStorage.maintainLog: summarizing new
   * block ranges, statistics as the log doubles). A PostgreSQL server may run without autovacuum (this
   * machine's does), and then nothing else would: every read by seq or ts would scan the whole log. The
   * embedded store does it on its log's thread instead. One run at a time; a failure waits for the next.
   */
  private keepLogUp(): void {
    const { storage } = this.opts;
    if (!storage.maintainLog) return;
    let running = false;
    this.every(LOG_UPKEEP_EVERY_MS, () => {
      if (running) return;
      running = true;
      storage
        .maintainLog!()
        .then((upkeep) => {
          // TimescaleDB's jobs the scheduler failed or let fall behind, run again by the upkeep (postgres/timescale/jobs.ts)
          for (const j of upkeep.jobsRerun ?? []) {
            const what = { jobId: j.jobId, proc: j.proc, hypertable: j.hypertable, why: j.why, schedulerError: j.schedulerError, ms: j.ms };
            if (j.ok) this.opts.log?.info(what, 'TimescaleDB job run again by ccpulse');
            else this.opts.log?.warn({ ...what, err: j.error }, 'TimescaleDB job failed again when run by ccpulse; trying after the next check');
          }
        })
        .catch((err: Error) => this.opts.log?.warn({ err: err.message }, 'log upkeep failed; trying again'))
        .finally(() => (running = false));
    });
  }

  /** A sample for the tier advice: operators working (not offline) across tenants, and events applied so far. */
  sampleTier(): void {
    let operators = 0;
    for (const tenant of this.processor.live.tenantNames()) {
      const c = this.processor.live.operatorTotals(tenant);
      operators += c.ready + c.busy + c.acw + c.break;
    }
    this.tierMeter.sample(this.now(), this.processor.stats.processed, operators);
  }

  private async startRecommender(): Promise<void> {
    const settings = this.opts.config.recommend ?? DEFAULT_CONFIG.recommend;
    if (!settings.enabled) return;
    this.recommender = await Recommender.start({
      source: engineBoardSource(this.processor.live, this.processor.campaigns, (filter, shape) => this.historyJson(filter, shape)),
      storage: this.opts.storage,
      settings,
      rulesOf: (tenant) => this.settings.rulesOf(tenant),
      now: this.now,
      log: this.opts.log,
      // driven in simulated time (ccpulse evaluate): nothing waits on this thread, and runs must repeat
      staffingBudgetMs: this.opts.recommendOnChange === false ? Infinity : undefined,
      onSaved: () => this.notifier.kick(),
    });
    // Loads the tenants already on the board (their open items, and their forecasts seeded from history)
    // in the background: the server does not wait for the history read to start serving.
    this.recommender.evaluate();
    this.onChange((changes) => {
      this.recommender?.observe(changes);
      if (this.opts.recommendOnChange !== false) this.scheduleRecommend();
    });
  }

  /**
   * An evaluation soon after a change (at most one per RECOMMEND_SPACING_MS, or per ten times what the
   * last one took on a large board); the 1-s tick covers the passing of time.
   */
  private scheduleRecommend(): void {
    if (!this.recommender || this.recommendTimer) return;
    // at least RECOMMEND_SPACING_MS apart, and 10× the last evaluation's time: at most a tenth of this thread
    const spacing = Math.max(RECOMMEND_SPACING_MS, 10 * this.recommender.stats.lastMs);
    const wait = Math.max(0, this.lastRecommendAt + spacing - performance.now());
    this.recommendTimer = setTimeout(() => {
      this.recommendTimer = null;
      this.lastRecommendAt = performance.now();
      try {
        this.recommender?.evaluate();
      } catch (err) {
        this.opts.log?.error({ err }, 'recommender evaluation failed');
      }
    }, wait);
    this.recommendTimer.unref();
  }

  /** PUT /v1/campaigns/:id: stored, then used by the recommender from its next evaluation. */
  async putCampaign(c: Campaign): Promise<void> {
    await this.opts.storage.putCampaign(c);
    this.recommender?.setCampaign(c.tenant, c);
  }

  /**
   * POST /v1/whatif: the hour ahead of `tenant`'s center simulated `runs` times with `actions` applied,
   * on the what-if thread (never on this one). Actions must name queues × channels of the board
   * (whatIfStreams); the caller checks.
   */
  whatIf(tenant: string, actions: WhatIfAction[], runs: number): Promise<WhatIfResult> {
    const streams = this.recommender?.whatIfStreams(tenant) ?? [];
    const campaigns = this.recommender?.whatIfCampaigns(tenant) ?? [];
    const thread = (this.whatIfThread ??= new WhatIfThread());
    return this.telemetry.stages.of('whatif').track(() => thread.run({ streams, campaigns, actions, opts: { runs, horizonMinutes: 60, startTime: this.now() } }));
  }

  /** Applies whatever the log holds after the processor's position (late events the checkpoint held first). */
  private async replayLog(): Promise<void> {
    await this.reconcileLate();
    // The next page is read (on the storage's side) while this one is applied (on the main thread).
    let next = this.opts.storage.readLog(this.processor.position, REPLAY_PAGE);
    for (;;) {
      const page = await next;
      if (page.length === 0) return;
      next = this.opts.storage.readLog(page[page.length - 1].seq, REPLAY_PAGE);
      next.catch(() => {}); // awaited in the next turn; a failure must not go unhandled meanwhile
      this.processor.apply(page);
      this.replayed += page.length;
      await this.reconcileLate();
    }
  }

  private async recover(): Promise<void> {
    const { storage, log } = this.opts;
    const started = performance.now();
    await this.settings.load();
    const cp = await storage.loadCheckpoint(CHECKPOINT_NAME);
    if (cp) {
      this.processor.restore(cp.state as ProcessorState, cp.entries.map((e) => e.value));
      this.checkpointer.commitId = cp.commitId;
      this.checkpointer.committedPosition = this.processor.position;
    }
    const since = bucketOf(this.now()) - 61 * BUCKET_MS;
    this.processor.live.seedRecent(await storage.queryRollups({ from: since, to: Date.UTC(2100, 0, 1), level: 'queue' }));
    const loaded = performance.now();
    this.recovery.loadMs = Math.round(loaded - started);
    await this.replayLog();
    this.recovery.replayMs = Math.round(performance.now() - loaded);
    this.processor.sweep();
    this.processor.live.takeChanges();
    log?.info({ position: this.processor.position, replayed: this.replayed, openAppeals: this.processor.openAppeals, ...this.recovery }, 'stream processor recovered');
  }

  /** The live state of a tenant, as GET /v1/live and the SSE snapshot give it. */
  snapshot(tenant: string) {
    const p = this.processor;
    return p.live.snapshot(tenant, p.position, p.maxEventTs.has(tenant) ? p.watermark(tenant) : null);
  }

  /**
   * Reconciles events later than the allowed lateness with their appeals' whole stories, read back from
   * the log. Runs in the apply path, before anything else is applied: the log up to the processor's
   * position is then exactly what the stream has applied, whenever and however often this runs (after a
   * batch, during replay after a crash). A storage failure is retried: ingest waits meanwhile, and
   * admission control answers 503 if that takes long.
   */
  private async reconcileLate(): Promise<void> {
    for (let attempt = 0; this.processor.lateWaiting > 0; attempt++) {
      try {
        await reconcileLateEvents(this.processor, this.opts.storage, this.checkpointer.uncommittedDeadLetterSeqs());
        this.scheduleNotify();
      } catch (err) {
        this.opts.log?.warn({ err, attempt }, 'reconciling late events failed; retrying');
        await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 2_000)));
      }
    }
  }

  /** `traced`: the span of the request the events came in (tracing on), for the pipeline's spans to link to. */
  async append(tenant: string, events: CcEvent[], traced?: SpanContext): Promise<AppendOutcome> {
    const outcome = await this.eventLog.append(tenant, events, traced);
    // nothing new (all duplicates): the state already reflects them, as of the current position
    return outcome.accepted ? outcome : { ...outcome, position: this.processor.position };
  }

  /**
   * Called (coalesced, once per event-loop turn) after the live state changed, with the tiles that
   * changed by tenant: rendered once, for every listener (the live stream, the recommender).
   */
  onChange(fn: (changes: ReadonlyMap<string, LiveTile[]>) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private scheduleNotify(): void {
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    setImmediate(() => {
      this.notifyScheduled = false;
      const live = this.processor.live;
      if (this.listeners.size === 0) return live.clearChanges(); // nobody to render for
      const changes = live.takeChanges();
      for (const fn of this.listeners) fn(changes);
    });
  }

  /**
   * GET /v1/metrics's answer, serialized: aggregated by the store, one aggregate per group × slot, with
   * the cells still waiting for the next checkpoint added in and the QA level at `from`, turned into rows
   * on the history thread (src/history/) when the storage can be reached from one, so the main thread only
   * gathers the pending cells and sends the string. Throws TooManyRowsError past shape.maxRows.
   */
  async historyJson(filter: Pick<HistoryQuery, 'tenant' | 'queue' | 'channel' | 'operator'>, shape: HistoryShape): Promise<string> {
    const { storage } = this.opts;
    const { from, to, groupBy, intervalMs, level } = shape;
    const q = { ...filter, from, to, groupBy, intervalMs, level };
    if (storage.historyAccess) this.historyThread ??= new HistoryThread(() => storage.historyAccess!());
    return this.lock.read(async () => {
      const pending: RollupCell[] = [];
      const qa = new Map<string, QaLevel>();
      for (const c of this.processor.pendingCells()) {
        if (c.tenant !== q.tenant) continue;
        if (q.queue !== undefined && c.queue !== q.queue) continue;
        if (q.channel !== undefined && c.channel !== q.channel) continue;
        if (q.level === 'queue' ? c.operator !== '' : c.operator === '') continue;
        if (q.operator !== undefined && c.operator !== q.operator) continue;
        if (c.bucket >= q.from && c.bucket < q.to) pending.push(c);
        else if (c.bucket < q.from && q.level === 'queue' && c.counters.qaDelta) {
          const k = `${c.queue}\u0001${c.channel}`;
          const l = qa.get(k) ?? { queue: c.queue, channel: c.channel, qa: 0 };
          l.qa += c.counters.qaDelta;
          qa.set(k, l);
        }
      }
      const request = { query: { ...q, ...historyRules(this.settings.rulesOf(q.tenant), q.groupBy) }, pending, pendingQa: [...qa.values()], shape };
      const thread = this.historyThread;
      return this.telemetry.stages.of('history').track(() => (thread ? thread.answer(request) : answerHistory(storage, request)));
    });
  }

  /** Dead letters as committed: a checkpoint is forced first so the list includes the latest. */
  async deadLetters(q: { tenant: string; limit: number; afterId?: number }): Promise<DeadLetter[]> {
    await this.checkpointer.commit();
    return this.opts.storage.listDeadLetters(q);
  }

  /**
   * Sends dead letters through the pipeline again. Each goes back into the log under a replay id derived
   * from the dead letter, so replaying twice (or after a crash mid-way) still counts it once.
   */
  async replayDeadLetters(tenant: string, ids: number[] | 'all'): Promise<{ replayed: number; accepted: number; duplicates: number; unknown: number[] }> {
    await this.checkpointer.commit();
    let letters: DeadLetter[];
    if (ids === 'all') letters = await this.opts.storage.listDeadLetters({ tenant, limit: 100_000, notReplayed: true });
    else {
      const wanted = [...new Set(ids)];
      const found = await Promise.all(wanted.map((id) => this.opts.storage.getDeadLetter(id)));
      letters = found.filter((d): d is DeadLetter => d !== null && d.tenant === tenant);
      // another tenant's dead letter is as unknown as one that does not exist; nothing is replayed then
      const unknown = wanted.filter((_, i) => found[i] === null || found[i]!.tenant !== tenant);
      if (unknown.length) return { replayed: 0, accepted: 0, duplicates: 0, unknown };
    }
    if (letters.length === 0) return { replayed: 0, accepted: 0, duplicates: 0, unknown: [] };
    const events = letters.map((d) => {
      const e = d.payload as CcEvent;
      return { ...e, id: `${e.id}~replay${d.id}`, attrs: { ...e.attrs, replayOf: e.id } };
    });
    const outcome = await this.append(tenant, events);
    await this.opts.storage.markDeadLettersReplayed(letters.map((d) => d.id!));
    return { replayed: letters.length, accepted: outcome.accepted, duplicates: outcome.duplicates, unknown: [] };
  }

  /**
   * The independent check: recomputes every cell of [from, to) from the raw events by the batch path
   * (whole appeal stories, read by what the range needs) and compares it with what the stream produced.
   * It runs on a worker thread of its own, in chunks of event time (src/verify/); each chunk's stream
   * side is taken here, under the read lock, with its log position.
   */
  async verify(tenant: string, from: number, to: number, opts: Partial<Record<keyof typeof VERIFY_DEFAULTS, number>> = {}): Promise<VerifyAnswer> {
    const { storage, config } = this.opts;
    if (!storage.sqlAccess) throw new Error(`the ${storage.backend} storage offers no access for verify`);
    const o = { ...VERIFY_DEFAULTS, ...opts };
    const archived = await archivedInRange(storage, tenant, from, to);
    const thread = (this.verifyThread ??= new VerifyThread(() => storage.sqlAccess!(), o.maxHeapMb));
    const result = await this.telemetry.stages.of('verify').track(() => thread.run(
      {
        tenant, from, to, timeouts: inactivityTimeouts(config), chunkMs: o.chunkMs, pageSize: o.pageSize, appealBatch: o.appealBatch, maxDifferences: o.maxDifferences,
        archived: archived.map((a) => ({ from: a.day, to: a.day + DAY_MS })),
      },
      (a, b) => this.streamSide(tenant, a, b),
    ));
    return { ...result, archived };
  }

  /**
   * One page of GET /v1/appeals: the appeal segments behind the numbers of [from, to), told from the log
   * on the verify thread (src/appeals/), as of the stream's log position now, so they agree with what
   * /v1/metrics answers at that position. Days whose raw events are archived are listed, not read.
   */
  async appeals(q: AppealsQuery, opts: Partial<Pick<AppealsPageOptions, 'scanMs' | 'pageSize' | 'appealBatch'>> = {}): Promise<{ page: AppealsPageResult; archived: ArchivedInRange[] }> {
    const { storage, config } = this.opts;
    if (!storage.sqlAccess) throw new Error(`the ${storage.backend} storage offers no access for reading appeals`);
    const timeouts = inactivityTimeouts(config);
    // the appeals open at `to` are found by a lookback over the longest inactivity timeout before it
    const readFrom = q.outcome === OPEN_AT_END ? q.to - Math.max(timeouts.defaultMs, ...timeouts.channels.values()) : q.from;
    const archived = await archivedInRange(storage, q.tenant, readFrom, q.to);
    this.verifyThread ??= new VerifyThread(() => storage.sqlAccess!(), VERIFY_DEFAULTS.maxHeapMb);
    const asOf = await this.lock.read(async () => {
      // as streamSide: late events applied but not yet folded into their stories are waited for
      for (let waited = 0; this.processor.lateWaiting > 0 && waited < 30_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
      return { maxSeq: this.processor.position, deadSeqs: [...this.processor.pendingDeadLetterSeqs(), ...this.checkpointer.uncommittedDeadLetterSeqs()] };
    });
    const thread = this.verifyThread;
    const page = await this.telemetry.stages.of('verify').track(() => thread.appeals({
      ...q,
      ...asOf,
      timeouts: { channels: [...timeouts.channels], defaultMs: timeouts.defaultMs },
      sl: this.settings.rulesOf(q.tenant).slPolicies,
      archived: archived.map((a) => ({ from: a.day, to: a.day + DAY_MS })),
      scanMs: opts.scanMs ?? APPEALS_DEFAULTS.scanMs,
      pageSize: opts.pageSize ?? VERIFY_DEFAULTS.pageSize,
      appealBatch: opts.appealBatch ?? VERIFY_DEFAULTS.appealBatch,
    }));
    return { page, archived };
  }

  /**
   * The streamed side of [from, to) as of one log position: committed cells plus the pending deltas,
   * captured in the same turn as the position (no checkpoint can commit while the read lock is held),
   * with the dead letters not yet in storage.
   */
  private streamSide(tenant: string, from: number, to: number): Promise<StreamSnapshot> {
    const { storage } = this.opts;
    return this.lock.read(async () => {
      const [q, o] = await Promise.all([
        storage.queryRollups({ tenant, from, to, level: 'queue' }),
        storage.queryRollups({ tenant, from, to, level: 'operator' }),
      ]);
      // Late events applied but not yet folded into their stories (a request in flight) would show as
      // differences that vanish a moment later: the stream side is taken once none is waiting.
      for (let waited = 0; this.processor.lateWaiting > 0 && waited < 30_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
      const position = this.processor.position;
      const cells = [...q, ...o];
      for (const c of this.processor.pendingCells()) {
        if (c.tenant === tenant && c.bucket >= from && c.bucket < to) cells.push({ ...c, counters: structuredClone(c.counters) });
      }
      return { position, cells, deadSeqs: [...this.processor.pendingDeadLetterSeqs(), ...this.checkpointer.uncommittedDeadLetterSeqs()] };
    });
  }

  get storage(): Storage {
    return this.opts.storage;
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.timers.push(t);
  }

  /** Set once the process is stopping (SIGTERM, engine.stop): GET /readyz answers 503 from then on. */
  get shuttingDown(): boolean {
    return this.stopping;
  }
  private stopping = false;

  /** The shutdown has begun (before the HTTP server closes): readiness says no, everything else goes on. */
  beginShutdown(): void {
    this.stopping = true;
  }

  /** Stops timers and commits a last checkpoint (the log is durable regardless). */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    if (this.recommendTimer) clearTimeout(this.recommendTimer);
    const recommender = this.recommender;
    this.recommender = null;
    await recommender?.flush().catch(() => {});
    await this.notifier.stop();
    this.eventLog.admission.close();
    await this.verifyThread?.close();
    await this.historyThread?.close();
    await this.whatIfThread?.close();
    await this.checkpointer.stop();
  }
}

/** A day of a verified range whose raw events are archived: the tenant's own events in it, and where they went. */
export interface ArchivedInRange {
  day: number;
  /** This tenant's events of the day in the archive (all its parts). */
  events: number;
  files: string[];
  /** Held apart by an archive run in progress (PostgreSQL): out of the log, not yet in a recorded file. */
  inProgress?: boolean;
}

export type VerifyAnswer = VerifyRangeResult & { archived: ArchivedInRange[] };

/**
 * The days of [from, to) whose raw events are not in the log: archived (every part), or held apart by a
 * run in progress. Verify recomputes none of their cells (the rollups are kept, the events are not).
 */
async function archivedInRange(storage: Storage, tenant: string, from: number, to: number): Promise<ArchivedInRange[]> {
  const days = new Map<number, ArchivedInRange>();
  for (const a of await storage.listArchivedDays({ from, to })) {
    const d = days.get(a.day) ?? { day: a.day, events: 0, files: [] };
    d.events += a.tenants.find((t) => t.tenant === tenant)?.events ?? 0;
    d.files.push(a.file);
    days.set(a.day, d);
  }
  for (const h of await storage.listHeldDays()) {
    if (h.day + DAY_MS <= from || h.day >= to) continue;
    const d = days.get(h.day) ?? { day: h.day, events: 0, files: [] };
    d.inProgress = true;
    days.set(h.day, d);
  }
  return [...days.values()].sort((a, b) => a.day - b.day);
}
