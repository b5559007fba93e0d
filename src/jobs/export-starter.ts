/**
 * Starts an export job's work: on an export thread reading the store through its own connection (or
 * port), after a checkpoint so that the store holds everything counted so far. A store with no way for
 * a thread to read it (the embedded store kept on the main thread, in tests) runs it here instead.
 */
import { statSync } from 'node:fs';
import { startModuleWorker } from '../runtime/module-worker.js';
import type { HistoryEndpoint } from '../history/reads.js';
import type { Storage } from '../storage/storage.js';
import { runExport } from './export-run.js';
import type { ExportMessage } from './export-thread.js';
import type { StartWork } from './job-book.js';

/** V8 heap of an export thread: a slice's rows at most (see export-run.ts). */
const EXPORT_HEAP_MB = 512;

export function exportStarter(storage: Storage, commit: () => Promise<void>): StartWork {
  return async (job, path, onProgress) => {
    if (job.spec.kind !== 'export') throw new Error(`not an export: ${job.spec.kind}`);
    await commit();
    const { kind: _kind, ...work } = job.spec;
    const spec = { ...work, path };
    const endpoint = endpointOf(storage);
    if (!endpoint) {
      let cancelled = false;
      const done = runExport(storage, spec, onProgress, () => cancelled).then(({ rows }) => ({ rows, bytes: statSync(path).size }));
      return { done, cancel: () => (cancelled = true) };
    }
    const transferList = 'callPort' in endpoint ? [endpoint.callPort] : [];
    const worker = startModuleWorker(import.meta.url, 'export-thread', { workerData: { access: endpoint, spec }, transferList, resourceLimits: { maxOldGenerationSizeMb: EXPORT_HEAP_MB } });
    const done = new Promise<{ rows: number; bytes: number }>((resolve, reject) => {
      worker.on('message', (m: ExportMessage) => {
        if (m.type === 'progress') onProgress({ fraction: m.fraction, rows: m.rows });
        else if (m.type === 'done') {
          try {
            resolve({ rows: m.rows, bytes: statSync(path).size });
          } catch (err) {
            reject(err as Error); // the file went meanwhile (the job was cancelled)
          }
        }
        else reject(new Error(m.message));
        if (m.type !== 'progress') void worker.terminate();
      });
      worker.on('error', (err: Error & { code?: string }) =>
        reject(err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new Error(`the export needed more than its thread's ${EXPORT_HEAP_MB} MB; narrow the grouping or widen the interval`) : err),
      );
      worker.on('exit', (code) => reject(new Error(`the export thread stopped (exit code ${code})`)));
    });
    return { done, cancel: () => void worker.terminate() };
  };
}

function endpointOf(storage: Storage): HistoryEndpoint | null {
  const access = storage.historyAccess?.();
  if (access) return access;
  const store = storage.sqlAccess?.().store;
  return store && 'clickhouseUrl' in store ? { clickhouseUrl: store.clickhouseUrl } : null;
}
