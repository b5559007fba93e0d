import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SqlStorage } from '../postgres/sql-storage.js';
import type { SqlAccess, Storage } from '../storage.js';
import { serveSqlOverPort } from '../sql-port.js';
import { openPgliteClient } from './client.js';

const METHODS = [
  'append', 'readLog', 'readEventsByTime', 'readAppealEvents', 'loadCheckpoint', 'commitCheckpoint', 'queryRollups', 'queryHistory', 'qaLevels',
  'listDeadLetters', 'getDeadLetter', 'deadLetteredSeqs', 'markDeadLettersReplayed',
] as const satisfies ReadonlyArray<keyof Storage>;

/**
 * The embedded backend: PGlite (PostgreSQL compiled to WASM) in the data directory, or in memory when
 * dataDir is undefined. With `thread: true` (what the server uses) the log and the store are two
 * databases, each on a worker thread of its own.
 */
export async function openPgliteStorage(opts: { dataDir?: string; thread?: boolean }): Promise<Storage> {
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  if (!opts.thread) {
    const client = await openPgliteClient(opts.dataDir);
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
  const [log, store] = await Promise.all([
    openFresh(opts.dataDir && join(opts.dataDir, 'log')),
    openFresh(opts.dataDir && join(opts.dataDir, 'store')),
  ]);
  const storage = { backend: 'pglite' } as Record<string, unknown>;
  for (const m of METHODS) {
    const target = LOG_METHODS.has(m) ? log : store;
    storage[m] = (...args: unknown[]) => (target[m] as (...a: unknown[]) => unknown)(...args);
  }
  storage.close = async () => {
    await Promise.all([log.close(), store.close()]);
  };
  storage.sqlAccess = (): SqlAccess => ({ log: { port: connectTo(log) }, store: { port: connectTo(store) } });
  return storage as unknown as Storage;
}

/** A new port to the database thread behind `db` (see sqlAccess). */
const connectTo = (db: Storage) => (db as unknown as { connect(): MessagePort }).connect();

const LOG_METHODS: ReadonlySet<string> = new Set(['append', 'readLog', 'readEventsByTime', 'readAppealEvents']);

/**
 * Creating a database (initdb) leaves PGlite's WASM memory at several hundred MB, and WASM memory
 * never shrinks. So a new database is created on a thread that is then ended, and opened again on a
 * fresh one: the first start costs a second more and the process keeps ~1 GB less.
 */
async function openFresh(dataDir: string | undefined): Promise<Storage> {
  if (dataDir && !existsSync(join(dataDir, 'PG_VERSION'))) await (await openOnWorker(dataDir)).close();
  return openOnWorker(dataDir);
}

async function openOnWorker(dataDir: string | undefined): Promise<Storage> {
  // Under the test runner the sources are TypeScript: the worker then registers tsx before loading them.
  const isTs = import.meta.url.endsWith('.ts');
  const entry = new URL(isTs ? './worker.ts' : './worker.js', import.meta.url);
  const worker = isTs
    ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`, { eval: true, workerData: { dataDir } })
    : new Worker(entry, { workerData: { dataDir } });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let failed: Error | null = null;

  await new Promise<void>((resolve, reject) => {
    worker.once('message', (m: { ready: boolean; error?: string }) => (m.ready ? resolve() : reject(new Error(`PGlite failed to open: ${m.error}`))));
    worker.once('error', reject);
  });
  worker.on('message', (m: { id: number; result?: unknown; error?: { message: string; stack?: string } }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.error) p.reject(Object.assign(new Error(m.error.message), { stack: m.error.stack }));
    else p.resolve(m.result);
  });
  const fail = (err: Error) => {
    failed ??= err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on('error', fail);
  // A database thread that ends on its own leaves nothing to answer: fail every call, now and later.
  worker.on('exit', (code) => fail(new Error(`PGlite thread exited (code ${code})`)));

  const call = (method: string, args: unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      if (failed) return reject(failed);
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, method, args });
    });

  const storage = { backend: 'pglite' } as Record<string, unknown>;
  for (const m of METHODS) storage[m] = (...args: unknown[]) => call(m, args);
  storage.close = async () => {
    await call('close', []);
    await worker.terminate();
  };
  storage.connect = () => {
    const { port1, port2 } = new MessageChannel();
    worker.postMessage({ connect: port1 }, [port1]);
    return port2;
  };
  return storage as unknown as Storage;
}
