/**
 * The export thread: one export (export-run.ts) on a thread of its own, at a lowered priority, reading
 * the store through its own connection; the main thread only hears its progress.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThisThreadPriority } from '../runtime/thread-priority.js';
import { openHistoryReads, type HistoryEndpoint } from '../history/reads.js';
import { runExport, type ExportSpec } from './export-run.js';

export type ExportMessage = { type: 'progress'; fraction: number; rows: number } | { type: 'done'; rows: number } | { type: 'error'; message: string };

lowerThisThreadPriority();

const { access, spec } = workerData as { access: HistoryEndpoint; spec: ExportSpec };
const port = parentPort!;

try {
  const reads = await openHistoryReads(access);
  let last = 0;
  const { rows } = await runExport(reads, spec, (p) => {
    // at most a few progress messages a second
    const now = Date.now();
    if (now - last < 250) return;
    last = now;
    port.postMessage({ type: 'progress', ...p } satisfies ExportMessage);
  });
  port.postMessage({ type: 'done', rows } satisfies ExportMessage);
} catch (err) {
  port.postMessage({ type: 'error', message: (err as Error).message } satisfies ExportMessage);
}
