import type { StageMeter } from '../observe/stage-meter.js';
import type { CcEvent, LoggedEvent } from '../contract/event.js';
import type { Storage } from '../storage/storage.js';
import { AdmissionController } from './admission.js';
import type { Span, SpanContext } from '@opentelemetry/api';
import { activeTracer, inChildSpan, linksTo, markFailed } from '../observe/tracing.js';

/** Batch spans kept for the next checkpoint's links: the SDK keeps 128 links a span, so no more are held. */
const MAX_TRACED_BATCHES = 128;

export interface AppendOutcome {
  accepted: number;
  duplicates: number;
  /** Log position after this request's events (for read-your-writes on the live stream). */
  position: number;
}

interface Request {
  tenant: string;
  events: CcEvent[];
  /** The span of the request the events came in, when traced: the batch's span links to it. */
  traced?: SpanContext;
  resolve: (o: AppendOutcome) => void;
  reject: (e: Error) => void;
}

/** The log cannot take the request within the admission deadline; nothing of it was kept. */
export class OverloadedError extends Error {
  constructor(
    message: string,
    /** When a retry may find room (the Retry-After header). */
    readonly retryAfterSec: number,
  ) {
    super(message);
  }
}

/**
 * The durable log, with group commit: requests arriving while a write is in flight are written
 * together in the next one, so the database sees one insert per batch of requests, not per event.
 * A request resolves only once its events are durable and applied, so a 202 means "kept".
 */
export class EventLog {
  private queue: Request[] = [];
  private writing = false;
  /** The highest log position written by this process (0 before the first write): the log's head, as far as this process knows. */
  head = 0;
  /** The last write that stored its events, and the last that failed (the engine's clock; 0: none yet), and why: what GET /readyz reads. */
  readonly writes = { lastOkAt: 0, lastFailedAt: 0, lastError: '' };
  /** Decides which requests the log takes: what can be made durable within a deadline at the measured drain rate. */
  readonly admission: AdmissionController;

  constructor(
    private readonly storage: Storage,
    /** Applies logged events; the requests are answered once it resolves. */
    private readonly apply: (events: LoggedEvent[]) => Promise<void>,
    /** Reads back whatever the log holds beyond what was applied (after a write that may have committed). */
    private readonly catchUp: () => Promise<void>,
    private readonly opts: { maxBatchEvents?: number; admission?: AdmissionController; meter?: StageMeter; now?: () => number } = {},
  ) {
    this.admission = opts.admission ?? new AdmissionController({ maxQueueDelayMs: 1_000 });
  }

