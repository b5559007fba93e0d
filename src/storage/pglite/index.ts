import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../runtime/module-worker.js';
import { mkdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SqlStorage } from '../postgres/sql-storage.js';
import { ArchiveMismatchError, LOG_UPKEEP_EVERY_MS, type HistoryAccess, type SqlAccess, type Storage, type ThreadMemory } from '../storage.js';
import { serveSqlOverPort } from '../sql-port.js';
import { openPgliteClient } from './client.js';
import { DEFAULT_MEMORY_LIMITS, SQLSTATE_OUT_OF_MEMORY, StorageMemoryError, type PgliteMemoryLimits } from './memory-limits.js';
import { BUILT_TEMPLATE_DIR, copyTemplate, hasDatabase, isUsableTemplate, makeTemplate, pgliteDist } from './template.js';

const METHODS = [
  'append', 'readLog', 'readEventsByTime', 'readAppealEvents', 'loadCheckpoint', 'commitCheckpoint', 'queryRollups', 'queryHistory', 'qaLevels',
  'listDeadLetters', 'getDeadLetter', 'deadLetteredSeqs', 'markDeadLettersReplayed',
  'saveRecommendations', 'listRecommendations', 'lastRecommendationNumber', 'putCampaign', 'listCampaigns', 'putSettings', 'listSettings',
  'addApiKey', 'revokeApiKey', 'listApiKeys',
  'putDestination', 'deleteDestination', 'listDestinations', 'readOutbox', 'outboxRouted', 'addDeliveries', 'updateDelivery', 'dueDeliveries', 'listDeliveries', 'getDelivery',
  'listLogDays', 'describeLogDay', 'holdLogDay', 'listHeldDays', 'readHeldDay', 'removeHeldDay', 'listArchivedDays',
] as const satisfies ReadonlyArray<keyof Storage>;

/**
 * The embedded backend: PGlite (PostgreSQL compiled to WASM) in the data directory, or in memory when
 * dataDir is undefined. With `thread: true` (what the server uses) the log and the store are two
 * databases, each on a worker thread of its own.
 */
export async function openPgliteStorage(opts: { dataDir?: string; thread?: boolean; limits?: PgliteMemoryLimits; vacuumEveryMs?: number }): Promise<Storage> {
  const limits = opts.limits ?? DEFAULT_MEMORY_LIMITS;
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  if (!opts.thread) {
    const client = await openPgliteClient(opts.dataDir, { limits });
    const storage = new SqlStorage('pglite', client);
    await storage.migrate();
    // one database on this thread: a reader on another thread queries it through a port served here
    storage.sqlAccess = () => {
      const { port1, port2 } = new MessageChannel();
      serveSqlOverPort(client, port1);
      port1.unref();
      return { log: { port: port2 }, store: { port: port2 } };
    };
    return storage;
  }
  // Two databases on two threads: the log (appends, replay reads) and the store (rollups, checkpoints,
  // dead letters). A checkpoint commit then never holds up an append: ingest latency does not wait for
  // the slow path. Exactly-once does not need them in one transaction: the store's checkpoint records
  // the log position its rollups cover, and recovery replays the log after it.
  const logDir = opts.dataDir && join(opts.dataDir, 'log');
  const storeDir = opts.dataDir && join(opts.dataDir, 'store');
  const wasmModule = await compilePglite();
  if (logDir && storeDir) await createMissing([logDir, storeDir], wasmModule, limits);
  // Only the store updates rows (rollups, checkpoints): it is the one that needs vacuuming.
  const [log, store] = await Promise.all([
    openOnWorker(logDir, 'log', wasmModule, limits, { summarizeEveryMs: LOG_UPKEEP_EVERY_MS }),
    openOnWorker(storeDir, 'store', wasmModule, limits, { vacuumEveryMs: opts.vacuumEveryMs ?? STORE_VACUUM_EVERY_MS, lowPriority: true }),
  ]);
  const storage = { backend: 'pglite' } as Record<string, unknown>;
  for (const m of METHODS) {
    const target = LOG_METHODS.has(m) ? log : store;
    storage[m] = (...args: unknown[]) => (target[m] as (...a: unknown[]) => unknown)(...args);
  }
  storage.threadMemory = (): ThreadMemory[] => [...log.threadMemory!(), ...store.threadMemory!()];
  storage.ping = async () => {
    await Promise.all([log.ping(), store.ping()]);
  };
  storage.close = async () => {
    await Promise.all([log.close(), store.close()]);
  };
  storage.sqlAccess = (): SqlAccess => ({ log: { port: connectTo(log) }, store: { port: connectTo(store) } });
  storage.historyAccess = (): HistoryAccess => ({ callPort: (store as unknown as { serve(): MessagePort }).serve() });
  return storage as unknown as Storage;
}

/** See worker.ts: the store's dead row versions are reclaimed this often. */
const STORE_VACUUM_EVERY_MS = 5 * 60_000;
/** A new port to the database thread behind `db` (see sqlAccess). */
const connectTo = (db: Storage) => (db as unknown as { connect(): MessagePort }).connect();

// The archive's record (archived_days) lives in the log's database, beside the events it replaces: a
// day's removal and its record are then one transaction.
const LOG_METHODS: ReadonlySet<string> = new Set([
  'append', 'readLog', 'readEventsByTime', 'readAppealEvents',
  'listLogDays', 'describeLogDay', 'holdLogDay', 'listHeldDays', 'readHeldDay', 'removeHeldDay', 'listArchivedDays',
]);

/** pglite.wasm compiled once: the threads share the module (and its machine code) instead of each compiling it. */
async function compilePglite(): Promise<WebAssembly.Module> {
  return WebAssembly.compile(await readFile(join(pgliteDist(), 'pglite.wasm')));
}

