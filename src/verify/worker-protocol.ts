import type { SqlAccess } from '../storage/storage.js';
import type { StreamSnapshot, VerifyRangeOptions, VerifyRangeResult } from './verify-range.js';

/** What the verify thread is started with (structured-cloneable: the timeouts as entries, not a Map). */
export interface VerifyWorkerInput {
  access: SqlAccess;
  options: Omit<VerifyRangeOptions, 'timeouts'> & { timeouts: { channels: Array<[string, number]>; defaultMs: number } };
}

/** The verify thread asks for each chunk's stream side, then answers once. */
export type ToMain =
  | { kind: 'snapshot'; id: number; from: number; to: number }
  | { kind: 'done'; result: VerifyRangeResult }
  | { kind: 'failed'; message: string };

export interface ToWorker {
  id: number;
  snapshot: StreamSnapshot;
}
