import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Lowers the scheduling priority of the calling thread alone (Linux: a thread is a task with an id of its
 * own, and setpriority on that id leaves the process's other threads as they were). The slow path's
 * threads (history queries, verify) call it so that, when the cores are all busy, the kernel gives the
 * live path (the main thread and the log's thread) the CPU first: a heavy report then takes longer
 * instead of delaying ingest and the live stream. Returns whether it could (elsewhere it does nothing).
 */
export function lowerThisThreadPriority(niceness = slowPathNiceness()): boolean {
  if (niceness === 0) return false;
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

/**
 * The slow path's niceness: CCPULSE_SLOW_PATH_NICENESS (a whole number from 0, which leaves the threads
 * as they are, to 19), else 10. An environment knob, because the threads read it themselves when they
 * start: on a machine that runs nothing but ccpulse the default is right; the test suite sets 0, since
 * there two suites' servers share two cores and a slow-path thread at nice 10 waits behind the other
 * suite rather than behind its own live path (the priority itself is tested here and measured by
 * `npm run bench`). `ccpulse start` refuses a value that is not such a number (checkSlowPathNiceness).
 */
export function slowPathNiceness(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.CCPULSE_SLOW_PATH_NICENESS;
  if (raw === undefined || raw === '') return SLOW_PATH_NICENESS;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 && n <= 19 ? n : SLOW_PATH_NICENESS;
}

/** The message for a CCPULSE_SLOW_PATH_NICENESS that is not a whole number from 0 to 19, if it is not. */
export function checkSlowPathNiceness(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = env.CCPULSE_SLOW_PATH_NICENESS;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw.trim() === '' ? NaN : raw);
  return Number.isInteger(n) && n >= 0 && n <= 19 ? undefined : `CCPULSE_SLOW_PATH_NICENESS: must be a whole number from 0 to 19, got ${JSON.stringify(raw)}`;
}
