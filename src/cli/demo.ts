import type { Logger } from 'pino';
import { createSimulation, runRealtime } from '../sim/index.js';
import type { Engine } from '../stream/engine.js';
import { OverloadedError } from '../stream/event-log.js';
import { DEFAULT_TENANT } from '../api/tenant.js';

/** How much simulated past a fresh demo starts with, so the 15/60-minute windows are not empty. */
const WARM_UP_MS = 20 * 60_000;

/**
 * Feeds the `demo` scenario into the engine in real time, in process. On a restart it resumes from the
 * last event time it logged instead of simulating the same past twice.
 */
export function startDemo(engine: Engine, log: Logger): { stop(): void } {
  const now = Date.now();
  const last = engine.processor.maxEventTs.get(DEFAULT_TENANT) ?? 0;
  const resumeFrom = last > now - WARM_UP_MS ? last + 1 : now - WARM_UP_MS;
  const sim = createSimulation({ scenario: 'demo', seed: now % 1_000_000, startTime: resumeFrom });
  const abort = new AbortController();
  runRealtime({
    sim,
    speed: 1,
    catchUpTo: now,
    tickMs: 100,
    signal: abort.signal,
    sink: async (events) => {
      // Like any client: when the server is overloaded (by traffic posted to it), wait and send the same batch again.
      for (;;) {
        try {
          await engine.append(DEFAULT_TENANT, events);
          return;
        } catch (err) {
          if (!(err instanceof OverloadedError) || abort.signal.aborted) throw err;
          await new Promise((r) => setTimeout(r, err.retryAfterSec * 1000));
        }
      }
    },
  }).catch((err) => log.error({ err }, 'demo traffic stopped'));
  log.info({ from: new Date(resumeFrom).toISOString() }, 'demo traffic started');
  return { stop: () => abort.abort() };
}
