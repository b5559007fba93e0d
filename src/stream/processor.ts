import { CampaignTally, type CampaignTallyState } from './campaign-tally.js';
import type { LoggedEvent } from '../contract/event.js';
import { appealKey, bucketOf, storyOrder, toAppealEvent, type AppealEvent, type Contribution, type OpenSegment } from '../metrics/appeal-story.js';
import type { CountMap } from '../metrics/wait-histogram.js';
import type { CheckpointCommit, DeadLetter, RollupCell } from '../storage/storage.js';
import { appealStep, evictSettled, isSettled, netChange, restoreAppeal, saveAppeal, storyOf, type AppealSink, type AppealState, type SavedAppeal } from './appeal-tracker.js';
import { continuationKey, decodeAppeals, encodeAppeal, encodeContinuation } from './appeal-codec.js';
import { CellMap } from './cells.js';
import { LiveView, type TenantSlPolicyOf, type TenantTargetsOf } from './live-view.js';
import { deadLetter, drop, ok, type Step, type StepResult } from './steps.js';

export interface ProcessorOptions {
  inactivityTimeoutOf: (channel: string) => number;
  slPolicyOf: TenantSlPolicyOf;
  /** The tiles' targets (metrics/targets.ts). */
  targetsOf?: TenantTargetsOf;
  /** The center's time zone (config timeZone), for the live view's "today". */
  timeZone?: string;
  now?: () => number;
  /** Bounded out-of-orderness: the watermark trails the highest event time seen by this much (default 5 s). */
  outOfOrdernessMs?: number;
  /**
   * Allowed lateness (default 5 min): a settled appeal stays in memory until the watermark is this far
   * past its end, so an event up to that late corrects its story at once. An event timed before
   * watermark − allowed lateness that the appeal in memory cannot place (the appeal was retired, or the
   * event precedes everything memory holds of it) is late: counted (repair kind `late`, in its minute)
   * and reconciled with the appeal's whole story read back from the log (see `reconcile`).
   */
  allowedLatenessMs?: number;
  /** Strict mode: only these queues are processed; others are dead-lettered. */
  knownQueues?: readonly string[];
}

/**
 * What a checkpoint takes from the processor: everything since the previous one, up to `position`.
 * The state is serialized when taken, so events applied while the commit is in flight cannot leak in.
 */
export type CheckpointTake = Omit<CheckpointCommit, 'name' | 'commitId'>;

/** The processor's global state; appeals are keyed entries of their own. */
export interface ProcessorState {
  v: 2;
  position: number;
  maxEventTs: Record<string, number>;
  stats: StreamProcessor['stats'];
  /** Late events not yet reconciled. */
  late: LoggedEvent[];
  operators: ReturnType<LiveView['exportOperators']>;
  repairs: ReturnType<LiveView['exportRepairs']>;
  /** Each tile's newest event time (absent in checkpoints taken before the dashboard showed stopped feeds). */
  feeds?: ReturnType<LiveView['exportFeeds']>;
  /** Absent in checkpoints taken before campaigns were tallied. */
  campaigns?: CampaignTallyState;
}

/** An appeal stored in more rows than this is written whole again at the next checkpoint. */
const MAX_ROWS_PER_APPEAL = 8;

/** Settled appeals are retired each time event time crosses one of these steps: a function of the log alone. */
const EVICT_STEP_MS = 10_000;

/**
 * The stream processor: applies logged events, in log order, to the rollup deltas (slow path) and the
 * live view (fast path). Deterministic: the same log from the same checkpoint gives the same state.
 */
export class StreamProcessor {
  position = 0;
  /** Highest appeal-event time seen, per tenant: each tenant's clock is its own. */
  readonly maxEventTs = new Map<string, number>();
  readonly live: LiveView;
  private appeals = new Map<string, AppealState>();
  private pending = new CellMap();
  private deadLetters: DeadLetter[] = [];
  /** Appeals changed, and appeals retired from memory (with the rows the checkpoints hold of them), since the last checkpoint. */
  private touched = new Set<string>();
  private retiredKeys = new Map<string, number>();
  /** Events too late to apply in order, waiting for their appeal's story from the log (see reconcile). */
  private late: LoggedEvent[] = [];
  private readonly steps: Record<'appeal' | 'operator' | 'late', Step>;
  private readonly gate: Step | null;
  private readonly sink: AppealSink;
  /** Outbound campaigns' answered and dropped calls (an aggregator; in the checkpoint's state). */
  readonly campaigns = new CampaignTally();
  readonly stats = { processed: 0, dropped: 0, deadLettered: 0, late: 0, clampedFuture: 0 };
  private readonly outOfOrdernessMs: number;
  private readonly allowedLatenessMs: number;

