/**
 * The verify worker thread: runs verifyRange with its own access to the databases (a connection of its
 * own to PostgreSQL, or ports to the PGlite threads), so that neither the recomputation nor the rows it
 * reads touch the main thread. Only the stream side of each chunk comes from the main thread, which
 * holds the live state. The thread stays for the next run (starting one costs more than a small verify).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThisThreadPriority } from '../runtime/thread-priority.js';
import { sqlOverPort } from '../storage/sql-port.js';
import type { SqlAccess, SqlEndpoint } from '../storage/storage.js';
import { sqlVerifyReads, type Db, type VerifyReads } from './log-reads.js';
import { verifyRange, type StreamSnapshot } from './verify-range.js';
import type { ToMain, ToWorker, VerifyWorkerInput } from './worker-protocol.js';
import { appealsPage } from '../appeals/appeals-page.js';

// Verify is the slow path: when the cores are busy, ingest and the live stream go first.
lowerThisThreadPriority();

const input = workerData as VerifyWorkerInput;
const port = parentPort!;
const send = (m: ToMain) => port.postMessage(m);
const waiting = new Map<number, (s: StreamSnapshot) => void>();
let nextId = 1;

async function open(endpoint: SqlEndpoint, cache: Map<unknown, Db>): Promise<Db> {
  const key = 'port' in endpoint ? endpoint.port : 'postgresUrl' in endpoint ? endpoint.postgresUrl : endpoint.clickhouseUrl;
  const known = cache.get(key);
  if (known) return known;
  let db: Db;
  if ('port' in endpoint) db = sqlOverPort(endpoint.port);
  else if ('postgresUrl' in endpoint) {
    const { default: postgres } = await import('postgres');
    const sql = postgres(endpoint.postgresUrl, { max: 1, onnotice: () => {}, connect_timeout: 5, idle_timeout: 30 });
    db = { query: async <T>(text: string, params: unknown[] = []) => (await sql.unsafe(text, params as never[])) as unknown as T[] };
  } else throw new Error('a ClickHouse database is read by its own readers');
  cache.set(key, db);
  return db;
}

/** Verify's reads on the databases the thread was given. */
async function readsOf(access: SqlAccess): Promise<VerifyReads> {
  if ('clickhouseUrl' in access.log) {
    const { clickhouseVerifyReads } = await import('../storage/clickhouse/verify-reads.js');
    return clickhouseVerifyReads(access.log.clickhouseUrl);
  }
  const cache = new Map<unknown, Db>();
  return sqlVerifyReads(await open(access.log, cache), await open(access.store, cache));
}
const reads = readsOf(input.access);

port.on('message', async (m: ToWorker) => {
  if (m.kind === 'snapshot') {
    waiting.get(m.id)?.(m.snapshot);
    waiting.delete(m.id);
    return;
  }
  if (m.kind === 'appeals') {
    try {
      send({ kind: 'appeals', run: m.run, result: await appealsPage(await reads, m.options) });
    } catch (err) {
      send({ kind: 'failed', run: m.run, message: (err as Error).message });
    }
    return;
  }
  const { run, options } = m;
  try {
    const verifyReads = await reads;
    const snapshot = (from: number, to: number) =>
      new Promise<StreamSnapshot>((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        send({ kind: 'snapshot', run, id, from, to });
      });
    const timeouts = { channels: new Map(options.timeouts.channels), defaultMs: options.timeouts.defaultMs };
    send({ kind: 'done', run, result: await verifyRange({ reads: verifyReads, snapshot }, { ...options, timeouts }) });
  } catch (err) {
    send({ kind: 'failed', run, message: (err as Error).message });
  }
});
