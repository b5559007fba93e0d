import { performance } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { REPAIR_KINDS } from '../metrics/appeal-story.js';
import type { Engine } from '../stream/engine.js';
import { STAGES, type Stage } from './stage-meter.js';

/**
 * The Prometheus registry of one app (GET /metrics): the standard process_* and nodejs_* collectors,
 * RED per route, and the pipeline's USE and ingest figures read off the engine when scraped, so the hot
 * path pays nothing for them but the counters it already keeps. Labels are bounded: routes by their
 * pattern (never a raw URL), stages and storage operations by name, never a tenant.
 */
export interface ScrapeSources {
  engine: Engine;
  /** SSE connections open now (the stream route's). */
  sseClients(): number;
  /** Export jobs waiting and running (the jobs route's). */
  jobs(): { queued: number; running: number };
}

export interface Prometheus {
  registry: Registry;
  /** One answered request, by its route pattern ('' for none: unmatched). */
  requestDone(method: string, route: string, status: number, seconds: number): void;
  /** One request refused by a rate limit (429), by which: the API key's or the tenant's. */
  rateLimited(limit: 'key' | 'tenant'): void;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function createPrometheus(src: ScrapeSources): Prometheus {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const { engine } = src;
  const t = engine.telemetry;
  registry.registerMetric(t.storageDuration);
  registry.registerMetric(t.checkpointDuration);
  registry.registerMetric(t.ingestEvents);
  registry.registerMetric(t.ingestRejected);

  // ---- RED per route
  const requests = new Counter({
    name: 'ccpulse_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status class (2xx, 3xx, 4xx, 5xx)',
    labelNames: ['method', 'route', 'status_class'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'ccpulse_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route pattern (an SSE stream: until it closes)',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  for (const c of ['2xx', '4xx', '5xx']) requests.inc({ method: 'POST', route: '/v1/events', status_class: c }, 0);
  // by which limit only, never by tenant or key (their number is unbounded); both shown from the start
  const rateLimited = new Counter({
    name: 'ccpulse_rate_limited_total',
    help: 'Requests refused with 429 by a rate limit, by which: the API key\'s own (key) or its tenant\'s (tenant)',
    labelNames: ['limit'] as const,
    registers: [registry],
  });
  for (const limit of ['key', 'tenant']) rateLimited.inc({ limit }, 0);

  // ---- USE per stage
  const gauge = (name: string, help: string, collect: (g: Gauge) => void, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry], collect() { collect(this); } });
  // a total kept elsewhere (monotonic), shown as a counter
  const total = (name: string, help: string, collect: (set: (v: number, labels?: Record<string, string>) => void) => void, labelNames: string[] = []) =>
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        collect((v, labels) => (labels ? this.inc(labels, Math.max(0, v)) : this.inc(Math.max(0, v))));
      },
    });
  const meters = () => engine.telemetry.stages;
  const recommendCost = () => engine.recommender?.cost() ?? { evaluations: 0, meanMs: 0, maxMs: 0 };
  const stageFigures = (s: Stage) => {
    const m = meters().of(s);
    if (s === 'recommend') {
      const c = recommendCost();
      return { busy: (c.evaluations * c.meanMs) / 1000, runs: c.evaluations, errors: 0 };
    }
    if (s === 'notify') {
      const n = engine.notifier.stats;
      return { busy: m.busySec(), runs: n.sent + n.failed, errors: n.failed };
    }
    return { busy: m.busySec(), runs: m.runs, errors: m.errors };
  };
  total('ccpulse_stage_busy_seconds_total', 'Time a stage or worker was busy (rate() = its utilization, 0–1)', (set) => {
    for (const s of STAGES) set(stageFigures(s).busy, { stage: s });
  }, ['stage']);
  total('ccpulse_stage_runs_total', 'Runs of a stage or worker (log writes, process batches, checkpoints, thread calls, deliveries, evaluations)', (set) => {
    for (const s of STAGES) set(stageFigures(s).runs, { stage: s });
  }, ['stage']);
  total('ccpulse_stage_errors_total', 'Failed runs of a stage or worker (a failed write, commit, thread call or delivery attempt)', (set) => {
    for (const s of STAGES) set(stageFigures(s).errors, { stage: s });
  }, ['stage']);
  gauge('ccpulse_stage_queue_depth', 'Work waiting for or in a stage now (saturation): events for the log, runs in progress on a thread, export jobs', (g) => {
    g.reset();
    const jobs = src.jobs();
    for (const s of STAGES) {
      // the log's: every event admitted and not yet durable (waiting for a write, or in the one under way)
      const depth = s === 'log' ? engine.eventLog.admission.snapshot().backlogEvents : s === 'export' ? jobs.queued + jobs.running : meters().of(s).inProgress;
      g.set({ stage: s }, depth);
    }
  }, ['stage']);
  gauge('ccpulse_stage_lag_events', 'Events a stage is behind the log: process (admitted, not yet applied), checkpoint (applied, not yet committed: what a crash would replay)', (g) => {
    g.set({ stage: 'process' }, engine.eventLog.admission.snapshot().backlogEvents);
    g.set({ stage: 'checkpoint' }, Math.max(0, engine.processor.position - engine.checkpointer.committedPosition));
  }, ['stage']);

  // ---- the log and the checkpoint
  gauge('ccpulse_log_position', 'Position of the last event applied from the durable log', (g) => g.set(engine.processor.position));
  gauge('ccpulse_checkpoint_age_seconds', 'Time since the last checkpoint was stored (since start, before the first)', (g) => {
    g.set(Math.max(0, (engine.now() - engine.checkpointer.lastCommitAt) / 1000));
  });
  gauge('ccpulse_watermark_lag_seconds', "Wall clock minus the furthest tenant's watermark (event time): how far behind real time the stream's clock runs", (g) => {
    const w = engine.processor.latestWatermark();
    if (Number.isFinite(w)) g.set(Math.max(0, (engine.now() - w) / 1000));
  });
  gauge('ccpulse_open_appeals', 'Appeals open in the live state', (g) => g.set(engine.processor.openAppeals));
  gauge('ccpulse_sse_clients', 'Live-stream (SSE) connections open', (g) => g.set(src.sseClients()));

  // ---- ingest
  total('ccpulse_ingest_late_total', 'Events later than the allowed lateness, reconciled with their stories', (set) => set(engine.processor.stats.late));
  total('ccpulse_ingest_clamped_total', "Events timed too far in the future, clamped to the server's clock", (set) => set(engine.processor.stats.clampedFuture));
  total('ccpulse_dead_letters_total', 'Events dead-lettered by the pipeline (an unknown queue in strict mode, …): listed at /v1/dlq', (set) => set(engine.processor.stats.deadLettered));
  total('ccpulse_processed_events_total', 'Events applied by the stream processor', (set) => set(engine.processor.stats.processed));
  gauge('ccpulse_ingest_repaired_events', 'Repairs made to event stories, by kind (a missing start, an expired appeal, …), as the live state counts them (stories retold may take one back)', (g) => {
    g.reset();
    const sums = new Map<string, number>([...Object.keys(REPAIR_KINDS), 'late'].map((k) => [k, 0]));
    for (const { due } of Object.values(engine.processor.live.exportRepairs())) for (const [kind, n] of Object.entries(due)) sums.set(kind, (sums.get(kind) ?? 0) + n);
    for (const [kind, n] of sums) g.set({ kind }, n);
  }, ['kind']);
  gauge('ccpulse_ingest_backlog_events', 'Admitted events not yet durable in the log', (g) => g.set(engine.eventLog.admission.snapshot().backlogEvents));
  gauge('ccpulse_ingest_queue_delay_seconds', 'Estimated wait of a new batch before it is durable (admission refuses past the configured maximum)', (g) => g.set(engine.eventLog.admission.snapshot().queueDelayMs / 1000));
  total('ccpulse_ingest_refused_total', 'Ingest requests refused with 503 (overload)', (set) => set(engine.eventLog.admission.snapshot().refusedRequests));

  // ---- the event loop
  let elu = performance.eventLoopUtilization();
  gauge('ccpulse_event_loop_utilization', "Share of time the main thread's event loop was busy since the previous scrape (0–1)", (g) => {
    const now = performance.eventLoopUtilization();
    g.set(performance.eventLoopUtilization(now, elu).utilization);
    elu = now;
  });

  return {
    registry,
    requestDone(method, route, status, seconds) {
      const m = METHODS.has(method) ? method : 'OTHER';
      const r = route || 'unmatched';
      requests.inc({ method: m, route: r, status_class: `${Math.floor(status / 100)}xx` });
      duration.observe({ method: m, route: r }, seconds);
    },
    rateLimited(limit) {
      rateLimited.inc({ limit });
    },
  };
}