/**
 * Creates the databases that do not exist yet as copies of the template (see template.ts). Without a
 * built one, a template is made first in the data directory, on a thread that is then ended: initdb
 * leaves PGlite's WebAssembly memory at several hundred MB, and WebAssembly memory never shrinks.
 */
async function createMissing(dirs: string[], wasmModule: WebAssembly.Module, limits: PgliteMemoryLimits): Promise<void> {
  const missing = dirs.filter((d) => !hasDatabase(d));
  if (missing.length === 0) return;
  let template = BUILT_TEMPLATE_DIR;
  let scratch: string | undefined;
  if (!isUsableTemplate(template)) {
    template = scratch = join(dirname(missing[0]), '.template');
    await makeTemplate(scratch, async (tmp) => (await openOnWorker(tmp, 'initdb', wasmModule, limits)).close());
  }
  try {
    for (const d of missing) copyTemplate(template, d);
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

type Reply = { id: number; result?: unknown; error?: { name?: string; message: string; stack?: string; sqlState?: string } };

/**
 * PGlite on a worker thread of its own, within `limits`: PostgreSQL's settings and the
 * WebAssembly memory are capped inside the thread (client.ts), V8's heap by the thread's resourceLimits.
 * A thread that ends on its own (its heap ran over the cap with a large query result, or PGlite hit a
 * fatal error) fails the calls it had, and a database on disk is opened again on a new thread, as after
 * a crash: the next calls wait for it. A database in memory is gone with its thread: every call fails.
 */
async function openOnWorker(
  dataDir: string | undefined,
  name: string,
  wasmModule: WebAssembly.Module,
  limits: PgliteMemoryLimits,
  maintenance: { vacuumEveryMs?: number; summarizeEveryMs?: number; lowPriority?: boolean } = {},
): Promise<Storage> {
  let nextId = 1;
  let failed: Error | null = null;
  let closing = false;
  let memory: Omit<ThreadMemory, 'thread'> | null = null;

  const start = async (): Promise<{ worker: Worker; pending: Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }> }> => {
    const options = { workerData: { dataDir, wasmModule, limits, ...maintenance }, resourceLimits: { maxOldGenerationSizeMb: limits.workerHeapMb } };
    const worker = startModuleWorker(import.meta.url, 'worker', options);
    const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
    let opened: (err?: Error) => void = () => {};
    const ready = new Promise<void>((resolve, reject) => (opened = (err) => (err ? reject(err) : resolve())));
    worker.on('message', (m: Reply | { memory: Omit<ThreadMemory, 'thread'>; ready?: boolean; error?: string }) => {
      if ('memory' in m) memory = m.memory;
      if ('ready' in m) return opened(m.ready ? undefined : new Error(`PGlite failed to open: ${m.error}`));
      if (!('id' in m)) return;
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.error?.sqlState === SQLSTATE_OUT_OF_MEMORY) p.reject(new StorageMemoryError(`the ${name} database: ${m.error.message}`));
      // the archive's refusal keeps its kind across the thread: the caller reports it as a refusal, not a failure
      else if (m.error?.name === 'ArchiveMismatchError') p.reject(Object.assign(new ArchiveMismatchError(m.error.message), { stack: m.error.stack }));
      else if (m.error) p.reject(Object.assign(new Error(m.error.message), { stack: m.error.stack }));
      else p.resolve(m.result);
    });
    let lastError: Error | null = null;
    let isOpen = false;
    worker.on('error', (err) => {
      lastError = err;
      opened(err);
    });
    worker.on('exit', (code) => {
      const why = `the ${name} database's thread ended (${lastError ? lastError.message : `exit code ${code}`})`;
      const err = (lastError as { code?: string } | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new StorageMemoryError(why) : new Error(why);
      opened(err); // no effect once it has opened
      for (const p of pending.values()) p.reject(err);
      pending.clear();
      if (!isOpen || closing) return;
      if (!dataDir) return void (failed ??= err);
      // A thread that cannot be started again leaves nothing to answer: fail every call, now and later.
      current = start();
      current.catch((e: Error) => (failed ??= new Error(`${err.message}; opening it again failed: ${e.message}`)));
    });
    try {
      await ready;
    } catch (err) {
      await worker.terminate();
      throw err;
    }
    isOpen = true;
    return { worker, pending };
  };
  let current = start();
  await current;

  const call = async (method: string, args: unknown[]): Promise<unknown> => {
    for (;;) {
      if (failed) throw failed;
      const { worker, pending } = await current;
      if (worker.threadId < 0) continue; // ended since: its replacement is on the way
      return new Promise<unknown>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, method, args });
      });
    }
  };

  const storage = { backend: 'pglite' } as Record<string, unknown>;
  for (const m of METHODS) storage[m] = (...args: unknown[]) => call(m, args);
  storage.ping = () => call('ping', []);
  storage.threadMemory = (): ThreadMemory[] => (memory ? [{ thread: name, ...memory }] : []);
  storage.close = async () => {
    closing = true;
    await call('close', []);
    await (await current).worker.terminate();
    // a call after this must fail, not wait for a thread that will never come back
    failed ??= new Error(`the ${name} database is closed`);
  };
  // Ports for another thread, served by the thread now running (messages wait on the port until then):
  // `connect`, plain SQL for a reader (verify); `serve`, read-only storage calls (the history thread).
  const portFor = (kind: 'connect' | 'serve') => {
    const { port1, port2 } = new MessageChannel();
    void current.then(({ worker }) => worker.postMessage({ [kind]: port1 }, [port1]));
    return port2;
  };
  storage.connect = () => portFor('connect');
  storage.serve = () => portFor('serve');
  return storage as unknown as Storage;
}
