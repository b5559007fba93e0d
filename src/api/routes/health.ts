import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../stream/engine.js';
import type { Storage } from '../../storage/storage.js';
import type { Config } from '../../config/config.js';
import { EventLoopMonitor } from '../../observe/event-loop.js';

/** How long GET /readyz waits for the storage's ping before it calls the storage unreachable. */
export const READY_PING_TIMEOUT_MS = 2_000;
/** A failed write to the log counts against readiness this long, unless a write has succeeded since. */
export const READY_WRITE_FAILURE_MS = 30_000;

export interface HealthRouteOptions {
  engine: Engine;
  startedAt: number;
  detailed: boolean;
  readiness: Config['readiness'];
  checkpointIntervalMs: number;
  /** The ping's timeout (tests shorten it). */
  pingTimeoutMs?: number;
}

/** GET /readyz's body: whether this server should be sent traffic, and if not, why, in words. */
export interface Readiness {
  status: 'ready' | 'not ready';
  /** What is wrong, one sentence each; empty when ready. */
  reasons: string[];
  /** Each check's finding (absent only when the check itself could not be made). */
  checks?: {
    shutdown: { ok: boolean };
    storage: { ok: boolean; backend: string; pingMs?: number; error?: string };
    log: { ok: boolean; lastFailureSecAgo?: number; error?: string };
    checkpoint: { ok: boolean; ageSec: number; maxAgeSec: number; failures: number };
    lag: { ok: boolean; processing: number; checkpoint: number; maxEvents: number };
  };
}

/**
 * GET /healthz: liveness, and enough of the pipeline's state to see it is moving. Answered from memory
 * only: nothing here awaits storage or the ingest path, so it is as quick as the event loop.
 *
 * GET /readyz: readiness, for load balancers and orchestrators: 200 when this server can take traffic,
 * 503 when it cannot, the body saying what is wrong (storage that does not answer a ping, failing log
 * writes, a stale checkpoint, a processor or a checkpoint too far behind, a shutdown under way). Like
 * /healthz it needs no API key, and it says nothing of any tenant.
 */
export const healthRoute: FastifyPluginAsync<HealthRouteOptions> = async (app, opts) => {
  const { engine, startedAt, detailed } = opts;
  const loop = new EventLoopMonitor();
  app.addHook('onClose', async () => loop.stop());
  // With API keys (several tenants) the pipeline's counts are not for everyone: liveness only.
  app.get('/healthz', async () => (!detailed ? { status: 'ok', storage: engine.storage.backend, uptimeSec: Math.round((Date.now() - startedAt) / 1000) } : {
    status: 'ok',
    storage: engine.storage.backend,
    position: engine.processor.position,
    uptimeSec: Math.round((Date.now() - startedAt) / 1000),
    openAppeals: engine.processor.openAppeals,
    processed: engine.processor.stats.processed,
    deadLettered: engine.processor.stats.deadLettered,
    late: engine.processor.stats.late,
    lateWaiting: engine.processor.lateWaiting,
    clampedFuture: engine.processor.stats.clampedFuture,
    lastCheckpointMs: Math.round(engine.checkpointer.lastCommitMs * 10) / 10,
    // What a crash now would replay (log position − the last stored checkpoint's), and how the last start went.
    checkpointLag: engine.processor.position - engine.checkpointer.committedPosition,
    recovery: { replayed: engine.replayed, ...engine.recovery },
    // Admission: the backlog of admitted events, the measured drain rate, and refusals (503) so far.
    ingest: engine.eventLog.admission.snapshot(),
    eventLoopDelayMs: loop.snapshot(),
    // The recommender's evaluations so far and what they cost the main thread.
    ...(engine.recommender ? { recommender: engine.recommender.cost() } : {}),
    memoryMb: memoryMb(engine.storage),
  }));

  const ping = pinger(engine.storage, opts.pingTimeoutMs ?? READY_PING_TIMEOUT_MS);
  let wasReady: boolean | null = null;
  app.get('/readyz', async (req, reply) => {
    let body: Readiness;
    const errors: string[] = [];
    try {
      body = await readiness(opts, ping, errors);
    } catch (err) {
      // never a 500 here: a check that cannot be made is a reason not to be ready
      req.log.error({ err }, 'the readiness check failed');
      body = { status: 'not ready', reasons: ['the readiness check itself failed; see the server log'] };
    }
    const ready = body.status === 'ready';
    // the changes are logged, not every probe (a load balancer asks every few seconds)
    if (wasReady !== ready) {
      if (!ready) req.log.warn({ reasons: body.reasons, ...(errors.length ? { errors } : {}) }, 'not ready: /readyz answers 503');
      else if (wasReady === false) req.log.info('ready again: /readyz answers 200');
      wasReady = ready;
    }
    return reply.status(ready ? 200 : 503).header('cache-control', 'no-store').send(body);
  });
};

/**
 * The storage's ping with a timeout; concurrent probes share one ping, so a storage that hangs is asked
 * once, not once per probe.
 */
