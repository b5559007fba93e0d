import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../runtime/module-worker.js';
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
  private worker: Worker | null = null;
  private readonly waiting = new Map<number, { resolve: (json: string) => void; reject: (e: Error) => void }>();
  private nextId = 1;

  constructor(private readonly access: () => HistoryAccess) {}

  answer(request: HistoryRequest): Promise<string> {
    const worker = this.worker ?? this.start();
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, request });
    });
  }

  /** Stops the thread; questions still in flight fail (a caller holding a lock for one must not wait forever). */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    for (const q of this.waiting.values()) q.reject(new Error('the history thread was stopped'));
    this.waiting.clear();
    await w?.terminate();
  }

  private start(): Worker {
    const access = this.access();
    const transferList = 'callPort' in access ? [access.callPort] : [];
    const worker = startModuleWorker(import.meta.url, 'thread', { workerData: { access }, transferList, resourceLimits: { maxOldGenerationSizeMb: HISTORY_HEAP_MB } });
    worker.unref(); // an idle history thread does not keep the process alive
    worker.on('message', (m: HistoryReply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if ('json' in m) return w.resolve(m.json);
      if (m.error.tooManyRows) return w.reject(new TooManyRowsError(m.error.message));
      if (m.error.sqlState === SQLSTATE_OUT_OF_MEMORY) return w.reject(new StorageMemoryError(`the store database: ${m.error.message}`));
      w.reject(new Error(m.error.message));
      // a reader cut off from its store (the store's thread was started again) needs new access
      if (/closed the connection/.test(m.error.message)) this.fail(worker, new Error(m.error.message));
    });
    worker.on('error', (err: Error & { code?: string }) =>
      this.fail(worker, err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new StorageMemoryError(`the answer needed more than the history thread's ${HISTORY_HEAP_MB} MB; narrow the range or the grouping`) : err),
    );
    worker.on('exit', (code) => this.fail(worker, new Error(`the history thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  /** Every question in flight fails with `err`; the next one starts a new thread. */
  private fail(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    void worker.terminate();
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }
}
