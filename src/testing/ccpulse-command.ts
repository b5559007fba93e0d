import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * How the suites run the real `ccpulse` command: `node dist/cli/main.js`, as `npm start` does, when the
 * build is newer than every source file it is made from; otherwise from the sources through tsx. The
 * built one starts in a third of the CPU (no transpiling loader in the process and each of its threads:
 * ~8 s against ~19 s of CPU for a `start`, measured with /proc/PID/stat), which on two cores is most of
 * what the suite's hundreds of server starts cost. A stale build is never used: the sources are.
 */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = path.join(ROOT, 'src');
/** The built command, as `npm start` runs it. */
export const BUILT_CLI = path.join(ROOT, 'dist/cli/main.js');
const FROM_SOURCES = ['--import', 'tsx', path.join(SRC, 'cli/main.ts')];

/**
 * The one decision for a test run, made by vitest.config.ts and handed to every test process in
 * CCPULSE_RUN_BUILT (runtime/module-worker.ts reads it too, for worker threads); made here when absent.
 */
const runBuilt = () => (process.env.CCPULSE_RUN_BUILT ?? (builtIsFresh() ? '1' : '0')) === '1';

let chosen: string[] | undefined;

/** The arguments to give `process.execPath` before ccpulse's own. */
export function ccpulseCommand(): string[] {
  chosen ??= runBuilt() ? [BUILT_CLI] : FROM_SOURCES;
  return chosen;
}

/** Whether dist/ was built after the last change to the sources it is built from. */
export function builtIsFresh(): boolean {
  if (process.env.CCPULSE_TEST_FROM_SOURCES === '1') return false;
  let built: number;
  try {
    built = fs.statSync(BUILT_CLI).mtimeMs;
  } catch {
    return false;
  }
  return newestSource(SRC) < built;
}

/** The newest modification time of the files the build compiles (tests and test helpers are not built). */
function newestSource(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'testing' && e.name !== 'web' && e.name !== 'scratch') newest = Math.max(newest, newestSource(p));
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}