  append(tenant: string, events: CcEvent[], traced?: SpanContext): Promise<AppendOutcome> {
    const admitted = this.admission.admit(events.length);
    if (!admitted.ok) return Promise.reject(new OverloadedError(admitted.message, admitted.retryAfterSec));
    return new Promise((resolve, reject) => {
      this.queue.push({ tenant, events, traced, resolve, reject });
      if (!this.writing) {
        this.writing = true;
        // Let requests parsed in this turn of the event loop join the first write.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.takeBatch();
      // Drain-rate bookkeeping for admission: every admitted event leaves the backlog here, once.
      const events = batch.reduce((n, r) => n + r.events.length, 0);
      const started = performance.now();
      let measured = true;
      // One span per batch (tracing on), a root of its own: a batch carries many requests' events, so it
      // links to their spans rather than being the child of one of them (the messaging conventions' way).
      const span = activeTracer()?.startSpan('pipeline batch', {
        root: true,
        links: linksTo(batch.map((r) => r.traced)),
        attributes: { 'ccpulse.batch.requests': batch.length, 'ccpulse.batch.events': events },
      });
      const answers: Array<() => void> = [];
      try {
        answers.push(await this.timed(() => this.write(batch, span)));
      } catch (err) {
        measured = false;
        if (span) markFailed(span, err);
        if (batch.length === 1) answers.push(() => batch[0].reject(err as Error));
        // One request's rows must not fail the others: write each on its own.
        else for (const r of batch) answers.push(await this.timed(() => this.write([r], span)).catch((e: Error) => () => r.reject(e)));
      } finally {
        this.admission.drained(events, performance.now() - started, measured);
        span?.end();
      }
      // Answered only once the backlog no longer counts them: a client that posts again on its 202 must
      // find the room its events made, whatever the turns of the event loop in between.
      for (const answer of answers) answer();
    }
    this.writing = false;
  }

  private timed<T>(write: () => Promise<T>): Promise<T> {
    return this.opts.meter ? this.opts.meter.track(write) : write();
  }

  private failed(err: unknown): void {
    this.writes.lastFailedAt = this.now();
    this.writes.lastError = err instanceof Error ? err.message : String(err);
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private takeBatch(): Request[] {
    const max = this.opts.maxBatchEvents ?? 20_000;
    const batch: Request[] = [];
    let n = 0;
    while (this.queue.length && (batch.length === 0 || n + this.queue[0].events.length <= max)) {
      const r = this.queue.shift()!;
      n += r.events.length;
      batch.push(r);
    }
    return batch;
  }

  /** Set when a write failed in a way that may still have committed: the log is read back before the next. */
  private unsure = false;

  /** Spans of the batches applied since the last take (tracing on), newest last. */
  private tracedBatches: SpanContext[] = [];
  private tracedBatchCount = 0;

  /**
   * The spans of the batches applied since the last call, for the checkpoint commit that makes their
   * output durable to link to (at most MAX_TRACED_BATCHES, the newest), and how many batches there were.
   */
  takeTracedBatches(): { links: SpanContext[]; batches: number } {
    const taken = { links: this.tracedBatches, batches: this.tracedBatchCount };
    this.tracedBatches = [];
    this.tracedBatchCount = 0;
    return taken;
  }

  /** Writes and applies a batch; returns how to answer its requests (the caller does, after its bookkeeping). */
  private async write(batch: Request[], span?: Span): Promise<() => void> {
    const tracer = span && activeTracer();
    if (this.unsure) {
      try {
        await this.catchUp();
      } catch (err) {
        this.failed(err);
        throw err;
      }
      this.unsure = false;
    }
    // A repeated id within the batch is a duplicate before the database sees it.
    const seen = new Set<string>();
    const rows: Array<{ tenant: string; event: CcEvent }> = [];
    const owner: number[] = [];
    const dupes = batch.map(() => 0);
    batch.forEach((r, i) => {
      for (const event of r.events) {
        const key = `${r.tenant}\u0000${event.id}`;
        if (seen.has(key)) {
          dupes[i]++;
          continue;
        }
        seen.add(key);
        rows.push({ tenant: r.tenant, event });
        owner.push(i);
      }
    });
    let seqs;
    try {
      seqs = await inChildSpan(tracer, span, 'log write', { 'ccpulse.log.rows': rows.length }, () => this.storage.append(rows));
    } catch (err) {
      this.unsure = true;
      this.failed(err);
      throw err;
    }
    this.writes.lastOkAt = this.now();
    for (const seq of seqs) if (seq !== null && seq > this.head) this.head = seq;
    const accepted = batch.map(() => 0);
    const logged: LoggedEvent[] = [];
    seqs.forEach((seq, j) => {
      if (seq === null) dupes[owner[j]]++;
      else {
        accepted[owner[j]]++;
        logged.push({ ...rows[j].event, tenant: rows[j].tenant, seq });
      }
    });
    logged.sort((a, b) => a.seq - b.seq);
    const position = logged.length ? logged[logged.length - 1].seq : 0;
    if (span?.isRecording()) {
      span.setAttributes({ 'ccpulse.batch.accepted': logged.length, 'ccpulse.log.position': position });
      // Noted in the same turn as the processor applies the batch (apply's synchronous start), so a
      // checkpoint taken after that apply always finds this batch among its links.
      this.tracedBatches.push(span.spanContext());
      if (this.tracedBatches.length > MAX_TRACED_BATCHES) this.tracedBatches.shift();
      this.tracedBatchCount++;
    }
    await inChildSpan(tracer, span, 'process', { 'ccpulse.process.events': logged.length }, () => this.apply(logged));
    return () => batch.forEach((r, i) => r.resolve({ accepted: accepted[i], duplicates: dupes[i], position }));
  }
}
