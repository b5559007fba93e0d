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
    // Worker threads of in-process apps run the built modules when the build is fresh (runtime/module-worker.ts).
    env: { CCPULSE_SLOW_PATH_NICENESS: '0', CCPULSE_WORKERS_FROM_BUILD: builtIsFresh() ? '1' : '0' },
    // Two cores: integration suites start servers and databases; keep parallelism modest.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
