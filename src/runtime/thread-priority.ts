import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Lowers the scheduling priority of the calling thread alone (Linux: a thread is a task with an id of its
 * own, and setpriority on that id leaves the process's other threads as they were). The slow path's
 * threads (history queries, verify) call it so that, when the cores are all busy, the kernel gives the
 * live path (the main thread and the log's thread) the CPU first: a heavy report then takes longer
 * instead of delaying ingest and the live stream. Returns whether it could (elsewhere it does nothing).
 */
export function lowerThisThreadPriority(niceness = SLOW_PATH_NICENESS): boolean {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, niceness);
    return true;
  } catch {
    return false; // not Linux, or not allowed: the threads share the CPU as before
  }
}

/** Nice 10: about a tenth of a busy core's share against a thread at 0 when both want it all. */
export const SLOW_PATH_NICENESS = 10;