  constructor(private readonly opts: ProcessorOptions) {
    const now = opts.now ?? Date.now;
    this.outOfOrdernessMs = opts.outOfOrdernessMs ?? 5_000;
    this.allowedLatenessMs = opts.allowedLatenessMs ?? 5 * 60_000;
    this.live = new LiveView({ slPolicyOf: opts.slPolicyOf, targetsOf: opts.targetsOf, timeZone: opts.timeZone, now });
    const sink = (this.sink = {
      contribution: (tenant: string, c: Contribution, sign: number) => {
        this.pending.add(tenant, c.queue, c.channel, c.operator, c.bucket, c.counters, sign);
        this.live.addContribution(tenant, c, sign);
      },
      openChanged: (tenant: string, key: string, prev: OpenSegment | null, next: OpenSegment | null) => this.live.setOpen(tenant, key, prev, next),
    });
    this.gate = opts.knownQueues?.length ? knownQueueStep(new Set(opts.knownQueues)) : null;
    this.steps = {
      appeal: appealStep(
        this.appeals,
        sink,
        opts.inactivityTimeoutOf,
        (key) => this.touched.add(key),
        (key) => this.takeRetiredRows(key),
      ),
      operator: {
        name: 'operator',
        run: (e) => (this.live.operatorStatus(e.tenant, e) ? ok : drop('older than the operator status already known')),
      },
      // Memory cannot place the event: it is counted late and waits for the appeal's story from the log (reconcile).
      late: {
        name: 'late',
        run: (e) => {
          this.stats.late++;
          const c = { queue: e.queue!, channel: e.channel!, operator: '', bucket: bucketOf(e.ts), counters: { repairs: { late: 1 } } };
          sink.contribution(e.tenant, c, 1);
          this.late.push(e);
          return ok;
        },
      },
    };
  }

  /** Applies events that are already in the log, in seq order. */
  apply(events: readonly LoggedEvent[]): void {
    for (const e of events) {
      if (e.seq <= this.position) continue; // already applied (replay overlap)
      let step: Step = this.gate ?? this.routeOf(e);
      let result: StepResult;
      try {
        result = step.run(e);
        if (result.kind === 'ok' && step === this.gate) {
          step = this.routeOf(e);
          result = step.run(e);
        }
      } catch (err) {
        result = deadLetter(`unexpected error: ${(err as Error).message}`);
      }
      if (result.kind === 'deadLetter') {
        this.deadLetters.push({ tenant: e.tenant, eventId: e.id, seq: e.seq, step: step.name, reason: result.reason, payload: stripLog(e) });
        this.stats.deadLettered++;
      } else {
        if (result.kind === 'drop') this.stats.dropped++;
        else this.campaigns.note(e);
        // the feed is alive whatever became of the event, unless it could not be placed at all
        if (e.type !== 'OPERATOR_STATUS' && e.queue !== undefined && e.channel !== undefined) this.live.noteEvent(e.tenant, e.queue, e.channel);
      }
      this.advance(e);
    }
  }

  private routeOf(e: LoggedEvent): Step {
    if (e.type === 'OPERATOR_STATUS') return this.steps.operator;
    return this.isLate(e) ? this.steps.late : this.steps.appeal;
  }

  private advance(e: LoggedEvent): void {
    this.stats.processed++;
    this.position = e.seq;
    if (e.type === 'OPERATOR_STATUS') return; // operator clocks do not move event time for appeals
    const prev = this.maxEventTs.get(e.tenant) ?? 0;
    if (e.ts > prev) {
      this.maxEventTs.set(e.tenant, e.ts);
      if (Math.floor(e.ts / EVICT_STEP_MS) > Math.floor(prev / EVICT_STEP_MS)) this.retireSettled(e.tenant);
    }
  }

  /** A tenant's event-time progress: minute buckets that end before it are closed (late events may still correct them). */
  watermark(tenant: string): number {
    return (this.maxEventTs.get(tenant) ?? 0) - this.outOfOrdernessMs;
  }

  /** The furthest watermark of any tenant (−Infinity before the first event): how far event time has come. */
  latestWatermark(): number {
    let max = -Infinity;
    for (const ts of this.maxEventTs.values()) if (ts > max) max = ts;
    return max - this.outOfOrdernessMs;
  }

  /** Buckets of a tenant that end before this take further events only as late ones (see allowedLatenessMs). */
  finalBefore(tenant: string): number {
    return this.watermark(tenant) - this.allowedLatenessMs;
  }

  /**
   * An event is late when it is timed before what may already be final and memory cannot place it: its
   * appeal was retired, or it precedes everything memory holds of the appeal (which may then be a new
   * story begun after a retired one). An event after the first one held is placed in memory exactly:
   * retired stories end before any story held now begins.
   */
  private isLate(e: LoggedEvent): boolean {
    if (e.ts >= this.finalBefore(e.tenant)) return false;
    const st = this.appeals.get(appealKey(e));
    return !st || e.ts < st.events[0].ts;
  }

