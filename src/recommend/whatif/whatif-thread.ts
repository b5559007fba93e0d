import { startModuleWorker } from '../../runtime/module-worker.js';
import { WorkerCalls } from '../../runtime/worker-calls.js';
import { OverloadedError } from '../../stream/event-log.js';
import type { WhatIfRequest } from './thread.js';
import type { WhatIfResult } from './whatif.js';

/** Questions a what-if thread takes at once; beyond them, a fast 503 (each takes up to a second of CPU). */
const MAX_PENDING = 2;
const HEAP_MB = 256;

type Reply = { id: number; result?: WhatIfResult; error?: string };

/** The what-if thread, seen from the main thread: started on the first question, kept, started again after a failure. */
export class WhatIfThread {
  private readonly calls = new WorkerCalls<Reply, WhatIfResult>({
    name: 'what-if',
    start: () => startModuleWorker(import.meta.url, 'thread', { resourceLimits: { maxOldGenerationSizeMb: HEAP_MB } }),
    settle: (m) => (m.result ? { value: m.result } : { error: new Error(m.error) }),
    crashed: (err) => err,
  });

  run(request: Omit<WhatIfRequest, 'id'>): Promise<WhatIfResult> {
    if (this.calls.pending >= MAX_PENDING) return Promise.reject(new OverloadedError('what-if simulations are busy; try again in a second', 1));
    return this.calls.call((id) => ({ id, ...request }));
  }

  /** Stops the thread; questions still in flight fail. */
  close(): Promise<void> {
    return this.calls.close();
  }
}
