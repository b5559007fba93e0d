/**
 * USE bookkeeping of one pipeline stage or worker (the log's writes, the processor, the checkpointer,
 * the slow-path threads): time busy (utilization = its rate), runs and errors. Plain counters, no
 * library: the stages update them on their own path at the cost of a clock read, and /metrics reads
 * them when scraped (src/observe/prometheus.ts).
 */
export class StageMeter {
  /** Completed busy time, ms: time with at least one run in progress (overlapping runs count once). */
  private busyMs = 0;
  private active = 0;
  private since = 0;
  runs = 0;
  errors = 0;

  begin(): void {
    if (this.active++ === 0) this.since = performance.now();
  }

  end(ok: boolean): void {
    this.runs++;
    if (!ok) this.errors++;
    if (--this.active === 0) this.busyMs += performance.now() - this.since;
  }

  /** Runs in progress now. */
  get inProgress(): number {
    return this.active;
  }

  /** Busy time so far, the run in progress included, in seconds. */
  busySec(): number {
    return (this.busyMs + (this.active ? performance.now() - this.since : 0)) / 1000;
  }

  /** Times `fn` as one run of the stage (an error counts, and is passed on). */
  async track<T>(fn: () => Promise<T>): Promise<T> {
    this.begin();
    try {
      const out = await fn();
      this.end(true);
      return out;
    } catch (err) {
      this.end(false);
      throw err;
    }
  }

  /** The same for synchronous work. */
  trackSync<T>(fn: () => T): T {
    this.begin();
    try {
      const out = fn();
      this.end(true);
      return out;
    } catch (err) {
      this.end(false);
      throw err;
    }
  }
}

/** The stages of one engine, by name (a fixed set: the names are metric labels). */
export const STAGES = ['log', 'process', 'checkpoint', 'history', 'verify', 'whatif', 'recommend', 'notify', 'export'] as const;
export type Stage = (typeof STAGES)[number];

export class StageMeters {
  private readonly meters = new Map<Stage, StageMeter>(STAGES.map((s) => [s, new StageMeter()]));

  of(stage: Stage): StageMeter {
    return this.meters.get(stage)!;
  }

  entries(): IterableIterator<[Stage, StageMeter]> {
    return this.meters.entries();
  }
}
