import type { MessagePort, Worker } from 'node:worker_threads';
import { startModuleWorker } from '../runtime/module-worker.js';
import type { SqlAccess } from '../storage/storage.js';
import type { AppealsPageOptions, AppealsPageResult } from '../appeals/appeals-page.js';
import type { StreamSnapshot, VerifyRangeOptions, VerifyRangeResult } from './verify-range.js';
import type { ToMain, ToWorker, VerifyWorkerInput } from './worker-protocol.js';

/** The defaults of a verify run (see VerifyRangeOptions); tests pass smaller pages. */
export const VERIFY_DEFAULTS = {
  chunkMs: 30 * 60_000,
  pageSize: 1_000,
  appealBatch: 200,
  maxDifferences: 1_000,
  /** V8 heap of the verify thread: past it the thread ends (the check fails with a message), never the process. */
  maxHeapMb: 192,
} as const;

/** The verify thread ran out of its memory, or failed: the check could not be made. */
export class VerifyFailedError extends Error {
  override name = 'VerifyFailedError';
}

interface Run {
  resolve: (r: VerifyRangeResult | AppealsPageResult) => void;
  reject: (e: Error) => void;
  snapshot: (from: number, to: number) => Promise<StreamSnapshot>;
}

const noSnapshot = () => Promise.reject(new Error('a drill-down page asks for no stream side'));

/**
 * The verify thread, seen from the main thread: started on the first run and kept (runs may overlap;
 * each is answered on its own), restarted after it failed. Each run's requests for the stream side of a
 * chunk are answered here, on the main thread, where the live state is.
 */
export class VerifyThread {
  private worker: Worker | null = null;
  private readonly runs = new Map<number, Run>();
  private nextRun = 1;

  constructor(
    private readonly access: () => SqlAccess,
    private readonly maxHeapMb: number = VERIFY_DEFAULTS.maxHeapMb,
  ) {}

  /** One page of GET /v1/appeals (src/appeals/appeals-page.ts), on this thread: the same reads, the same memory cap. */
  appeals(options: AppealsPageOptions): Promise<AppealsPageResult> {
    const worker = this.worker ?? this.start();
    const run = this.nextRun++;
    return new Promise<AppealsPageResult>((resolve, reject) => {
      this.runs.set(run, { resolve: resolve as Run['resolve'], reject, snapshot: noSnapshot });
      worker.postMessage({ kind: 'appeals', run, options } satisfies ToWorker);
    });
  }

  run(options: VerifyRangeOptions, snapshot: Run['snapshot']): Promise<VerifyRangeResult> {
    const worker = this.worker ?? this.start();
    const run = this.nextRun++;
    return new Promise<VerifyRangeResult>((resolve, reject) => {
      this.runs.set(run, { resolve: resolve as Run['resolve'], reject, snapshot });
      const wire = { ...options, timeouts: { channels: [...options.timeouts.channels], defaultMs: options.timeouts.defaultMs } };
      worker.postMessage({ kind: 'run', run, options: wire } satisfies ToWorker);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    await w?.terminate();
  }

  private start(): Worker {
    const access = this.access();
    const input: VerifyWorkerInput = { access };
    const ports = [...new Set([access.log, access.store].flatMap((e) => ('port' in e ? [e.port] : [])))] as MessagePort[];
    const worker = startModuleWorker(import.meta.url, 'thread', { workerData: input, transferList: ports, resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb } });
    worker.unref(); // an idle verify thread does not keep the process alive
    worker.on('message', (m: ToMain) => {
      const run = this.runs.get(m.run);
      if (!run) return;
      if (m.kind === 'snapshot') {
        run.snapshot(m.from, m.to).then(
          (snapshot) => worker.postMessage({ kind: 'snapshot', id: m.id, snapshot } satisfies ToWorker),
          (err: Error) => this.fail(worker, err),
        );
        return;
      }
      this.runs.delete(m.run);
      if (m.kind === 'done' || m.kind === 'appeals') run.resolve(m.result);
      else run.reject(new VerifyFailedError(`verify failed: ${m.message}`));
    });
    worker.on('error', (err: Error & { code?: string }) =>
      this.fail(
        worker,
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new VerifyFailedError(`the verify thread needed more than its ${this.maxHeapMb} MB of memory; ask for a shorter range or a smaller page`)
          : new VerifyFailedError(`verify failed: ${err.message}`),
      ),
    );
    worker.on('exit', (code) => this.fail(worker, new VerifyFailedError(`the verify thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  /** Every run in progress fails with `err`; the thread is ended and the next run starts a new one. */
  private fail(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    void worker.terminate();
    for (const r of this.runs.values()) r.reject(err);
    this.runs.clear();
  }
}
