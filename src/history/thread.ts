/**
 * The history thread: answers GET /v1/metrics from the store and serializes the answer here, so that
 * neither the rows the store returns nor the work of turning them into metrics and JSON takes the event
 * loop that serves ingest and the live stream. It reads through its own connections to PostgreSQL, or
 * through a port to the embedded store's thread; its priority is lowered (the slow path yields the CPU).
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { TooManyRowsError } from '../metrics/history.js';
import { lowerThisThreadPriority } from '../runtime/thread-priority.js';
import type { HistoryAccess } from '../storage/storage.js';
import { answerHistory, type HistoryReads, type HistoryRequest } from './answer.js';
import type { HistoryReply } from './history-thread.js';

lowerThisThreadPriority();

const port = parentPort!;
const access = (workerData as { access: HistoryAccess }).access;

/** Storage calls over a port served by the embedded store's thread (see pglite/worker.ts serveCalls). */
function callsOverPort(p: MessagePort): HistoryReads {
  const pending = new Map<number, { resolve: (v: never) => void; reject: (e: Error) => void }>();
  let next = 1;
  p.on('message', (m: { id: number; result?: unknown; error?: { message: string; sqlState?: string } }) => {
    const call = pending.get(m.id);
    if (!call) return;
    pending.delete(m.id);
    if (m.error) call.reject(Object.assign(new Error(m.error.message), { sqlState: m.error.sqlState }));
    else call.resolve(m.result as never);
  });
  p.on('close', () => {
    for (const call of pending.values()) call.reject(new Error('the store’s thread closed the connection'));
    pending.clear();
  });
  const call = <T>(method: string, args: unknown[]) =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve: resolve as (v: never) => void, reject });
      p.postMessage({ id, method, args });
    });
  return { queryHistory: (q, cells) => call('queryHistory', [q, cells]), qaLevels: (q) => call('qaLevels', [q]) };
}

const reads: Promise<HistoryReads> = 'callPort' in access
  ? Promise.resolve(callsOverPort(access.callPort))
  : import('../storage/postgres/client.js').then(({ openPostgresReader }) => openPostgresReader(access.postgresUrl));

port.on('message', async ({ id, request }: { id: number; request: HistoryRequest }) => {
  let reply: HistoryReply;
  try {
    reply = { id, json: await answerHistory(await reads, request) };
  } catch (err) {
    const e = err as Error & { sqlState?: string; code?: string };
    reply = { id, error: { message: e.message, tooManyRows: err instanceof TooManyRowsError, sqlState: e.sqlState ?? (typeof e.code === 'string' ? e.code : undefined) } };
  }
  port.postMessage(reply);
});
