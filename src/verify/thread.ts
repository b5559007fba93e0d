/**
 * The verify worker thread: runs verifyRange with its own access to the databases (a connection of its
 * own to PostgreSQL, or ports to the PGlite threads), so that neither the recomputation nor the rows it
 * reads touch the main thread. Only the stream side of each chunk comes from the main thread, which
 * holds the live state.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { sqlOverPort } from '../storage/sql-port.js';
import type { SqlEndpoint } from '../storage/storage.js';
import type { Db } from './log-reads.js';
import { verifyRange, type StreamSnapshot } from './verify-range.js';
import type { VerifyWorkerInput, ToMain, ToWorker } from './worker-protocol.js';

const input = workerData as VerifyWorkerInput;
const port = parentPort!;
const waiting = new Map<number, (s: StreamSnapshot) => void>();
let nextId = 1;
port.on('message', (m: ToWorker) => {
  waiting.get(m.id)?.(m.snapshot);
  waiting.delete(m.id);
});
const send = (m: ToMain) => port.postMessage(m);

const closers: Array<() => Promise<void> | void> = [];
async function open(endpoint: SqlEndpoint, cache: Map<unknown, Db>): Promise<Db> {
  const key = 'port' in endpoint ? endpoint.port : endpoint.postgresUrl;
  const known = cache.get(key);
  if (known) return known;
  let db: Db;
  if ('port' in endpoint) {
    const c = sqlOverPort(endpoint.port);
    closers.push(() => c.close());
    db = c;
  } else {
    const { default: postgres } = await import('postgres');
    const sql = postgres(endpoint.postgresUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
    closers.push(() => sql.end({ timeout: 5 }));
    db = { query: async <T>(text: string, params: unknown[] = []) => (await sql.unsafe(text, params as never[])) as unknown as T[] };
  }
  cache.set(key, db);
  return db;
}

try {
  const cache = new Map<unknown, Db>();
  const log = await open(input.access.log, cache);
  const store = await open(input.access.store, cache);
  const result = await verifyRange(
    {
      log,
      store,
      snapshot: (from, to) =>
        new Promise((resolve) => {
          const id = nextId++;
          waiting.set(id, resolve);
          send({ kind: 'snapshot', id, from, to });
        }),
    },
    { ...input.options, timeouts: { channels: new Map(input.options.timeouts.channels), defaultMs: input.options.timeouts.defaultMs } },
  );
  send({ kind: 'done', result });
} catch (err) {
  send({ kind: 'failed', message: (err as Error).message });
} finally {
  // the main thread ends this thread once it has the answer
  for (const close of closers) await close();
}