function pinger(storage: Storage, timeoutMs: number): () => Promise<{ ok: true; ms: number } | { ok: false; why: 'timeout' | 'error'; error?: string }> {
  let inFlight: Promise<{ ms: number } | { error: string }> | null = null;
  return async () => {
    inFlight ??= (async () => {
      const started = performance.now();
      try {
        await storage.ping();
        return { ms: Math.round((performance.now() - started) * 10) / 10 };
      } catch (err) {
        return { error: err instanceof Error ? err.message : String(err) };
      } finally {
        inFlight = null;
      }
    })();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
    try {
      const r = await Promise.race([inFlight, timeout]);
      if (r === null) return { ok: false, why: 'timeout' };
      return 'ms' in r ? { ok: true, ms: r.ms } : { ok: false, why: 'error', error: r.error };
    } finally {
      clearTimeout(timer);
    }
  };
}

/** The checks; `errors` gets the storage's own words, for the log (the body shows them only when detailed). */
async function readiness(opts: HealthRouteOptions, ping: ReturnType<typeof pinger>, errors: string[]): Promise<Readiness> {
  const { engine, readiness: limits, detailed } = opts;
  const reasons: string[] = [];
  const backend = engine.storage.backend;

  const shutdown = { ok: !engine.shuttingDown };
  if (!shutdown.ok) reasons.push('the server is shutting down');

  const p = await ping();
  const storage: NonNullable<Readiness['checks']>['storage'] = p.ok ? { ok: true, backend, pingMs: p.ms } : { ok: false, backend };
  if (!p.ok) {
    const timeoutMs = opts.pingTimeoutMs ?? READY_PING_TIMEOUT_MS;
    if (p.why === 'timeout') reasons.push(`the storage (${backend}) did not answer a ping within ${timeoutMs} ms`);
    else reasons.push(`the storage (${backend}) cannot be reached: its ping failed${detailed ? ` (${p.error})` : ''}`);
    // the database's own words may name hosts and users: shown only where /healthz shows details (no API keys)
    if (p.why === 'error') {
      errors.push(`storage: ${p.error}`);
      if (detailed) storage.error = p.error;
    }
  }

  const now = engine.now();
  const writes = engine.eventLog.writes;
  const failing = writes.lastFailedAt > writes.lastOkAt && now - writes.lastFailedAt < READY_WRITE_FAILURE_MS;
  const log: NonNullable<Readiness['checks']>['log'] = { ok: !failing };
  if (writes.lastFailedAt > 0) log.lastFailureSecAgo = Math.round((now - writes.lastFailedAt) / 100) / 10;
  if (failing) {
    reasons.push(`writes to the event log are failing (the last ${log.lastFailureSecAgo} s ago, none has succeeded since)`);
    errors.push(`log: ${writes.lastError}`);
    if (detailed) log.error = writes.lastError;
  }

  const cp = engine.checkpointer;
  const ageSec = Math.max(0, Math.round((now - cp.lastCommitAt) / 100) / 10);
  const checkpoint = { ok: ageSec <= limits.maxCheckpointAgeSec, ageSec, maxAgeSec: limits.maxCheckpointAgeSec, failures: cp.consecutiveFailures };
  if (!checkpoint.ok) {
    reasons.push(
      `the last checkpoint was committed ${ageSec} s ago (the limit is ${limits.maxCheckpointAgeSec} s, one is due every ${opts.checkpointIntervalMs / 1000} s)` +
        (cp.consecutiveFailures ? `; ${cp.consecutiveFailures} commit${cp.consecutiveFailures === 1 ? '' : 's'} failed in a row` : ''),
    );
  }

  const processing = Math.max(0, engine.eventLog.head - engine.processor.position);
  const behind = Math.max(0, engine.processor.position - cp.committedPosition);
  const lag = { ok: processing <= limits.maxLagEvents && behind <= limits.maxLagEvents, processing, checkpoint: behind, maxEvents: limits.maxLagEvents };
  if (processing > limits.maxLagEvents) reasons.push(`the stream processor is ${processing} log positions behind the log (the limit is ${limits.maxLagEvents})`);
  if (behind > limits.maxLagEvents) reasons.push(`the last checkpoint is ${behind} log positions behind the stream processor (the limit is ${limits.maxLagEvents}): a restart would replay them`);

  return { status: reasons.length ? 'not ready' : 'ready', reasons, checks: { shutdown, storage, log, checkpoint, lag } };
}

function memoryMb(storage: Storage) {
  const m = process.memoryUsage();
  const mb = (b: number) => Math.round(b / 1048576);
  // heap* and external are this (the main) thread's; external includes PGlite's WebAssembly memory when
  // it runs on this thread. The embedded databases' own threads report theirs under `threads`.
  const threads = storage.threadMemory?.();
  return { rss: mb(m.rss), heapUsed: mb(m.heapUsed), heapTotal: mb(m.heapTotal), external: mb(m.external), ...(threads ? { threads } : {}) };
}
