import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type Config } from '../../config/config.js';
import { startTestApp, type TestApp } from '../testing/test-app.js';
import type { Readiness } from './health.js';

/** GET /readyz through the real app: 200 when ready, else the one documented 503, saying why in words. */
describe('GET /readyz', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    // a test may have closed the storage under the engine: its last checkpoint then fails, as it would
    await t?.close().catch(() => {});
    t = undefined;
  });
  const ready = async () => {
    const r = await t!.app.inject({ url: '/readyz' });
    expect([200, 503]).toContain(r.statusCode); // never another 5xx
    return { status: r.statusCode, body: r.json<Readiness>(), headers: r.headers };
  };
  const start = (over: Partial<Config> = {}, opts: Parameters<typeof startTestApp>[1] = {}) =>
    startTestApp({ checkpointIntervalMs: 1_000, readiness: { ...DEFAULT_CONFIG.readiness }, ...over }, opts);
  const event = (id: string) => ({ id, type: 'APPEAL_NEW', ts: Date.now(), appealId: `a-${id}`, channel: 'voice', queue: 'sales' });

  it('is ready on a fresh app, every check passing, and not cached', async () => {
    t = await start();
    const { status, body, headers } = await ready();
    expect(status).toBe(200);
    expect(body.status).toBe('ready');
    expect(body.reasons).toEqual([]);
    expect(body.checks).toMatchObject({ shutdown: { ok: true }, storage: { ok: true, backend: 'pglite' }, log: { ok: true }, checkpoint: { ok: true, maxAgeSec: 60 }, lag: { ok: true, processing: 0 } });
    expect(headers['cache-control']).toBe('no-store');
    expect((await t.app.inject({ method: 'HEAD', url: '/readyz' })).statusCode).toBe(200);
  });

  it('needs no API key where keys are configured, and says nothing of the tenants or of the database\'s words', async () => {
    t = await start({ apiKeys: { 'k-acme': 'acme-tenant' } });
    await t.app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: 'Bearer k-acme' }, payload: [event('e1')] });
    expect((await t.app.inject({ url: '/v1/live' })).statusCode).toBe(401);
    const { status, body } = await ready();
    expect(status).toBe(200);
    expect(JSON.stringify(body)).not.toMatch(/acme|sales|a-e1/);
    t.storage.ping = () => Promise.reject(new Error('password authentication failed for user "ccpulse" at db-7.internal'));
    const down = await ready();
    expect(down.status).toBe(503);
    expect(down.body.reasons).toEqual(['the storage (pglite) cannot be reached: its ping failed']);
    expect(JSON.stringify(down.body)).not.toContain('db-7.internal');
  });

  it('answers 503 when the storage is closed, saying the storage cannot be reached', async () => {
    t = await start();
    await t.storage.close();
    const { status, body } = await ready();
    expect(status).toBe(503);
    expect(body.status).toBe('not ready');
    expect(body.checks?.storage.ok).toBe(false);
    expect(body.reasons.join('; ')).toMatch(/^the storage \(pglite\) cannot be reached: its ping failed \(.*closed.*\)$/);
  });

  it('answers 503 when the storage does not answer within the timeout, asking a hung storage once', async () => {
    t = await start();
    let pings = 0;
    t.storage.ping = () => (pings++, new Promise(() => {}));
    const started = performance.now();
    const [a, b] = await Promise.all([ready(), ready()]);
    expect(performance.now() - started).toBeLessThan(5_000);
    for (const r of [a, b]) {
      expect(r.status).toBe(503);
      expect(r.body.reasons).toEqual(['the storage (pglite) did not answer a ping within 2000 ms']);
    }
    expect(pings).toBe(1);
  });

  it('answers 503 when the last checkpoint is older than allowed (a fake clock), and 200 once one commits', async () => {
    let clock = Date.now();
    t = await start({}, { now: () => clock });
    expect((await ready()).status).toBe(200);
    await t.engine.checkpointer.stop(); // no commit from the timer from now on
    clock += 120_000;
    const stale = await ready();
    expect(stale.status).toBe(503);
    expect(stale.body.checks?.checkpoint).toMatchObject({ ok: false, ageSec: 120, maxAgeSec: 60, failures: 0 });
    expect(stale.body.reasons).toEqual(['the last checkpoint was committed 120 s ago (the limit is 60 s, one is due every 1 s)']);
    // the commits fail: the reason says so
    const commit = t.storage.commitCheckpoint;
    t.storage.commitCheckpoint = () => Promise.reject(new Error('disk full'));
    await expect(t.engine.checkpointer.commit()).rejects.toThrow('disk full');
    expect((await ready()).body.reasons[0]).toMatch(/120 s ago .*; 1 commit failed in a row$/);
    t.storage.commitCheckpoint = commit;
    await t.engine.checkpointer.commit();
    expect((await ready()).status).toBe(200);
  });

  it('answers 503 while writes to the log fail, and 200 once one succeeds', async () => {
    t = await start();
    const append = t.storage.append;
    t.storage.append = () => Promise.reject(new Error('no space left on device'));
    expect((await t.app.inject({ method: 'POST', url: '/v1/events', payload: [event('w1')] })).statusCode).toBe(503);
    const failing = await ready();
    expect(failing.status).toBe(503);
    expect(failing.body.reasons).toEqual([expect.stringMatching(/^writes to the event log are failing \(the last [\d.]+ s ago, none has succeeded since\)$/)]);
    expect(failing.body.checks?.log.error).toBe('no space left on device'); // no API keys: the details are shown
    t.storage.append = append;
    expect((await t.app.inject({ method: 'POST', url: '/v1/events', payload: [event('w2')] })).statusCode).toBe(202);
    expect((await ready()).status).toBe(200);
  });

  it('answers 503 when the last checkpoint is further behind the processor than allowed', async () => {
    t = await start({ readiness: { maxCheckpointAgeSec: 60, maxLagEvents: 2 } });
    await t.engine.checkpointer.stop();
    expect((await t.app.inject({ method: 'POST', url: '/v1/events', payload: [event('l1'), event('l2'), event('l3')] })).statusCode).toBe(202);
    const { status, body } = await ready();
    expect(status).toBe(503);
    expect(body.checks?.lag).toMatchObject({ ok: false, processing: 0, checkpoint: 3, maxEvents: 2 });
    expect(body.reasons).toEqual(['the last checkpoint is 3 log positions behind the stream processor (the limit is 2): a restart would replay them']);
  });

  it('answers 503 once the shutdown has begun', async () => {
    t = await start();
    t.engine.beginShutdown();
    const { status, body } = await ready();
    expect(status).toBe(503);
    expect(body.reasons).toEqual(['the server is shutting down']);
    // liveness is another question: the process is alive
    expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('answers the documented 503, not a 500, when a check itself throws', async () => {
    t = await start();
    Object.defineProperty(t.engine.checkpointer, 'lastCommitAt', { get: () => { throw new Error('broken'); } });
    const { status, body } = await ready();
    expect(status).toBe(503);
    expect(body).toEqual({ status: 'not ready', reasons: ['the readiness check itself failed; see the server log'] });
  });
});
