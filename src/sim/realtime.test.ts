import { describe, expect, it } from 'vitest';
import type { CcEvent } from '../contract/event.js';
import { createSimulation, runRealtime } from './index.js';

describe('runRealtime', () => {
  it('at speed Infinity delivers exactly the events of the run, in batches', async () => {
    const expected = createSimulation({ scenario: 'reference', seed: 9 });
    const all: CcEvent[] = [];
    while (!expected.done) all.push(...expected.next(expected.now + 60_000));

    const sim = createSimulation({ scenario: 'reference', seed: 9 });
    const got: CcEvent[] = [];
    let batches = 0;
    await runRealtime({ sim, speed: Infinity, sink: (b) => void (batches++, got.push(...b)) });
    expect(sim.done).toBe(true);
    expect(got).toEqual(all);
    expect(batches).toBeGreaterThan(0);
  });

  it('paces sim time against the wall clock and stops on abort', async () => {
    const start = Date.now();
    const sim = createSimulation({ scenario: 'demo', seed: 1, startTime: start });
    const ac = new AbortController();
    const got: CcEvent[] = [];
    setTimeout(() => ac.abort(), 600);
    await runRealtime({ sim, speed: 600, tickMs: 50, signal: ac.signal, sink: (b) => void got.push(...b) });
    const elapsed = Date.now() - start;
    // ~600 ms of wall time at 600× ≈ 6 sim minutes; sim time never runs ahead of wall × speed.
    expect(sim.now - start).toBeLessThanOrEqual(elapsed * 600);
    expect(sim.now - start).toBeGreaterThan(300 * 600);
    expect(got.length).toBeGreaterThan(500);
    expect(got.every((e) => e.ts <= sim.now)).toBe(true);
  });

  it('at speed 1 with startTime = now emits events stamped with current time', async () => {
    const sim = createSimulation({ scenario: 'demo', seed: 2, startTime: Date.now() });
    const ac = new AbortController();
    const got: CcEvent[] = [];
    setTimeout(() => ac.abort(), 300);
    await runRealtime({ sim, speed: 1, tickMs: 50, signal: ac.signal, sink: (b) => void got.push(...b) });
    expect(got.length).toBeGreaterThan(0); // operators log in at t = 0
    expect(got.every((e) => Math.abs(e.ts - Date.now()) < 2_000)).toBe(true);
  });
});

describe('runRealtime catch-up', () => {
  it('backfills history up to catchUpTo, then paces', async () => {
    const now = Date.now();
    const sim = createSimulation({ scenario: 'demo', seed: 4, startTime: now - 15 * 60_000 });
    const ac = new AbortController();
    const got: CcEvent[] = [];
    setTimeout(() => ac.abort(), 300);
    await runRealtime({ sim, speed: 1, tickMs: 50, catchUpTo: now, signal: ac.signal, sink: (b) => void got.push(...b) });
    expect(got.length).toBeGreaterThan(2_000); // ~15 min of history at ~4 events/s
    expect(sim.now).toBeGreaterThanOrEqual(now);
    expect(sim.now).toBeLessThanOrEqual(Date.now());
  });

  it('is anchored at catchUpTo: time lost before pacing starts is made up, not carried as a lag', async () => {
    const t0 = Date.now();
    const sim = createSimulation({ scenario: 'demo', seed: 5, startTime: t0 });
    while (Date.now() < t0 + 800); // a slow start (building a big center, a long catch-up)
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    await runRealtime({ sim, speed: 1, tickMs: 20, catchUpTo: t0, signal: ac.signal, sink: () => undefined });
    // Anchored at the call instead, the sim clock would trail the wall clock by the whole 800 ms.
    expect(Date.now() - sim.now).toBeLessThan(400);
    expect(sim.now).toBeLessThanOrEqual(Date.now());
  });
});
