import type { LoggedEvent } from '../contract/event.js';
import type { Contribution, OpenSegment } from '../metrics/appeal-story.js';
import type { SlPolicyOf } from '../metrics/finalize.js';
import type { CountMap } from '../metrics/wait-histogram.js';
import type { DeadLetter, RollupCell } from '../storage/storage.js';
import { appealStep, evictSettled, type AppealState } from './appeal-tracker.js';
import { CellMap } from './cells.js';
import { LiveView } from './live-view.js';
import { ok, type Step } from './steps.js';

export interface ProcessorOptions {
  inactivityTimeoutOf: (channel: string) => number;
  slPolicyOf: SlPolicyOf;
  now?: () => number;
  /** Event time an ended appeal stays in memory, so late events for it still correct its story. */
  retainMs?: number;
}

/** What a checkpoint takes from the processor: everything since the previous one, up to `position`. */
export interface CheckpointTake {
  position: number;
  /** Serialized now, so events applied while the commit is in flight cannot leak into it. */
  state: string;
  rollupDeltas: RollupCell[];
  deadLetters: DeadLetter[];
}

export interface ProcessorState {
  v: 1;
  position: number;
  watermark: number;
  appeals: AppealState[];
  operators: ReturnType<LiveView['exportOperators']>;
  repairs: Record<string, CountMap>;
}

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
  private readonly steps: Record<'appeal' | 'operator', Step>;
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
    this.steps = {
      appeal: appealStep(this.appeals, sink, opts.inactivityTimeoutOf),
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
      const step = e.type === 'OPERATOR_STATUS' ? this.steps.operator : this.steps.appeal;
      let result;
      try {
        result = step.run(e);
      } catch (err) {
        result = { kind: 'deadLetter' as const, reason: `unexpected error: ${(err as Error).message}` };
      }
      if (result.kind === 'deadLetter') {
        this.deadLetters.push({ tenant: e.tenant, eventId: e.id, seq: e.seq, step: step.name, reason: result.reason, payload: stripLog(e) });
        this.stats.deadLettered++;
      } else if (result.kind === 'drop') {
        this.stats.dropped++;
      }
      this.stats.processed++;
      this.position = e.seq;
      if (e.ts > this.watermark) this.watermark = e.ts;
    }
  }

  /** Periodic housekeeping: retire settled appeals, expire open ones from the live view. */
  sweep(): void {
    evictSettled(this.appeals, this.watermark, this.retainMs, (key, st) => {
      if (st.open) this.live.setOpen(st.tenant, key, st.open, null);
    });
    this.live.sweep();
  }

  /** Hands everything since the last checkpoint to the checkpointer. */
  takeCheckpoint(): CheckpointTake {
    const take: CheckpointTake = {
      position: this.position,
      state: JSON.stringify(this.exportState()),
      rollupDeltas: this.pending.nonZero(),
      deadLetters: this.deadLetters,
    };
    this.pending = new CellMap();
    this.deadLetters = [];
    return take;
  }

  /** A checkpoint commit failed: put its deltas back so the next one carries them. */
  returnCheckpoint(take: CheckpointTake): void {
    for (const cell of take.rollupDeltas) this.pending.addCell(cell);
    this.deadLetters.unshift(...take.deadLetters);
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
      v: 1,
      position: this.position,
      watermark: this.watermark,
      appeals: [...this.appeals.values()],
      operators: this.live.exportOperators(),
      repairs: this.live.exportRepairs(),
    };
  }

  /** Restores a checkpoint's state; its contributions are already in storage, so nothing is re-applied. */
  restore(state: ProcessorState): void {
    this.position = state.position;
    this.watermark = state.watermark;
    for (const st of state.appeals) {
      const key = `${st.tenant}\u0001${st.appealId}`;
      this.appeals.set(key, st);
      if (st.open) this.live.setOpen(st.tenant, key, null, st.open);
    }
    this.live.importOperators(state.operators);
    for (const [tenant, r] of Object.entries(state.repairs)) this.live.seedRepairs(tenant, r);
  }

  get openAppeals(): number {
    return this.appeals.size;
  }
}

function stripLog(e: LoggedEvent) {
  const { tenant: _t, seq: _s, ...event } = e;
  return event;
}
