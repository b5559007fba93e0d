import type { LoggedEvent } from '../contract/event.js';
import type { Contribution, OpenSegment } from '../metrics/appeal-story.js';
import type { SlPolicyOf } from '../metrics/finalize.js';
import type { CountMap } from '../metrics/wait-histogram.js';
import type { CheckpointCommit, DeadLetter, RollupCell } from '../storage/storage.js';
import { appealStep, evictSettled, restoreAppeal, saveAppeal, type AppealState, type SavedAppeal } from './appeal-tracker.js';
import { CellMap } from './cells.js';
import { LiveView } from './live-view.js';
import { deadLetter, ok, type Step, type StepResult } from './steps.js';

export interface ProcessorOptions {
  inactivityTimeoutOf: (channel: string) => number;
  slPolicyOf: SlPolicyOf;
  now?: () => number;
  /** Event time an ended appeal stays in memory, so late events for it still correct its story. */
  retainMs?: number;
  /** Strict mode: only these queues are processed; others are dead-lettered. */
  knownQueues?: readonly string[];
}

/**
 * What a checkpoint takes from the processor: everything since the previous one, up to `position`.
 * The state is serialized when taken, so events applied while the commit is in flight cannot leak in.
 */
export type CheckpointTake = Omit<CheckpointCommit, 'name'>;

/** The processor's global state; appeals are keyed entries of their own. */
export interface ProcessorState {
  v: 2;
  position: number;
  watermark: number;
  operators: ReturnType<LiveView['exportOperators']>;
  repairs: ReturnType<LiveView['exportRepairs']>;
}

/** Settled appeals are retired each time event time crosses one of these steps: a function of the log alone. */
const EVICT_STEP_MS = 10_000;

/**
 * The stream processor: applies logged events, in log order, to the rollup deltas (slow path) and the
 * live view (fast path). Deterministic: the same log from the same checkpoint gives the same state.
 */
export class StreamProcessor {
  position = 0;
  /** Highest event time seen: event-time progress, used to retire settled appeals. */
  watermark = 0;
  readonly live: LiveView;
  private appeals = new Map<string, AppealState>();
  private pending = new CellMap();
  private deadLetters: DeadLetter[] = [];
  /** Appeals changed, and appeals retired, since the last checkpoint. */
  private touched = new Set<string>();
  private retired = new Set<string>();
  private readonly steps: Record<'appeal' | 'operator', Step>;
  private readonly gate: Step | null;
  readonly stats = { processed: 0, dropped: 0, deadLettered: 0 };
  private readonly retainMs: number;

  constructor(private readonly opts: ProcessorOptions) {
    const now = opts.now ?? Date.now;
    this.retainMs = opts.retainMs ?? 5 * 60_000;
    this.live = new LiveView({ slPolicyOf: opts.slPolicyOf, now });
    const sink = {
      contribution: (tenant: string, c: Contribution, sign: number) => {
        this.pending.add(tenant, c.queue, c.channel, c.operator, c.bucket, c.counters, sign);
        this.live.addContribution(tenant, c, sign);
      },
      openChanged: (tenant: string, key: string, prev: OpenSegment | null, next: OpenSegment | null) => this.live.setOpen(tenant, key, prev, next),
    };
    this.gate = opts.knownQueues?.length ? knownQueueStep(new Set(opts.knownQueues)) : null;
    this.steps = {
      appeal: appealStep(this.appeals, sink, opts.inactivityTimeoutOf, (key) => this.touched.add(key)),
      operator: {
        name: 'operator',
        run: (e) => {
          this.live.operatorStatus(e.tenant, e);
          return ok;
        },
      },
    };
  }

