import type { CcEvent } from '../contract/event.js';
import type { Simulation } from './simulation.js';

export interface RealtimeOptions {
  sim: Simulation;
  /** Sim ms per wall ms: 1 = real time, 100 = 100× faster, Infinity = as fast as the sink accepts. */
  speed: number;
  sink: (events: CcEvent[]) => Promise<void> | void;
  signal?: AbortSignal;
  /** Wall-clock period of a paced tick; default 200 ms. */
  tickMs?: number;
  /**
   * Run as fast as possible up to this sim time (epoch ms) before pacing starts. With startTime in the
   * past and catchUpTo = Date.now(), a live demo starts with history already behind it (warm metrics).
   * It is also the pacing anchor: sim time catchUpTo is wall time catchUpTo, so the wall time spent
   * catching up (or building the simulation) is made up on the first paced tick instead of leaving every
   * later event stamped that much in the past. Pass catchUpTo = startTime for a run whose sim clock must
   * equal the wall clock from the start. Without it, pacing is anchored at the call.
   */
  catchUpTo?: number;
}

/** Batch size the as-fast-as-possible mode aims at: large enough to amortize a POST, small enough to stream. */
const TARGET_BATCH = 5_000;

/**
 * Drive a simulation against the wall clock and hand each batch to the sink. The sink is awaited,
 * so a slow consumer slows the run down (backpressure) instead of piling events up in memory;
 * at a paced speed the run then catches up on the following ticks. Resolves when the simulation
 * is done or the signal aborts.
 */
export async function runRealtime({ sim, speed, sink, signal, tickMs = 200, catchUpTo }: RealtimeOptions): Promise<void> {
  if (!(speed > 0)) throw new Error(`speed must be > 0, got ${speed}`);
  // Unpaced phase: everything when speed is Infinity, else only the catch-up.
  const fastUntil = speed === Infinity ? Infinity : (catchUpTo ?? -Infinity);
  let span = 10_000; // sim ms per step, adapted to hit TARGET_BATCH
  while (!sim.done && !signal?.aborted && sim.now < fastUntil) {
    const events = sim.next(Math.min(sim.now + span, sim.endTime, fastUntil));
    if (events.length) await sink(events);
    if (events.length < TARGET_BATCH / 2) span = Math.min(span * 2, 3_600_000);
    else if (events.length > TARGET_BATCH * 2) span = Math.max(span / 2, 10);
    await new Promise((r) => setImmediate(r)); // let I/O and timers run between batches
  }
  const wall0 = catchUpTo ?? Date.now();
  const sim0 = catchUpTo ?? sim.now;
  while (!sim.done && !signal?.aborted) {
    const events = sim.next(Math.min(sim0 + (Date.now() - wall0) * speed, sim.endTime));
    if (events.length) await sink(events);
    if (!sim.done) await sleep(tickMs, signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