  /** Appeals with late events waiting to be reconciled. */
  lateAppeals(): Array<{ tenant: string; appealId: string }> {
    const byKey = new Map<string, { tenant: string; appealId: string }>();
    for (const e of this.late) byKey.set(appealKey(e), { tenant: e.tenant, appealId: e.appealId! });
    return [...byKey.values()];
  }

  get lateWaiting(): number {
    return this.late.length;
  }

  /**
   * Folds an appeal's late events into its whole story. `logged` is every event of the appeal in the log
   * (any position), `deadLettered` the positions among them that were dead-lettered. The story the stream has told so far is every logged event it applied (up to its
   * position, less dead letters and the late events themselves): retired stories and the one in memory
   * alike, since told together they give what they gave told apart (tellAppealStory). Its contribution
   * is swapped for the whole story's, exactly as if the events had come in time, and the whole story is
   * held in memory again until it settles.
   */
  reconcile(tenant: string, appealId: string, logged: readonly LoggedEvent[], deadLettered: ReadonlySet<number>): void {
    const key = appealKey({ tenant, appealId });
    const late = this.late.filter((e) => appealKey(e) === key);
    if (late.length === 0) return;
    this.late = this.late.filter((e) => appealKey(e) !== key);
    const lateIds = new Set(late.map((e) => e.id));
    const current = this.appeals.get(key);
    const byId = new Map<string, AppealEvent>();
    for (const e of logged) {
      if (e.seq <= this.position && !deadLettered.has(e.seq)) byId.set(e.id, toAppealEvent(e));
    }
    for (const ev of current?.events ?? []) byId.set(ev.id, ev);
    for (const e of late) byId.set(e.id, toAppealEvent(e));
    const events = [...byId.values()].sort(storyOrder);
    const timeouts = current?.timeouts ?? {};
    const told = (evs: AppealEvent[]) => storyOf({ tenant, appealId, events: evs, timeouts, lastTs: 0 }, this.opts.inactivityTimeoutOf);
    const before = told(events.filter((ev) => !lateIds.has(ev.id)));
    const after = told(events);
    for (const c of netChange(before.contributions, after.contributions)) this.sink.contribution(tenant, c, 1);
    this.live.setOpen(tenant, key, current?.open ?? null, after.open);
    // written whole at the next checkpoint, over whatever rows the checkpoints still hold of it
    const rows = current ? current.stored.rows : this.takeRetiredRows(key);
    const st = restoreAppeal({ tenant, appealId, events, timeouts, lastTs: events[events.length - 1].ts }, this.opts.inactivityTimeoutOf, { events: -1, rows });
    this.appeals.set(key, st);
    this.touched.add(key);
    // Already settled at the last retirement step: retire it now, as that step would have had it been held
    // then. Otherwise when reconcile runs (after each batch, or after a replay's larger batches) would
    // decide what memory and the live view hold.
    if (isSettled(st, this.retirementWatermark(tenant), this.allowedLatenessMs)) {
      this.appeals.delete(key);
      this.retire(key, st);
    }
  }

  /**
   * Appeals whose story is over are dropped once the watermark is the allowed lateness past their end. Done as
   * event time advances (not on a timer) so a replay from a checkpoint retires exactly the same ones.
   */
  private retireSettled(tenant: string): void {
    evictSettled(this.appeals, tenant, this.retirementWatermark(tenant), this.allowedLatenessMs, (key, st) => this.retire(key, st));
  }

  /**
   * The watermark retirement judges by: that of the start of the event-time step the tenant is in, so it
   * depends on the step alone, not on which event of the step is being applied (reconcile retires by it too).
   */
  private retirementWatermark(tenant: string): number {
    const maxTs = this.maxEventTs.get(tenant) ?? 0;
    return Math.floor(maxTs / EVICT_STEP_MS) * EVICT_STEP_MS - this.outOfOrdernessMs;
  }

  private retire(key: string, st: AppealState): void {
    if (st.open) this.live.setOpen(st.tenant, key, st.open, null);
    this.touched.delete(key);
    this.retiredKeys.set(key, st.stored.rows);
  }

  /** Periodic housekeeping of the live view: open appeals past their inactivity expiry, old window cells. */
  sweep(): void {
    this.live.sweep();
    this.campaigns.sweep((tenant) => this.maxEventTs.get(tenant));
  }

  /** Rows the checkpoints hold of an appeal retired since the last checkpoint, now told again: its story goes on. */
  private takeRetiredRows(key: string): number {
    const rows = this.retiredKeys.get(key) ?? 0;
    this.retiredKeys.delete(key);
    return rows;
  }

