import type { Logger } from 'pino';
import type { StageMeter } from '../observe/stage-meter.js';
import type { Storage } from '../storage/storage.js';
import type { CheckpointTake, StreamProcessor } from './processor.js';
import type { RwLock } from './rw-lock.js';
import type { SpanContext } from '@opentelemetry/api';
import { activeTracer, linksTo, markFailed } from '../observe/tracing.js';

export const CHECKPOINT_NAME = 'processor';

export interface CheckpointerOptions {
  /** The engine's clock (when the last commit was stored). */
  now?: () => number;
  /** Times each commit as the `checkpoint` stage, and reports its duration (both for /metrics). */
  meter?: { stage: StageMeter; committed(seconds: number): void };
  /** The spans of the batches applied since the last take (tracing on): the commit's span links to them. */
  takeTraced?: () => { links: SpanContext[]; batches: number };
}

/**
 * Commits, at an interval, the processor's rollup deltas, dead letters and state together with the log
 * position they cover. After a crash the processor restarts from the last commit and replays the log
 * from its position, so every event counts exactly once. A failed commit keeps its deltas for the
 * next try, with exponential backoff.
 */
export class Checkpointer {
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private running: Promise<void> | null = null;
  /** A take whose commit failed: it is retried as it is (same number) before anything new is taken. */
  private inDoubt: (CheckpointTake & { commitId: number; traced: { links: SpanContext[]; batches: number } }) | null = null;
  /** The take being committed now. */
  private inFlight: CheckpointTake | null = null;
  lastCommitMs = 0;
  /** When (the engine's clock) the last commit was stored; the start counts as one (it restored the last). */
  lastCommitAt: number;
  /** Commits failed in a row (0 after one succeeds). */
  get consecutiveFailures(): number {
    return this.failures;
  }
  /** Number of the last checkpoint commit known to be stored. */
  commitId = 0;
  /** Log position the last stored checkpoint covers: a crash now would replay the log after it. */
  committedPosition = 0;

  constructor(
    private readonly storage: Storage,
    private readonly processor: StreamProcessor,
    private readonly lock: RwLock,
    private readonly intervalMs: number,
    private readonly log?: Logger,
    private readonly opts: CheckpointerOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.lastCommitAt = this.now();
  }

  private readonly now: () => number;

  start(): void {
    const tick = () => {
      this.timer = setTimeout(async () => {
        // logged here, once per failure: a caller of commit() (a route, the shutdown) has the error thrown to it and reports it itself
        await this.commit().catch((err: unknown) => this.log?.error({ err, failures: this.failures }, 'checkpoint commit failed; will retry'));
        tick();
      }, this.intervalMs * Math.min(2 ** this.failures, 30));
      this.timer.unref();
    };
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    await this.commit();
  }

  /** Log positions of dead letters taken from the processor but not known to be in storage yet. */
  uncommittedDeadLetterSeqs(): number[] {
    // a retried commit is both in doubt and in flight
    const takes = new Set([this.inFlight, this.inDoubt]);
    return [...takes].flatMap((t) => t?.deadLetters.flatMap((d) => (d.seq === null ? [] : [d.seq])) ?? []);
  }

  /** One commit; concurrent callers share it. */
  commit(): Promise<void> {
    this.running ??= this.lock
      .write(async () => {
        // taken in the same turn as the processor's checkpoint: the batches it covers are exactly those linked
        const take = this.inDoubt ?? { ...this.processor.takeCheckpoint(), commitId: this.commitId + 1, traced: this.opts.takeTraced?.() ?? { links: [], batches: 0 } };
        const started = performance.now();
        this.inFlight = take;
        // A span per commit that covers traced batches, linked to them: the last step of their pipeline.
        // The idle commits of every interval (the clock's expiries only) make none: they would be noise.
        const span = take.traced.batches === 0 ? undefined : activeTracer()?.startSpan('checkpoint commit', {
          root: true,
          links: linksTo(take.traced.links),
          attributes: { 'ccpulse.checkpoint.id': take.commitId, 'ccpulse.log.position': take.position, 'ccpulse.checkpoint.batches': take.traced.batches, 'ccpulse.checkpoint.retry': take === this.inDoubt },
        });
        const { traced: _traced, ...stored } = take;
        this.opts.meter?.stage.begin();
        let ok = false;
        try {
          await this.storage.commitCheckpoint({ name: CHECKPOINT_NAME, ...stored });
          ok = true;
          this.inDoubt = null;
          this.commitId = take.commitId;
          this.committedPosition = take.position;
          this.failures = 0;
          this.lastCommitMs = performance.now() - started;
          this.lastCommitAt = this.now();
          this.opts.meter?.committed(this.lastCommitMs / 1000);
        } catch (err) {
          // It may have been applied with only the answer lost: retry the very same commit, which
          // storage recognises by its number, before taking anything new.
          this.inDoubt = take;
          this.failures++;
          if (span) markFailed(span, err);
          throw err;
        } finally {
          this.inFlight = null;
          this.opts.meter?.stage.end(ok);
          span?.end();
        }
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }
}
