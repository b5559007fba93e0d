import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * Event-loop delay of the main thread, over the last complete window (default 10 s): how long a timer
 * or a request can wait behind synchronous work (applying events, parsing bodies, GC). For /healthz.
 */
export class EventLoopMonitor {
  private readonly h: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;
  private last = { p50Ms: 0, p99Ms: 0, maxMs: 0, windowSec: 0 };

  constructor(windowMs = 10_000) {
    this.h = monitorEventLoopDelay({ resolution: 10 });
    this.h.enable();
    this.timer = setInterval(() => {
      this.last = this.read(windowMs / 1000);
      this.h.reset();
    }, windowMs);
    this.timer.unref();
  }

  private read(windowSec: number) {
    const ms = (ns: number) => Math.round(ns / 1e5) / 10;
    return { p50Ms: ms(this.h.percentile(50)), p99Ms: ms(this.h.percentile(99)), maxMs: ms(this.h.max), windowSec };
  }

  /** The last complete window (the first window: what has been seen so far). */
  snapshot() {
    return this.last.windowSec ? this.last : this.read(0);
  }

  stop(): void {
    clearInterval(this.timer);
    this.h.disable();
  }
}
