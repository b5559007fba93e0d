import type { SqlAccess } from '../storage/storage.js';
import type { AppealsPageOptions, AppealsPageResult } from '../appeals/appeals-page.js';
import type { StreamSnapshot, VerifyRangeOptions, VerifyRangeResult } from './verify-range.js';

/** What the verify thread is started with: how to reach the databases (opened once, kept for every run). */
export interface VerifyWorkerInput {
  access: SqlAccess;
}

/** One run's options, structured-cloneable (the timeouts as entries, not a Map). */
export type WireOptions = Omit<VerifyRangeOptions, 'timeouts'> & { timeouts: { channels: Array<[string, number]>; defaultMs: number } };

/**
 * The verify thread asks for each chunk's stream side, then answers once per run. A drill-down page
 * (GET /v1/appeals, src/appeals/) is a run too: it reads the same log the same way, and needs nothing
 * from the main thread once started.
 */
export type ToMain =
  | { kind: 'snapshot'; run: number; id: number; from: number; to: number }
  | { kind: 'done'; run: number; result: VerifyRangeResult }
  | { kind: 'appeals'; run: number; result: AppealsPageResult }
  | { kind: 'failed'; run: number; message: string };

export type ToWorker =
  | { kind: 'run'; run: number; options: WireOptions }
  | { kind: 'appeals'; run: number; options: AppealsPageOptions }
  | { kind: 'snapshot'; id: number; snapshot: StreamSnapshot };
