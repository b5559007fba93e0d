import type { Logger } from 'pino';
import type { RecommendationChange, Storage } from '../../storage/storage.js';

/** Tries of a change that fails to save on its own before it is given up. */
const MAX_SAVE_TRIES = 5;

/**
 * Writes the lifecycle's changes to storage behind the live stream: queued as they happen, saved in
 * batches, one flush at a time, retried with backoff after a failure. One change the store refuses must
 * not hold every later one back: a batch that fails is saved change by change, and a change that fails
 * alone MAX_SAVE_TRIES times is given up (logged).
 */
export class ItemSaver {
  private pending: RecommendationChange[] = [];
  private flushing: Promise<void> | null = null;
  private saveFailures = 0;
  /** Changes that failed to save on their own, and how many times. */
  private readonly changeFailures = new WeakMap<RecommendationChange, number>();

  constructor(
    private readonly storage: Pick<Storage, 'saveRecommendations'>,
    private readonly log?: Logger,
    /** Told after each batch is stored (the notifier reads the outbox then, not on its next poll). */
    private readonly onSaved?: () => void,
  ) {}

  /** Queues a change and starts a flush if none runs; a failed one is tried again later. */
  add(change: RecommendationChange): void {
    this.pending.push(change);
    if (!this.flushing) void this.flush().catch((err: Error) => {
      this.warnFailed(err);
      setTimeout(() => void this.flush().catch((e: Error) => this.warnFailed(e)), Math.min(30_000, 500 * 2 ** this.saveFailures)).unref();
    });
  }

  /**
   * A flush of its own that failed: logged here, once. A caller awaiting flush() (a request acknowledging
   * an item) has the error thrown to it instead, and its error handler logs it.
   */
  private warnFailed(err: Error): void {
    this.log?.warn({ err: err.message, failures: this.saveFailures }, 'saving recommendations failed; will retry');
  }

  /** Writes every change recorded so far; retried on failure (the changes stay queued meanwhile). */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.pending.length === 0) return Promise.resolve();
    const run = async () => {
      while (this.pending.length) {
        const batch = this.pending;
        this.pending = [];
        try {
          await this.storage.saveRecommendations(batch);
          this.saveFailures = 0;
          this.onSaved?.();
        } catch (err) {
          // saved change by change (see the class comment)
          const kept = batch.length > 1 ? await this.saveOneByOne(batch) : this.countFailure(batch[0], err as Error);
          this.pending = [...kept, ...this.pending];
          if (kept.length === 0) continue;
          this.saveFailures++;
          throw err;
        }
      }
    };
    this.flushing = run().finally(() => (this.flushing = null));
    return this.flushing;
  }

  /** Saves each change alone; returns those to try again. */
  private async saveOneByOne(batch: readonly RecommendationChange[]): Promise<RecommendationChange[]> {
    const kept: RecommendationChange[] = [];
    for (const c of batch) {
      try {
        await this.storage.saveRecommendations([c]);
        this.onSaved?.();
      } catch (err) {
        kept.push(...this.countFailure(c, err as Error));
      }
    }
    return kept;
  }

  /** [change] to try again, or [] once it has failed MAX_SAVE_TRIES times on its own. */
  private countFailure(c: RecommendationChange, err: Error): RecommendationChange[] {
    const n = (this.changeFailures.get(c) ?? 0) + 1;
    if (n < MAX_SAVE_TRIES) {
      this.changeFailures.set(c, n);
      return [c];
    }
    this.changeFailures.delete(c);
    this.log?.error({ err: err.message, tenant: c.item.tenant, id: `r${c.item.num}`, to: c.to }, 'a recommendation change could not be saved; given up');
    return [];
  }

}
