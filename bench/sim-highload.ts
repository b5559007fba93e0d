/**
 * Simulator benchmark: the `high-load` scenario (72 streams, ~6,900 operators, ~700 events/s) paced at
 * real time (runRealtime, speed 1) into a counting sink, in process. Issue #4: the simulator "holds its
 * real-time rate without drift" for 10 minutes.
 *
 *   npx tsx bench/sim-highload.ts                          # 60 s
 *   BENCH_HIGHLOAD_SECONDS=600 npx tsx bench/sim-highload.ts   # the 10 minutes
 *
 * Per 10-s window of wall time it reports the events delivered against the events the run should
 * deliver in that window (the same seed and start simulated again unpaced afterwards: the events whose
 * ts falls in the window), the CPU the simulator used, and two lags:
 *   - event lag: wall time at delivery − the event's ts (≤ one tick + the work of a tick when on time);
 *   - clock lag: wall time − the sim clock, sampled every 50 ms (a saw-tooth between 0 and one tick).
 * Drift would show as lags growing window after window, or as a backlog (expected − delivered, cumulative).
 *
 * Environment (defaults in brackets): BENCH_HIGHLOAD_SECONDS [60], BENCH_HIGHLOAD_SEED [1],
 * BENCH_HIGHLOAD_TICK_MS [200] (runRealtime's tick), BENCH_HIGHLOAD_MAX_LAG_MS [1000] (the pass mark for
 * the worst event lag), BENCH_OUT [unset] (write the report as JSON there). Exit code 1 when a goal is missed.
 */
import { writeFileSync } from 'node:fs';
import type { CcEvent } from '../src/contract/event.js';
import { createSimulation, runRealtime } from '../src/sim/index.js';
import { envNumber, machine, machineLine, round, thousands } from './sim-common.js';

const WINDOW_MS = 10_000;

interface Window {
  delivered: number;
  expected: number;
  eventLagMaxMs: number;
  eventLagSumMs: number;
  clockLagMaxMs: number;
  cpuMs: number;
}

