import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDriver } from '../testing/load-driver.js';
import { cpuSecOf, getJson, machineCpuSec, probeHealth, rssOf, type LoadResult } from '../testing/open-loop.js';
import { ServerProcess } from '../testing/server-process.js';

/**
 * Ten times what the server sustains, offered open loop (requests go out on schedule whatever the
 * answers) by a load generator in a process of its own, against a real server process. What must hold:
 * every request gets an HTTP answer (no resets), a refusal is a quick 503 with Retry-After, what is
 * admitted is answered within about the admission deadline, /healthz stays responsive, memory stays
 * bounded and comes back, and every acknowledged event is counted exactly once.
 *
 * The events are operator status changes: the server keeps no state per event for them, so memory that
 * does not come back after the load would be the ingest path's own (buffered bodies, queued events).
 *
 * Bounds are loose on purpose, the figures belong to bench/overload.ts. On two cores the server, the load
 * generator and this process already share the machine; when other processes (another test file, say)
 * took more than half a core as well, the two timing bounds are relaxed, and the test says so: a
 * request that does no work at all is then slow too. Everything else holds whatever the machine does.
 */
const dir = mkdtempSync(join(tmpdir(), 'ccpulse-overload-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('overload at 10× capacity', () => {
  let s: ServerProcess;
  let idleRssMb = 0;
  let capacity: LoadResult;
  let over: LoadResult;
  let health: { ms: { p50: number; p99: number; max: number; count: number }; failures: number };
  let peakRssMb = 0;
  let peakBacklog = 0;
  /** Cores other processes kept busy during the overload window. */
  let othersCores = 0;

  beforeAll(async () => {
    // Half the default deadline: admitted requests should then be answered well within 2 s even when
    // other processes take the CPU away from the server for a while.
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ingest: { maxQueueDelayMs: 500 } }));
    s = await ServerProcess.start({ dataDir: join(dir, 'data'), args: ['--config', join(dir, 'config.json')] });
    idleRssMb = rssOf(s.pid).rssMb;
    capacity = await runDriver({ mode: 'closed', port: s.port, clients: 4, batch: 500, durationSec: 4, runId: 'cap', workload: 'status' });
    const sampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, rssOf(s.pid).rssMb)), 200);
    const m0 = machineCpuSec();
    const s0 = cpuSecOf(s.pid);
    const me0 = process.cpuUsage();
    const t0 = performance.now();
    const probe = probeHealth(s.port, 50, (h) => (peakBacklog = Math.max(peakBacklog, (h.ingest as { backlogEvents: number }).backlogEvents)));
    try {
      over = await runDriver({
        mode: 'open',
        port: s.port,
        eventsPerSec: 10 * capacity.acceptedEventsPerSec,
        batch: 500,
        durationSec: 12,
        runId: 'over',
        workload: 'status',
        drainTimeoutMs: 30_000,
      });
    } finally {
      health = await probe.stop();
      clearInterval(sampler);
    }
    const me = process.cpuUsage(me0);
    const ours = cpuSecOf(s.pid) - s0 + over.cpuSec + (me.user + me.system) / 1e6;
    othersCores = Math.max(0, (machineCpuSec().busy - m0.busy - ours) / ((performance.now() - t0) / 1000));
    // the figures, for when an assertion fails on a busy machine
    console.info(JSON.stringify({ capacity: capacity.acceptedEventsPerSec, over, health, idleRssMb, peakRssMb, peakBacklog, othersCores }));
  }, 120_000);
  afterAll(() => s?.stop());

  it('was really overloaded: about ten times what it sustains was offered, and most of it refused', () => {
    expect(capacity.acceptedEventsPerSec).toBeGreaterThan(1_000);
    expect(over.offeredEventsPerSec).toBeGreaterThan(7 * capacity.acceptedEventsPerSec);
    expect(over.statuses['503']).toBeGreaterThan(over.requests / 2);
    expect(over.statuses['202']).toBeGreaterThan(0);
  });

  it('answered every request over HTTP: no reset, no broken pipe, nothing left hanging', () => {
    expect(over.socketErrors).toEqual({});
    expect(over.unanswered).toBe(0);
    expect(Object.keys(over.statuses).sort()).toEqual(['202', '503']);
  });

  /**
   * Timing bounds: strict on a machine to ourselves, relaxed when other processes took the CPU (another
   * suite's server beside this one took 1.2 of the 2 cores in one run: refusals' p50 472 ms, admitted p99
   * 8 s). The figures on a quiet machine are bench/overload.ts's; here the bounds rule out minutes.
   */
  const starved = () => {
    if (othersCores > 0.5) console.warn(`other processes kept ${othersCores.toFixed(2)} cores busy during the overload: timing bounds relaxed`);
    return othersCores > 0.5;
  };

  it('refused with 503 CCP_OVERLOADED and an integer Retry-After ≥ 1, quickly', () => {
    expect(over.bad503).toBe(0);
    expect(over.refusedMs.p50).toBeLessThan(starved() ? 1_500 : 250);
  });

  it('answered what it admitted within about the deadline, not after a queue of minutes', () => {
    expect(over.admittedMs.p99).toBeLessThan(starved() ? 15_000 : 2_000);
    // the admitted backlog is bounded by deadline × drain rate, not by a count of queued events
    expect(peakBacklog).toBeLessThan(Math.max(10_000, 3 * capacity.acceptedEventsPerSec));
    // and what it admitted, it kept up with: goodput did not collapse under the refused load
    expect(over.acceptedEventsPerSec).toBeGreaterThan(0.3 * capacity.acceptedEventsPerSec);
  });

  it('kept /healthz answering quickly throughout', () => {
    expect(health.failures).toBe(0);
    expect(health.ms.count).toBeGreaterThan(100);
    expect(health.ms.p50).toBeLessThan(50);
    expect(health.ms.p99).toBeLessThan(starved() ? 500 : 100);
  });

  it('counted every acknowledged event exactly once', async () => {
    const h = await getJson<{ processed: number; ingest: { backlogEvents: number } }>(false, s.port, '/healthz');
    expect(h.ingest.backlogEvents).toBe(0);
    expect(h.processed).toBe(capacity.accepted + over.accepted);
    expect(capacity.duplicates + over.duplicates).toBe(0);
  });

  it('held memory bounded, and gave it back once the load stopped', async () => {
    expect(peakRssMb).toBeLessThan(idleRssMb + 1_000);
    // RSS is back near idle within a minute (PGlite's WebAssembly memory never shrinks: some stays)
    const bound = idleRssMb + 300;
    const deadline = Date.now() + 40_000;
    let rss = rssOf(s.pid).rssMb;
    while (rss > bound && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1_000));
      rss = rssOf(s.pid).rssMb;
    }
    expect({ idleRssMb, peakRssMb, rss }).toEqual({ idleRssMb, peakRssMb, rss: expect.toSatisfy((v: number) => v <= bound) });
  }, 60_000);
});
