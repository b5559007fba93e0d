import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/app.js';
import { DEFAULT_CONFIG } from '../config/config.js';
import { openPgliteStorage } from '../storage/pglite/index.js';
import type { Storage } from '../storage/storage.js';
import { Engine } from '../stream/engine.js';

/**
 * The families ordinary traffic leaves at zero move when things go wrong: a log that falls behind shows
 * its backlog and queue depth, a refused request counts, a failed write counts as the log stage's error
 * and the storage operation's. The real app and engine on the embedded store, whose appends the test
 * holds at a gate or fails once.
 */
describe('GET /metrics when ingest is held back and a write fails', () => {
  let engine: Engine;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let storage: Storage;
  let gate: Promise<void> = Promise.resolve();
  let open = () => {};
  let failNext = false;

  beforeAll(async () => {
    const real = await openPgliteStorage({});
    storage = Object.create(real, {
      // writable: a frozen method would be handed out untimed (timed-storage.ts)
      append: {
        writable: true,
        configurable: true,
        value: async (...args: Parameters<Storage['append']>) => {
          await gate;
          if (failNext) {
            failNext = false;
            throw new Error('disk on fire');
          }
          return real.append(...args);
        },
      },
    }) as Storage;
    engine = await Engine.start({ storage, config: DEFAULT_CONFIG });
    app = await buildApp({ engine, config: DEFAULT_CONFIG });
  });
  afterAll(async () => {
    open();
    await app?.close();
    await engine?.stop();
    await storage?.close();
  });

  const value = async (series: string) => {
    const text = (await app.inject({ url: '/metrics' })).body;
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : NaN;
  };
  const events = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, type: 'OPERATOR_STATUS', ts: Date.now(), operatorId: `op-${i % 50}`, status: 'ready' }));

  it('shows the backlog, the log queue and refusals while the log is held, then a failed write as errors', async () => {
    expect(await value('ccpulse_ingest_refused_total')).toBe(0);
    gate = new Promise((r) => (open = r));
    const held = app.inject({ method: 'POST', url: '/v1/events', payload: events('held', 3_000) });
    await expect.poll(() => engine.eventLog.admission.backlogEvents).toBe(3_000);
    expect(await value('ccpulse_ingest_backlog_events')).toBe(3_000);
    expect(await value('ccpulse_stage_queue_depth{stage="log"}')).toBe(3_000);
    expect(await value('ccpulse_stage_lag_events{stage="process"}')).toBe(3_000);
    // ten times what drains within the deadline: refused with 503, and counted
    const refused = await app.inject({ method: 'POST', url: '/v1/events', payload: events('over', 30_000) });
    expect(refused.statusCode).toBe(503);
    expect(await value('ccpulse_ingest_refused_total')).toBe(1);
    expect(await value('ccpulse_http_requests_total{method="POST",route="/v1/events",status_class="5xx"}')).toBe(1);
    open();
    expect((await held).statusCode).toBe(202);
    expect(await value('ccpulse_ingest_backlog_events')).toBe(0);

    failNext = true;
    const failed = await app.inject({ method: 'POST', url: '/v1/events', payload: events('fail', 10) });
    expect(failed.statusCode).toBe(503);
    expect(await value('ccpulse_stage_errors_total{stage="log"}')).toBe(1);
    expect(await value('ccpulse_storage_operation_duration_seconds_count{operation="append",outcome="error"}')).toBe(1);
    // and the write after it goes through
    expect((await app.inject({ method: 'POST', url: '/v1/events', payload: events('after', 10) })).statusCode).toBe(202);
    expect(await value('ccpulse_ingest_events_total{outcome="accepted"}')).toBe(3_010);
  });
});
