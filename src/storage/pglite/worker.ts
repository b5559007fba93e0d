/**
 * Hosts the PGlite storage on its own thread. PGlite executes on the thread that calls it, so a long
 * report query here would otherwise stall ingestion and every live client on the main thread.
 */
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { SqlStorage } from '../postgres/sql-storage.js';
import { serveSqlOverPort } from '../sql-port.js';
import { lowerThisThreadPriority } from '../../runtime/thread-priority.js';
import { openPgliteClient } from './client.js';
import type { PgliteMemoryLimits } from './memory-limits.js';

const port = parentPort!;
const { dataDir, wasmModule, limits, vacuumEveryMs, summarizeEveryMs, lowPriority } = workerData as {
  dataDir?: string;
  wasmModule?: WebAssembly.Module;
  limits?: PgliteMemoryLimits;
  vacuumEveryMs?: number;
  summarizeEveryMs?: number;
  /** The store's thread serves the slow path (history, checkpoints, verify's stream side): it yields the CPU to the log's. */
  lowPriority?: boolean;
};
if (lowPriority) lowerThisThreadPriority();
const client = await openPgliteClient(dataDir, { wasmModule, limits });
const storage = new SqlStorage('pglite', client);
/** The store's VACUUMs (see below), for /healthz. */
const vacuum = { count: 0, lastMs: 0 };
/** Block ranges of the log summarized so far (see below), for /healthz. */
let summarizedRanges = 0;

// This thread's memory, sent with `ready` and then every few seconds for /healthz (which answers from
// memory, never waiting on a thread that may be busy with a query). The WebAssembly memory is PGlite's
// whole PostgreSQL.
const MB = 1_048_576;
const memory = () => {
  const h = getHeapStatistics();
  return {
    heapUsedMb: Math.round(h.used_heap_size / MB),
    heapTotalMb: Math.round(h.total_heap_size / MB),
    externalMb: Math.round(h.external_memory / MB),
    wasmMb: Math.round(client.wasmMemoryBytes() / MB),
    ...(vacuumEveryMs ? { vacuums: vacuum.count, lastVacuumMs: vacuum.lastMs } : {}),
    ...(summarizeEveryMs ? { summarizedRanges } : {}),
  };
};

try {
  await storage.migrate();
  port.postMessage({ ready: true, memory: memory() });
} catch (err) {
  port.postMessage({ ready: false, error: (err as Error).message });
}
setInterval(() => port.postMessage({ memory: memory() }), 2_000).unref();

/**
 * PGlite runs PostgreSQL single-user, without autovacuum: rows updated again and again (the rollups of
 * the current minutes, the checkpoint row and its TOASTed state) leave dead versions that nothing
 * reclaims, and the files grow without bound (measured: a 1-row checkpoints table at 16 MB after 4
 * minutes of the high-load scenario). So the store is vacuumed every `vacuumEveryMs`, when no call is
 * running: VACUUM cannot run inside the transaction of a checkpoint commit, and calls arriving while
 * it runs wait for it. Plain VACUUM only visits pages changed since the last one, so it stays short.
 */
let inFlight = 0;
let vacuuming: Promise<void> | null = null;
let vacuumDueAt = vacuumEveryMs ? Date.now() + vacuumEveryMs : Infinity;
if (vacuumEveryMs) {
  setInterval(() => {
    if (Date.now() < vacuumDueAt || inFlight > 0 || vacuuming) return;
    const t0 = performance.now();
    vacuuming = client
      .exec('VACUUM')
      .then(() => {
        vacuum.count++;
        vacuum.lastMs = Math.round(performance.now() - t0);
      })
      .catch(() => {}) // a failed VACUUM is tried again next time; the calls must not see it
      .finally(() => {
        vacuumDueAt = Date.now() + vacuumEveryMs;
        vacuuming = null;
      });
  }, 1_000).unref();
}

/**
 * The log is kept up on a timer (PGlite has no autovacuum to do it; see SqlStorage.maintainLog): its new
 * block ranges summarized, without which every read by seq or ts, replay and verify alike, scans the
 * whole log, and its statistics refreshed as it doubles. An append arriving meanwhile waits for it: a few
 * ms, ~0.1 s for the rare ANALYZE, where scanning the whole log is not bounded at all.
 */
if (summarizeEveryMs) {
  let summarizing = false;
  setInterval(() => {
    if (summarizing) return;
    summarizing = true;
    storage
      .maintainLog()
      .then((r) => (summarizedRanges += r.summarizedRanges))
      .catch(() => {}) // tried again at the next tick; calls must not see it
      .finally(() => (summarizing = false));
  }, summarizeEveryMs).unref();
}

/** Storage calls from the thread that opened this one, or from another thread given a port to it (history). */
function serveCalls(from: MessagePort | typeof port, owner: boolean): void {
  from.on('message', async ({ id, method, args, connect, serve }: { id: number; method: keyof SqlStorage; args: unknown[]; connect?: MessagePort; serve?: MessagePort }) => {
    // a port for a reader on another thread (verify): its queries interleave with the calls above
    if (connect) return serveSqlOverPort(client, connect);
    // a port for another thread's storage calls (the history thread): read-only methods only
    if (serve) return serveCalls(serve, false);
    if (!owner && !READ_METHODS.has(method)) return from.postMessage({ id, error: { message: `${String(method)} is not served to other threads` } });
    while (vacuuming) await vacuuming;
    inFlight++;
    try {
      const result = await (storage[method] as (...a: unknown[]) => Promise<unknown>)(...args);
      from.postMessage({ id, result });
      if (method === 'close') from.close();
    } catch (err) {
      // code: PostgreSQL's SQLSTATE, when it is a database error (the caller tells "out of memory" by it)
      const e = err as Error & { code?: unknown };
      from.postMessage({ id, error: { name: e.name, message: e.message, stack: e.stack, sqlState: typeof e.code === 'string' ? e.code : undefined } });
    } finally {
      inFlight--;
    }
  });
}

/** What another thread may call here: reads, never a write that the owner's bookkeeping would not know of. */
const READ_METHODS: ReadonlySet<string> = new Set(['queryHistory', 'qaLevels']);

serveCalls(port, true);