  /** Applies events that are already in the log, in seq order. */
  apply(events: readonly LoggedEvent[]): void {
    for (const e of events) {
      if (e.seq <= this.position) continue; // already applied (replay overlap)
      let step = this.gate ?? (e.type === 'OPERATOR_STATUS' ? this.steps.operator : this.steps.appeal);
      let result: StepResult;
      try {
        result = step.run(e);
        if (result.kind === 'ok' && step === this.gate) {
          step = e.type === 'OPERATOR_STATUS' ? this.steps.operator : this.steps.appeal;
          result = step.run(e);
        }
      } catch (err) {
        result = deadLetter(`unexpected error: ${(err as Error).message}`);
      }
      if (result.kind === 'deadLetter') {
        this.deadLetters.push({ tenant: e.tenant, eventId: e.id, seq: e.seq, step: step.name, reason: result.reason, payload: stripLog(e) });
        this.stats.deadLettered++;
      } else if (result.kind === 'drop') {
        this.stats.dropped++;
      }
      this.stats.processed++;
      this.position = e.seq;
      if (e.ts > this.watermark) {
        const step = Math.floor(e.ts / EVICT_STEP_MS);
        if (step > Math.floor(this.watermark / EVICT_STEP_MS)) this.retireSettled(e.ts);
        this.watermark = e.ts;
      }
    }
  }

  /**
   * Appeals whose story is over are dropped once event time is `retainMs` past their end. Done as
   * event time advances (not on a timer) so a replay from a checkpoint retires exactly the same ones.
   */
  private retireSettled(watermark: number): void {
    evictSettled(this.appeals, watermark, this.retainMs, (key, st) => {
      if (st.open) this.live.setOpen(st.tenant, key, st.open, null);
      this.touched.delete(key);
      this.retired.add(key);
    });
  }

  /** Periodic housekeeping of the live view: open appeals past their inactivity expiry, old window cells. */
  sweep(): void {
    this.live.sweep();
  }

  /** Hands everything since the last checkpoint to the checkpointer. */
  takeCheckpoint(): CheckpointTake {
    const upserts = [];
    for (const key of this.touched) {
      const st = this.appeals.get(key);
      if (st) upserts.push({ key, value: JSON.stringify(saveAppeal(st)) });
    }
    const take: CheckpointTake = {
      position: this.position,
      state: JSON.stringify(this.exportState()),
      upserts,
      deletes: [...this.retired].filter((k) => !this.appeals.has(k)),
      rollupDeltas: this.pending.nonZero(),
      deadLetters: this.deadLetters,
    };
    this.pending = new CellMap();
    this.deadLetters = [];
    this.touched = new Set();
    this.retired = new Set();
    return take;
  }

  /** A checkpoint commit failed: put its deltas back so the next one carries them. */
  returnCheckpoint(take: CheckpointTake): void {
    for (const cell of take.rollupDeltas) this.pending.addCell(cell);
    this.deadLetters.unshift(...take.deadLetters);
    // the next checkpoint writes these appeals' state as it is then
    for (const u of take.upserts) this.touched.add(u.key);
    for (const k of take.deletes) if (!this.appeals.has(k)) this.retired.add(k);
  }

  /** Deltas not yet committed, for queries that overlay them on storage. */
  pendingCells(): Iterable<RollupCell> {
    return this.pending.cells.values();
  }

  get pendingCount(): number {
    return this.pending.size + this.deadLetters.length;
  }

  exportState(): ProcessorState {
    return {
      v: 2,
      position: this.position,
      watermark: this.watermark,
      operators: this.live.exportOperators(),
      repairs: this.live.exportRepairs(),
    };
  }

  /** Restores a checkpoint's state; its contributions are already in storage, so nothing is re-applied. */
  restore(state: ProcessorState, appeals: Iterable<SavedAppeal>): void {
    this.position = state.position;
    this.watermark = state.watermark;
    for (const saved of appeals) {
      const key = `${saved.tenant}\u0001${saved.appealId}`;
      const st = restoreAppeal(saved, this.opts.inactivityTimeoutOf);
      this.appeals.set(key, st);
      if (st.open) this.live.setOpen(st.tenant, key, null, st.open);
    }
    this.live.importOperators(state.operators);
    for (const [tenant, r] of Object.entries(state.repairs)) this.live.seedRepairs(tenant, r.due, r.future);
  }

  get openAppeals(): number {
    return this.appeals.size;
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
