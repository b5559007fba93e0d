/**
 * Starts a job's work by its kind: an export on its export thread (export-starter.ts), or a verify of
 * the range on the verify thread, its answer written as JSON.
 */
import { writeFile } from 'node:fs/promises';
import type { Storage } from '../storage/storage.js';
import { exportStarter } from './export-starter.js';
import type { StartWork } from './job-book.js';

/** The verify a job runs: the engine's (src/verify), whose answer is written to the job's file as it comes. */
export type RunVerify = (tenant: string, from: number, to: number) => Promise<unknown>;

export function jobStarter(storage: Storage, commit: () => Promise<void>, verify: RunVerify): StartWork {
  const startExport = exportStarter(storage, commit);
  return async (job, path, onProgress) => {
    if (job.spec.kind === 'export') return startExport(job, path, onProgress);
    const { tenant, from, to } = job.spec;
    // the verify thread cannot be stopped mid-range: a cancelled verify runs out, and its answer is dropped
    let cancelled = false;
    const done = verify(tenant, from, to).then(async (answer) => {
      if (cancelled) throw new Error('cancelled');
      const text = JSON.stringify(answer);
      await writeFile(path, text);
      onProgress({ fraction: 1, rows: 0 });
      return { rows: 0, bytes: Buffer.byteLength(text) };
    });
    return { done, cancel: () => (cancelled = true) };
  };
}
