import { Worker, type MessagePort } from 'node:worker_threads';
import type { SqlAccess } from '../storage/storage.js';
import type { StreamSnapshot, VerifyRangeOptions, VerifyRangeResult } from './verify-range.js';
import type { ToMain, ToWorker, VerifyWorkerInput } from './worker-protocol.js';

/** The defaults of a verify run (see VerifyRangeOptions); tests pass smaller pages. */
export const VERIFY_DEFAULTS = {
  chunkMs: 30 * 60_000,
  pageSize: 2_000,
  appealBatch: 500,
  maxDifferences: 1_000,
  /** V8 heap of the verify thread: past it the thread ends (the check fails with a message), never the process. */
  maxHeapMb: 192,
} as const;

/** The verify thread ran out of its memory, or failed: the check could not be made. */
export class VerifyFailedError extends Error {
  override name = 'VerifyFailedError';
}

/**
 * Runs verifyRange on a worker thread of its own, answering its requests for the stream side of each
 * chunk with `snapshot` (which runs here, on the main thread, where the live state is).
 */
export function verifyOnWorker(
  access: SqlAccess,
  options: VerifyRangeOptions,
  snapshot: (from: number, to: number) => Promise<StreamSnapshot>,
  maxHeapMb: number = VERIFY_DEFAULTS.maxHeapMb,
): Promise<VerifyRangeResult> {
  const input: VerifyWorkerInput = { access, options: { ...options, timeouts: { channels: [...options.timeouts.channels], defaultMs: options.timeouts.defaultMs } } };
  const ports = [...new Set([access.log, access.store].flatMap((e) => ('port' in e ? [e.port] : [])))] as MessagePort[];
  // Under the test runner the sources are TypeScript: the thread registers tsx before loading them.
  const isTs = import.meta.url.endsWith('.ts');
  const entry = new URL(isTs ? './thread.ts' : './thread.js', import.meta.url);
  const workerOpts = { workerData: input, transferList: ports, resourceLimits: { maxOldGenerationSizeMb: maxHeapMb } };
  const worker = isTs
    ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`, { eval: true, ...workerOpts })
    : new Worker(entry, workerOpts);
  return new Promise<VerifyRangeResult>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.on('message', (m: ToMain) => {
      if (m.kind === 'snapshot') {
        snapshot(m.from, m.to).then(
          (s) => worker.postMessage({ id: m.id, snapshot: s } satisfies ToWorker),
          (err: Error) => settle(() => reject(err)),
        );
      } else if (m.kind === 'done') settle(() => resolve(m.result));
      else settle(() => reject(new VerifyFailedError(`verify failed: ${m.message}`)));
    });
    worker.on('error', (err: Error & { code?: string }) =>
      settle(() =>
        reject(
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new VerifyFailedError(`verify needed more than its ${maxHeapMb} MB of memory; verify a shorter range`)
            : new VerifyFailedError(`verify failed: ${err.message}`),
        ),
      ),
    );
    worker.on('exit', (code) => settle(() => reject(new VerifyFailedError(`verify thread exited (code ${code}) before answering`))));
  });
}
