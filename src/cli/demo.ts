import type { Logger } from 'pino';
import type { CcEvent } from '../contract/event.js';
import { createSimulation, runRealtime } from '../sim/index.js';
import type { Engine } from '../stream/engine.js';
import { OverloadedError } from '../stream/event-log.js';
import { DEFAULT_TENANT } from '../api/tenant.js';
import type { OpenSegment } from '../metrics/appeal-story.js';

/** How much simulated past a fresh demo starts with, so the 15/60-minute windows are not empty. */
const WARM_UP_MS = 20 * 60_000;

/** Appeals of a demo run: `demo-RUN-aN`, and `SEED.START-aN` from before runs were named so. */
const DEMO_APPEAL = /^(demo-[0-9a-z]+\.[0-9a-z]+|[0-9a-z]+\.[0-9a-z]+)-a\d+$/;

/**
 * What ends an earlier demo run's appeals still open when the demo starts again: that run's customers
 * are gone with it. Waiting ones are missed, those in handling closed by their operator, at `at` (when
 * the earlier run's traffic stopped). Without them they would wait on the board for hours (a voice
 * appeal leaves after 2 h of silence, an email after a week). Appeals that are not the demo's (posted
 * to the demo server by hand) are left alone.
 */
export function endEarlierRuns(open: ReadonlyArray<{ appealId: string; open: OpenSegment }>, runId: string, at: number): CcEvent[] {
  const events: CcEvent[] = [];
  for (const { appealId, open: o } of open) {
    if (!DEMO_APPEAL.test(appealId) || appealId.startsWith(`${runId}-`)) continue;
    const base = { id: `${runId}-end-${appealId}`, ts: at, appealId, queue: o.queue, channel: o.channel };
    if (o.phase === 'handling' && o.operatorId) events.push({ ...base, type: 'APPEAL_CLOSED', operatorId: o.operatorId });
    else events.push({ ...base, type: 'APPEAL_MISSED' });
  }
  return events;
}

/**
 * Feeds the `demo` scenario into the engine in real time, in process. On a restart it resumes from the
 * last event time it logged instead of simulating the same past twice, and first ends what the earlier
 * run left open (endEarlierRuns).
 */
export function startDemo(engine: Engine, log: Logger): { stop(): void } {
  const now = Date.now();
  const last = engine.processor.maxEventTs.get(DEFAULT_TENANT) ?? 0;
  const resumeFrom = last > now - WARM_UP_MS ? last + 1 : now - WARM_UP_MS;
  const seed = now % 1_000_000;
  const runId = `demo-${seed.toString(36)}.${resumeFrom.toString(36)}`;
  const sim = createSimulation({ scenario: 'demo', seed, startTime: resumeFrom, runId });
  const abort = new AbortController();
  const leftovers = endEarlierRuns(engine.processor.openAppealsOf(DEFAULT_TENANT, now), runId, resumeFrom);
  const send = async (events: CcEvent[]) => {
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
  };
  if (leftovers.length) log.info({ appeals: leftovers.length }, "ending the earlier demo run's open appeals");
  (async () => {
    if (leftovers.length) await send(leftovers);
    await runRealtime({ sim, speed: 1, catchUpTo: now, tickMs: 100, signal: abort.signal, sink: send });
  })().catch((err) => log.error({ err }, 'demo traffic stopped'));
  log.info({ from: new Date(resumeFrom).toISOString() }, 'demo traffic started');
  return { stop: () => abort.abort() };
}
