/**
 * The history thread: answers GET /v1/metrics from the store and serializes the answer here, so that
 * neither the rows the store returns nor the work of turning them into metrics and JSON takes the event
 * loop that serves ingest and the live stream. It reads through its own connections to PostgreSQL, or
 * through a port to the embedded store's thread; its priority is lowered (the slow path yields the CPU).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TooManyRowsError } from '../metrics/history.js';
import { lowerThisThreadPriority } from '../runtime/thread-priority.js';
import type { HistoryAccess } from '../storage/storage.js';
import { answerHistory, type HistoryReads, type HistoryRequest } from './answer.js';
import type { HistoryReply } from './history-thread.js';
import { openHistoryReads } from './reads.js';

lowerThisThreadPriority();

const port = parentPort!;
const access = (workerData as { access: HistoryAccess }).access;

const reads: Promise<HistoryReads> = openHistoryReads(access);

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
