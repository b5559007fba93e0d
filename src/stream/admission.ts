/**
 * Admission control for the event log: a request is admitted only if the work already admitted ahead
 * of it, plus its own events, can be made durable and applied within a short deadline at the rate the
 * log is actually draining. Beyond that the request is refused at once (503 with Retry-After) instead
 * of waiting in an ever longer queue: under overload the server keeps answering fast, holds a bounded
 * amount of memory, and what it does admit is answered within about the deadline.
 */

export interface AdmissionOptions {
  /** The deadline: how long the admitted backlog, this request included, may take to drain (ms). */
  maxQueueDelayMs: number;
  /** Drain rate assumed until a commit has been measured (events/s). */
  initialRate?: number;
  /**
   * The floor (events/s): the estimate never goes below it, and a backlog of minRate × deadline events is
   * always admitted, so a cold start (slow first commits) or one slow commit does not shut ingest.
   */
  minRate?: number;
  /** Half-life of the drain-rate estimate, in time spent writing (ms). */
  halfLifeMs?: number;
  /** Bytes per event assumed for the early check until bodies have been measured. */
  initialBytesPerEvent?: number;
  now?: () => number;
  /** Warnings about refusals go here, at most one line per `logEveryMs` (default 5 s). */
  log?: { warn: (obj: object, msg: string) => void; info: (obj: object, msg: string) => void };
  logEveryMs?: number;
}

export type Decision = { ok: true } | { ok: false; retryAfterSec: number; message: string };

export const DEFAULT_INITIAL_RATE = 5_000;
export const DEFAULT_MIN_RATE = 2_000;

export class AdmissionController {
  readonly maxQueueDelayMs: number;
  /** Events admitted and not yet durable and applied: queued, and in the write under way. */
  private backlog = 0;
  /** Exponentially decayed sums of events written and the time it took (ms). */
  private decayedEvents = 0;
  private decayedMs = 0;
  /**
   * Admitted requests not yet drained, in admission order (the log is FIFO): when each was admitted, the
   * wait predicted for it, and the cumulative admitted event count at its end. Their actual waits
   * calibrate the prediction (see `correction`).
   */
  private waiting: Array<{ at: number; predictedMs: number; endCum: number }> = [];
  private waitingHead = 0;
  private admittedCum = 0;
  private drainedCum = 0;
  /** Decayed sums of actual and predicted waits of drained requests. */
  private actualWaitMs = 0;
  private predictedWaitMs = 0;
  private lastWaitSample = 0;
  private bytesPerEvent: number;
  private readonly halfLifeMs: number;
  private readonly minRate: number;
  private readonly initialRate: number;
  private readonly now: () => number;
  readonly stats = { admittedRequests: 0, refusedRequests: 0, refusedEarly: 0 };
  private episode: { since: number; refused: number; sinceLog: number; timer: NodeJS.Timeout | null } | null = null;

  constructor(private readonly opts: AdmissionOptions) {
    if (!(opts.maxQueueDelayMs > 0)) throw new Error('maxQueueDelayMs must be positive');
    this.maxQueueDelayMs = opts.maxQueueDelayMs;
    this.halfLifeMs = opts.halfLifeMs ?? 2_000;
    this.minRate = opts.minRate ?? DEFAULT_MIN_RATE;
    this.initialRate = opts.initialRate ?? DEFAULT_INITIAL_RATE;
    this.bytesPerEvent = opts.initialBytesPerEvent ?? 150;
    this.now = opts.now ?? (() => performance.now());
  }

  /** The estimated drain rate, events/s. */
  get rate(): number {
    const r = this.decayedMs > 0 ? (this.decayedEvents / this.decayedMs) * 1000 : this.initialRate;
    return Math.max(this.minRate, r);
  }

  get backlogEvents(): number {
    return this.backlog;
  }

  /**
   * How much longer admitted requests actually waited than predicted, recently (≥ 1): group commit
   * granularity, event-loop stalls and a drain rate that fell after admission all make waits longer than
   * backlog ÷ rate. Predictions are multiplied by it, so admitted waits stay near the deadline.
   */
  get correction(): number {
    if (this.predictedWaitMs <= 0) return 1;
    return Math.min(4, Math.max(1, this.actualWaitMs / this.predictedWaitMs));
  }

  /** How long the admitted backlog takes to drain at the estimated rate, corrected (ms). */
  get queueDelayMs(): number {
    return this.predict(this.backlog);
  }

  /** How long the oldest admitted request still waiting has waited (ms); 0 when none waits. */
  get oldestWaitMs(): number {
    return this.waitingHead < this.waiting.length ? this.now() - this.waiting[this.waitingHead].at : 0;
  }

  private predict(events: number): number {
    return (events / this.rate) * 1000 * this.correction;
  }

  /**
   * Admits `events` if the backlog plus them drains within the deadline, and counts them in the backlog
   * (until `drained`). An idle log admits any request, however large: otherwise a batch bigger than a
   * deadline's worth could never be admitted. A backlog within the floor (minRate × deadline) is always
   * admitted.
   */
  admit(events: number): Decision {
    const d = this.decide(events);
    if (d.ok) {
      this.backlog += events;
      this.admittedCum += events;
      this.waiting.push({ at: this.now(), predictedMs: (this.backlog / this.rate) * 1000, endCum: this.admittedCum });
      this.stats.admittedRequests++;
    } else this.refused(false);
    return d;
  }