  /**
   * Hands everything since the last checkpoint to the checkpointer. An appeal whose new events all came
   * after those already stored gets a continuation row with just them; one whose past changed is
   * written whole again (as is one spread over too many rows, to keep recovery's reads short).
   */
  takeCheckpoint(): CheckpointTake {
    const upserts: CheckpointTake['upserts'] = [];
    const deletes: string[] = [];
    for (const key of this.touched) {
      const st = this.appeals.get(key);
      if (!st) continue;
      const stored = st.stored;
      if (stored.events < 0 || stored.rows === 0 || stored.rows >= MAX_ROWS_PER_APPEAL) {
        upserts.push({ key, value: JSON.stringify(encodeAppeal(saveAppeal(st))) });
        for (let i = 1; i < stored.rows; i++) deletes.push(continuationKey(key, i));
        stored.rows = 1;
      } else if (st.events.length > stored.events) {
        upserts.push({ key: continuationKey(key, stored.rows), value: JSON.stringify(encodeContinuation(st, stored.rows, stored.events)) });
        stored.rows++;
      }
      stored.events = st.events.length;
    }
    // a retired appeal's story is in the log; its rows go
    for (const [key, rows] of this.retiredKeys) {
      deletes.push(key);
      for (let i = 1; i < rows; i++) deletes.push(continuationKey(key, i));
    }
    const take: CheckpointTake = {
      position: this.position,
      state: JSON.stringify(this.exportState()),
      upserts,
      deletes,
      rollupDeltas: this.pending.nonZero(),
      deadLetters: this.deadLetters,
    };
    this.pending = new CellMap();
    this.deadLetters = [];
    this.touched = new Set();
    this.retiredKeys = new Map();
    return take;
  }

  /** Log positions dead-lettered since the last checkpoint was taken. */
  pendingDeadLetterSeqs(): number[] {
    return this.deadLetters.flatMap((d) => (d.seq === null ? [] : [d.seq]));
  }

  /** Deltas not yet committed, for queries that overlay them on storage. */
  pendingCells(): Iterable<RollupCell> {
    return this.pending.values();
  }

  exportState(): ProcessorState {
    return {
      v: 2,
      position: this.position,
      maxEventTs: Object.fromEntries(this.maxEventTs),
      stats: this.stats,
      late: this.late,
      operators: this.live.exportOperators(),
      repairs: this.live.exportRepairs(),
      feeds: this.live.exportFeeds(),
      campaigns: this.campaigns.export(),
    };
  }

  /** Restores a checkpoint's state; its contributions are already in storage, so nothing is re-applied. */
  restore(state: ProcessorState, appeals: Iterable<unknown>): void {
    this.position = state.position;
    for (const [t, ts] of Object.entries(state.maxEventTs)) this.maxEventTs.set(t, ts);
    Object.assign(this.stats, state.stats);
    this.late = state.late ?? [];
    this.campaigns.import(state.campaigns);
    for (const { saved, rows } of decodeAppeals(appeals)) {
      const key = appealKey(saved);
      const st = restoreAppeal(saved, this.opts.inactivityTimeoutOf, { events: saved.events.length, rows });
      this.appeals.set(key, st);
      if (st.open) this.live.setOpen(st.tenant, key, null, st.open);
    }
    this.live.importOperators(state.operators);
    for (const [tenant, r] of Object.entries(state.repairs)) this.live.seedRepairs(tenant, r.due, r.future);
    this.live.importFeeds(state.feeds ?? []);
  }

  /** What memory holds of each appeal, as a checkpoint saves it. */
  heldAppeals(): SavedAppeal[] {
    return [...this.appeals.values()].map(saveAppeal);
  }

  get openAppeals(): number {
    return this.appeals.size;
  }

  /** A tenant's appeals open now (waiting or in handling, not yet expired), with where they are. */
  openAppealsOf(tenant: string, now: number): Array<{ appealId: string; open: OpenSegment }> {
    const out: Array<{ appealId: string; open: OpenSegment }> = [];
    for (const st of this.appeals.values()) if (st.tenant === tenant && st.open && st.open.expiresAt > now) out.push({ appealId: st.appealId, open: st.open });
    return out;
  }
}

/** Strict mode's gate: an event naming a queue outside the configured list cannot be processed yet. */
function knownQueueStep(known: ReadonlySet<string>): Step {
  return {
    name: 'known-queue',
    run: (e) => (e.queue === undefined || known.has(e.queue) ? ok : deadLetter(`unknown queue "${e.queue}" (strict mode: add it to knownQueues, then replay)`)),
  };
}

function stripLog(e: LoggedEvent) {
  const { tenant: _t, seq: _s, ...event } = e;
  return event;
}
