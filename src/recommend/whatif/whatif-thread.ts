import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../runtime/module-worker.js';
import { OverloadedError } from '../../stream/event-log.js';
import type { WhatIfRequest } from './thread.js';
import type { WhatIfResult } from './whatif.js';

/** Questions a what-if thread takes at once; beyond them, a fast 503 (each takes up to a second of CPU). */
const MAX_PENDING = 2;
const HEAP_MB = 256;

/** The what-if thread, seen from the main thread: started on the first question, kept, started again after a failure. */
export class WhatIfThread {
  private worker: Worker | null = null;
  private readonly waiting = new Map<number, { resolve: (r: WhatIfResult) => void; reject: (e: Error) => void }>();
  private nextId = 1;

  run(request: Omit<WhatIfRequest, 'id'>): Promise<WhatIfResult> {
    if (this.waiting.size >= MAX_PENDING) return Promise.reject(new OverloadedError('what-if simulations are busy; try again in a second', 1));
    const worker = this.worker ?? this.start();
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, ...request });
    });
  }

  /** Stops the thread; questions still in flight fail (a caller holding a lock for one must not wait forever). */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    for (const q of this.waiting.values()) q.reject(new Error('the what-if thread was stopped'));
    this.waiting.clear();
    await w?.terminate();
  }

  private start(): Worker {
    const worker = startModuleWorker(import.meta.url, 'thread', { resourceLimits: { maxOldGenerationSizeMb: HEAP_MB } });
    worker.unref();
    worker.on('message', (m: { id: number; result?: WhatIfResult; error?: string }) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.result) w.resolve(m.result);
      else w.reject(new Error(m.error));
    });
    worker.on('error', (err) => this.fail(worker, err));
    worker.on('exit', (code) => this.fail(worker, new Error(`the what-if thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private fail(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    void worker.terminate();
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }
}
