/**
 * The stream processor alone, in this process (no HTTP, no storage): main-thread cost per event of
 * applying the bench's traffic and of taking checkpoints, which a full-server bench on a shared
 * machine measures only through noise. Events are timed as if arriving at BENCH_PROC_RATE a second,
 * so appeals settle and retire as they would at that rate.
 *
 *   node --import tsx bench/processor.ts
 *   BENCH_PROC_EVENTS [300000] measured events  BENCH_PROC_WARMUP [100000]  BENCH_PROC_RATE [25000]
 *   BENCH_PROC_BATCH [500] events per apply  BENCH_PROC_CHECKPOINT_MS [1000] event time between checkpoints
 */
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import type { LoggedEvent } from '../src/contract/event.js';
import { inactivityTimeoutOf, slPolicyOf, DEFAULT_CONFIG } from '../src/config/config.js';
import { StreamProcessor } from '../src/stream/processor.js';
import { EventGenerator } from './events.js';
import { envNumber as num } from './server.js';

const measured = num('BENCH_PROC_EVENTS', 300_000);
const warmup = num('BENCH_PROC_WARMUP', 100_000);
const rate = num('BENCH_PROC_RATE', 25_000);
const batch = num('BENCH_PROC_BATCH', 500);
const checkpointMs = num('BENCH_PROC_CHECKPOINT_MS', 1_000);

/** CPU ms of the main thread alone (Linux): wall time on a shared machine counts other processes' turns. */
function mainThreadCpuMs(): number {
  const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in 10 ms ticks
}

const T0 = Date.UTC(2026, 10, 21, 9, 0, 0);
const total = warmup + measured;
const gens = [0, 1, 2, 3].map((i) => new EventGenerator(`c${i}`, 1 + i));
const events: LoggedEvent[] = new Array(total);
for (let i = 0; i < total; i++) {
  const e = gens[i % 4].next();
  events[i] = { ...e, ts: T0 + Math.floor((i * 1000) / rate), tenant: 'default', seq: i + 1 };
}

let clock = T0;
const p = new StreamProcessor({
  inactivityTimeoutOf: inactivityTimeoutOf(DEFAULT_CONFIG),
  slPolicyOf: slPolicyOf(DEFAULT_CONFIG),
  now: () => clock,
});

let gcMs = 0;
let measuring = false;
new PerformanceObserver((list) => {
  if (measuring) for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });

let applyMs = 0;
let checkpointTakeMs = 0;
let checkpointBytes = 0;
let checkpoints = 0;
let nextCheckpoint = T0 + checkpointMs;
let cpuStart = process.cpuUsage();
let mainStart = mainThreadCpuMs();
let wallStart = performance.now();
for (let i = 0; i < total; i += batch) {
  if (i === warmup) {
    await new Promise((r) => setImmediate(r)); // let the gc observer flush the warm-up's entries
    measuring = true;
    cpuStart = process.cpuUsage();
    mainStart = mainThreadCpuMs();
    wallStart = performance.now();
    applyMs = checkpointTakeMs = checkpointBytes = checkpoints = gcMs = 0;
  }
  const page = events.slice(i, i + batch);
  clock = page[page.length - 1].ts;
  let t = performance.now();
  p.apply(page);
  applyMs += performance.now() - t;
  if (clock >= nextCheckpoint) {
    nextCheckpoint += checkpointMs;
    t = performance.now();
    const take = p.takeCheckpoint();
    checkpointTakeMs += performance.now() - t;
    // what crosses to the storage worker
    checkpointBytes += take.state.length + take.upserts.reduce((n, u) => n + u.key.length + u.value.length, 0) + JSON.stringify(take.rollupDeltas).length;
    checkpoints++;
  }
}
await new Promise((r) => setImmediate(r));
const cpu = process.cpuUsage(cpuStart);
const mainMs = mainThreadCpuMs() - mainStart;
const wallMs = performance.now() - wallStart;
const us = (ms: number) => Math.round((ms * 1000 * 100) / measured) / 100;
console.log(
  JSON.stringify(
    {
      events: measured,
      rate,
      batch,
      openAppealsAtEnd: p.openAppeals,
      mainThreadCpuUsPerEvent: us(mainMs),
      wallUsPerEvent: us(wallMs),
      processCpuUsPerEvent: Math.round(((cpu.user + cpu.system) / measured) * 100) / 100,
      applyUsPerEvent: us(applyMs),
      checkpointUsPerEvent: us(checkpointTakeMs),
      checkpointKbPerSecond: Math.round(checkpointBytes / 1024 / checkpoints),
      gcUsPerEvent: us(gcMs),
      heapUsedMb: Math.round(process.memoryUsage().heapUsed / 1e6),
    },
    null,
    2,
  ),
);