  /**
   * The early check, before a body is read: refuses when a request of `bodyBytes` (estimated in events
   * from the bodies seen so far) would not be admitted now. Reserves nothing: `admit` decides once the
   * body is parsed.
   */
  precheck(bodyBytes: number): Decision {
    const events = Number.isFinite(bodyBytes) && bodyBytes > 0 ? Math.max(1, Math.floor(bodyBytes / this.bytesPerEvent)) : 1;
    const d = this.decide(events);
    if (!d.ok) this.refused(true);
    return d;
  }

  /** Learns the size of events on the wire from an admitted body, for `precheck`. */
  noteBody(bytes: number, events: number): void {
    if (!(bytes > 0 && events > 0)) return;
    this.bytesPerEvent = 0.9 * this.bytesPerEvent + 0.1 * (bytes / events);
  }

  /**
   * A write of `events` finished after `ms` (durable and applied, or failed): they leave the backlog.
   * A successful write is a sample of the drain rate.
   */
  drained(events: number, ms: number, measured: boolean): void {
    this.backlog = Math.max(0, this.backlog - events);
    this.drainedCum += events;
    const now = this.now();
    while (this.waitingHead < this.waiting.length && this.waiting[this.waitingHead].endCum <= this.drainedCum) {
      const w = this.waiting[this.waitingHead++];
      const decay = Math.pow(0.5, (now - this.lastWaitSample) / this.halfLifeMs);
      this.lastWaitSample = now;
      this.actualWaitMs = this.actualWaitMs * decay + (now - w.at);
      this.predictedWaitMs = this.predictedWaitMs * decay + w.predictedMs;
    }
    if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.waitingHead);
      this.waitingHead = 0;
    }
    if (!measured || events <= 0) return;
    const w = Math.max(ms, 0.1);
    const decay = Math.pow(0.5, w / this.halfLifeMs);
    this.decayedEvents = this.decayedEvents * decay + events;
    this.decayedMs = this.decayedMs * decay + w;
  }

  /** Seconds after which a retry may find room: the time the current backlog takes to drain, at least 1. */
  retryAfterSec(): number {
    return Math.min(60, Math.max(1, Math.ceil(Math.max(this.queueDelayMs, this.oldestWaitMs) / 1000)));
  }

  private decide(events: number): Decision {
    if (this.backlog === 0 || this.backlog + events <= (this.minRate * this.maxQueueDelayMs) / 1000) return { ok: true };
    // The rate is only sampled when a write ends: during a stall (a slow commit, a starved CPU) it is
    // stale, but the age of the oldest waiting request is not. Once that is past the deadline, the log is
    // behind its promises and takes nothing more until it catches up.
    if (this.predict(this.backlog + events) <= this.maxQueueDelayMs && this.oldestWaitMs <= this.maxQueueDelayMs) return { ok: true };
    return {
      ok: false,
      retryAfterSec: this.retryAfterSec(),
      message: `ingest is overloaded: ${this.backlog} events are waiting to be stored (about ${Math.round(this.queueDelayMs)} ms at ${Math.round(this.rate)} events/s); retry the same batch after the Retry-After seconds`,
    };
  }

  /** Counts a refusal and logs at most one warning per period, with the count, never one per request. */
  private refused(early: boolean): void {
    this.stats.refusedRequests++;
    if (early) this.stats.refusedEarly++;
    const log = this.opts.log;
    if (!log) return;
    const every = this.opts.logEveryMs ?? 5_000;
    const now = this.now();
    if (!this.episode) {
      this.episode = { since: now, refused: 1, sinceLog: 0, timer: null };
      log.warn(this.state(), 'ingest overloaded: refusing requests with 503 and Retry-After');
      // One line per period while refusals go on; one when they have stopped.
      this.episode.timer = setInterval(() => {
        const e = this.episode!;
        if (e.sinceLog === 0) {
          clearInterval(e.timer!);
          this.episode = null;
          log.info({ refusedRequests: e.refused, overloadedMs: Math.round(this.now() - e.since) }, 'ingest no longer overloaded');
          return;
        }
        log.warn({ ...this.state(), refusedRequests: e.sinceLog, periodMs: every }, 'ingest overloaded: refused requests in the last period');
        e.sinceLog = 0;
      }, every);
      this.episode.timer.unref();
      return;
    }
    this.episode.refused++;
    this.episode.sinceLog++;
  }

  private state() {
    return {
      backlogEvents: this.backlog,
      drainRate: Math.round(this.rate),
      correction: Math.round(this.correction * 100) / 100,
      queueDelayMs: Math.round(this.queueDelayMs),
      oldestWaitMs: Math.round(this.oldestWaitMs),
      maxQueueDelayMs: this.maxQueueDelayMs,
    };
  }

  /** For /healthz. */
  snapshot() {
    return { ...this.state(), admittedRequests: this.stats.admittedRequests, refusedRequests: this.stats.refusedRequests, refusedBeforeBody: this.stats.refusedEarly };
  }

  /** Stops the logging timer (server shutdown). */
  close(): void {
    if (this.episode?.timer) clearInterval(this.episode.timer);
    this.episode = null;
  }
}
