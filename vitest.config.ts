import { defineConfig } from 'vitest/config';
import { builtIsFresh } from './src/testing/ccpulse-command.js';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The slow path's threads (history, verify, what-if) at their normal priority: two suites' servers share
    // the two cores here, and at nice 10 those threads would wait behind the other suite (runtime/thread-priority.ts).
    // The spawned ccpulse and the worker threads of in-process apps run the build when it is newer than the
    // sources (testing/ccpulse-command.ts, runtime/module-worker.ts): decided once, here, for every test process.
    env: { CCPULSE_SLOW_PATH_NICENESS: '0', CCPULSE_RUN_BUILT: builtIsFresh() ? '1' : '0' },
    // Two cores: integration suites start servers and databases; keep parallelism modest.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