async function main(): Promise<number> {
  const seconds = envNumber('BENCH_HIGHLOAD_SECONDS', 60);
  const seed = envNumber('BENCH_HIGHLOAD_SEED', 1);
  const tickMs = envNumber('BENCH_HIGHLOAD_TICK_MS', 200);
  const maxLagMs = envNumber('BENCH_HIGHLOAD_MAX_LAG_MS', 1_000);
  if (!(seconds > 0)) throw new Error('BENCH_HIGHLOAD_SECONDS must be > 0');
  const m = machine();
  const durationMs = seconds * 1000;
  const nWindows = Math.ceil(durationMs / WINDOW_MS);
  const windows: Window[] = Array.from({ length: nWindows }, () => ({ delivered: 0, expected: 0, eventLagMaxMs: 0, eventLagSumMs: 0, clockLagMaxMs: 0, cpuMs: 0 }));
  const windowAt = (wallMs: number) => windows[Math.min(nWindows - 1, Math.max(0, Math.floor(wallMs / WINDOW_MS)))];

  // Sim time 0 = now: at speed 1, an event's ts is when it should be delivered.
  const startTime = Date.now();
  const sim = createSimulation({ scenario: 'high-load', seed, startTime, durationMs });

  const sink = (batch: CcEvent[]): void => {
    const now = Date.now();
    const w = windowAt(now - startTime);
    w.delivered += batch.length;
    for (const e of batch) {
      const lag = now - e.ts;
      w.eventLagSumMs += lag;
      if (lag > w.eventLagMaxMs) w.eventLagMaxMs = lag;
    }
  };

  // Clock lag and CPU, sampled on the side.
  let lastCpu = process.cpuUsage();
  let lastCpuWindow = 0;
  const sampler = setInterval(() => {
    const now = Date.now();
    const w = windowAt(now - startTime);
    const lag = now - sim.now;
    if (!sim.done && lag > w.clockLagMaxMs) w.clockLagMaxMs = lag;
    const cpu = process.cpuUsage();
    const idx = Math.min(nWindows - 1, Math.floor((now - startTime) / WINDOW_MS));
    windows[Math.min(lastCpuWindow, nWindows - 1)].cpuMs += (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000;
    lastCpu = cpu;
    lastCpuWindow = idx;
  }, 50);

  process.stderr.write(`high-load at real time for ${seconds} s…\n`);
  const t0 = Date.now();
  // catchUpTo = startTime anchors the pacing there: sim clock = wall clock, whatever building the center cost.
  await runRealtime({ sim, speed: 1, tickMs, sink, catchUpTo: startTime });
  const wallMs = Date.now() - t0;
  clearInterval(sampler);
  const endLagMs = Date.now() - sim.now;

  // What should have been delivered when: the same run, unpaced, counted by ts.
  const again = createSimulation({ scenario: 'high-load', seed, startTime, durationMs });
  let expectedTotal = 0;
  while (!again.done) {
    for (const e of again.next(again.now + WINDOW_MS)) {
      windowAt(e.ts - startTime).expected++;
      expectedTotal++;
    }
  }

  const delivered = windows.reduce((a, w) => a + w.delivered, 0);
  const rows = windows.map((w, i) => ({
    window: `${(i * WINDOW_MS) / 1000}-${Math.min((i + 1) * WINDOW_MS, durationMs) / 1000}s`,
    delivered: w.delivered,
    expected: w.expected,
    deliveredPerSec: round(w.delivered / (Math.min(WINDOW_MS, durationMs - i * WINDOW_MS) / 1000)),
    expectedPerSec: round(w.expected / (Math.min(WINDOW_MS, durationMs - i * WINDOW_MS) / 1000)),
    eventLagMeanMs: w.delivered ? round(w.eventLagSumMs / w.delivered) : null,
    eventLagMaxMs: w.eventLagMaxMs,
    clockLagMaxMs: w.clockLagMaxMs,
    cpuPct: round((100 * w.cpuMs) / WINDOW_MS),
  }));
  let backlog = 0;
  let maxBacklog = 0;
  for (const w of windows) {
    backlog += w.expected - w.delivered;
    maxBacklog = Math.max(maxBacklog, backlog);
  }
  const worstEventLag = Math.max(...windows.map((w) => w.eventLagMaxMs));
  const worstClockLag = Math.max(...windows.map((w) => w.clockLagMaxMs));
  // Drift: compare the lags of the second half with the first (the first window holds the login burst, so
  // it is left out)…
  const half = (a: number, b: number) => rows.slice(a, b).filter((r) => r.eventLagMeanMs !== null);
  const meanOf = (rs: typeof rows) => (rs.length ? rs.reduce((a, r) => a + (r.eventLagMeanMs ?? 0), 0) / rs.length : 0);
  const firstHalf = meanOf(half(1, Math.max(2, Math.ceil(nWindows / 2))));
  const secondHalf = meanOf(half(Math.ceil(nWindows / 2), nWindows));
  // …and the least-squares slope of the per-window mean lag (windows after the first), in ms per minute.
  const pts = rows.slice(1).map((r, i) => [(i + 1) * (WINDOW_MS / 60_000), r.eventLagMeanMs] as const).filter((p): p is readonly [number, number] => p[1] !== null);
  const slope = (() => {
    if (pts.length < 2) return 0;
    const mx = pts.reduce((a, p) => a + p[0], 0) / pts.length;
    const my = pts.reduce((a, p) => a + p[1], 0) / pts.length;
    const sxx = pts.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
    return sxx ? pts.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0) / sxx : 0;
  })();
  const st = sim.stats();
  const report = {
    bench: 'sim-highload',
    machine: m,
    seed,
    seconds,
    tickMs,
    wallSec: round(wallMs / 1000, 2),
    operators: st.operatorsOnline,
    delivered,
    expected: expectedTotal,
    meanRatePerSec: round(delivered / seconds),
    endLagMs,
    worstEventLagMs: worstEventLag,
    worstClockLagMs: worstClockLag,
    maxBacklogEvents: maxBacklog,
    meanEventLagFirstHalfMs: round(firstHalf),
    meanEventLagSecondHalfMs: round(secondHalf),
    lagTrendMsPerMin: round(slope, 1),
    windows: rows,
    goals: {
      allDelivered: delivered === expectedTotal,
      lagUnderMs: maxLagMs,
      lagOk: worstEventLag < maxLagMs,
      noDrift: secondHalf <= firstHalf + tickMs / 2,
    },
  };

  const pad = (s: string | number | null, n: number) => String(s ?? '-').padStart(n);
  const lines = [
    'ccpulse simulator: high-load scenario at real time (speed 1), in process, counting sink',
    machineLine(m),
    `seed ${seed}, ${seconds} s, tick ${tickMs} ms, ${thousands(st.operatorsOnline)} operators online at the end`,
    '',
    `${pad('window', 10)} ${pad('delivered', 10)} ${pad('expected', 9)} ${pad('ev/s', 6)} ${pad('exp ev/s', 8)} ${pad('lag mean', 9)} ${pad('lag max', 8)} ${pad('clock lag', 9)} ${pad('cpu %', 6)}`,
    ...rows.map((r) =>
      `${pad(r.window, 10)} ${pad(r.delivered, 10)} ${pad(r.expected, 9)} ${pad(r.deliveredPerSec, 6)} ${pad(r.expectedPerSec, 8)} ${pad(r.eventLagMeanMs, 6)} ms ${pad(r.eventLagMaxMs, 5)} ms ${pad(r.clockLagMaxMs, 6)} ms ${pad(r.cpuPct, 6)}`,
    ),
    '',
    `delivered ${thousands(delivered)} of ${thousands(expectedTotal)} events (${round(delivered / seconds)} events/s mean) in ${report.wallSec} s wall`,
    `event lag (delivery − ts): worst ${worstEventLag} ms; mean ${round(firstHalf)} ms in the first half, ${round(secondHalf)} ms in the second; trend ${round(slope, 1)} ms/min`,
    `clock lag (wall − sim clock): worst ${worstClockLag} ms; at the end ${endLagMs} ms; largest backlog ${maxBacklog} events`,
    '',
    `goal: every event delivered ............. ${report.goals.allDelivered ? 'PASS' : 'FAIL'}`,
    `goal: worst event lag < ${maxLagMs} ms ....... ${report.goals.lagOk ? 'PASS' : 'FAIL'}`,
    `goal: no drift (lag not growing) ........ ${report.goals.noDrift ? 'PASS' : 'FAIL'}`,
  ];
  console.log(lines.join('\n'));
  if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, `${JSON.stringify(report, null, 2)}\n`);
  return report.goals.allDelivered && report.goals.lagOk && report.goals.noDrift ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
