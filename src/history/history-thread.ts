import { startModuleWorker } from '../runtime/module-worker.js';
import { WorkerCalls } from '../runtime/worker-calls.js';
import { TooManyRowsError } from '../metrics/history.js';
import { SQLSTATE_OUT_OF_MEMORY, StorageMemoryError } from '../storage/pglite/memory-limits.js';
import type { HistoryAccess } from '../storage/storage.js';
import type { HistoryRequest } from './answer.js';

export type HistoryReply = { id: number; json: string } | { id: number; error: { message: string; tooManyRows: boolean; sqlState?: string } };

/** V8 heap of the history thread: a bigger answer than this ends the thread (503 for that request), never the process. */
const HISTORY_HEAP_MB = 256;

/**
 * The history thread, seen from the main thread: started on the first question and kept, started again
 * after it failed. Questions may overlap; each is answered on its own. The answer arrives as a JSON
 * string: the main thread only sends it.
 */
export class HistoryThread {
  private readonly calls: WorkerCalls<HistoryReply, string>;

  constructor(access: () => HistoryAccess) {
    this.calls = new WorkerCalls<HistoryReply, string>({
      name: 'history',
      start: () => {
        const a = access();
        const transferList = 'callPort' in a ? [a.callPort] : [];
        return startModuleWorker(import.meta.url, 'thread', { workerData: { access: a }, transferList, resourceLimits: { maxOldGenerationSizeMb: HISTORY_HEAP_MB } });
      },
      settle: (m) => {
        if ('json' in m) return { value: m.json };
        if (m.error.tooManyRows) return { error: new TooManyRowsError(m.error.message) };
        if (m.error.sqlState === SQLSTATE_OUT_OF_MEMORY) return { error: new StorageMemoryError(`the store database: ${m.error.message}`) };
        // a reader cut off from its store (the store's thread was started again) needs new access
        return { error: new Error(m.error.message), restart: /closed the connection/.test(m.error.message) };
      },
      crashed: (err) =>
        err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new StorageMemoryError(`the answer needed more than the history thread's ${HISTORY_HEAP_MB} MB; narrow the range or the grouping`) : err,
    });
  }

  answer(request: HistoryRequest): Promise<string> {
    return this.calls.call((id) => ({ id, request }));
  }

  /** Stops the thread; questions still in flight fail (a caller holding a lock for one must not wait forever). */
  close(): Promise<void> {
    return this.calls.close();
  }
}
