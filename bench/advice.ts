/**
 * The recommendation engine's cost and latency (issue #9, point 8), on the embedded store:
 *
 * 1. Latency: while BENCH_ADVICE_RATE events/s of background traffic flow (10-event batches, open loop),
 *    a trigger is posted every 250 ms: an appeal on a queue of its own, queued 400 s ago and still
 *    waiting, which opens a critical long-wait alert at once. Measured: POST sent → the `recommendation`
 *    frame for that alert received on /v1/stream. The server runs with no hysteresis (items open as soon
 *    as their condition holds), so what is measured is the engine, not the configured wait.
 * 2. Cost: ingest throughput, 4 clients × 500-event batches for BENCH_ADVICE_INGEST_SECONDS, with the
 *    recommender on and off (recommend.enabled), alternating, BENCH_ADVICE_RUNS runs each, same data.
 *
 *   npm run build && node --import tsx bench/advice.ts
 *   BENCH_ADVICE_RATE [500]  BENCH_ADVICE_TRIGGERS [200]  BENCH_ADVICE_INGEST_SECONDS [15]  BENCH_ADVICE_RUNS [2]
 *
 * 3. What-if: a server is fed the last 30 minutes of `center-300-week` (the demo center at 7×: 301
 *    operators on 9 queue × channel streams) through `ccpulse simulate --target`, then POST /v1/whatif
 *    (add 3 operators, 16 runs, the default) is timed BENCH_ADVICE_WHATIF_RUNS times, one after another.
 *
 *    The same simulation is also timed in process on a 200-operator center at 85 % occupancy (10 voice
 *    queues of 20 operators, 340 calls/h each at 180 s, 3 waiting on each), the load the target names.
 *
 * Targets: p95 ≤ 75 ms; throughput with the recommender ≥ 90 % of without; what-if under 1 s for a
 * 200-operator center. Writes bench/results/advice.json and .md.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventGenerator } from './events.js';
import { getJson, keepAliveAgent, openSse, postJson } from './http.js';
import { cleanupAll, envNumber, killAllSync, ROOT, sleep, startServer } from './server.js';
import { machine, machineLine } from './sim-common.js';
import { summarize, type Summary } from './stats.js';
import { whatIf } from '../src/recommend/whatif/whatif.js';

const rate = envNumber('BENCH_ADVICE_RATE', 500);
const triggers = envNumber('BENCH_ADVICE_TRIGGERS', 200);
const ingestSeconds = envNumber('BENCH_ADVICE_INGEST_SECONDS', 15);
const runs = envNumber('BENCH_ADVICE_RUNS', 2);
const whatIfRuns = envNumber('BENCH_ADVICE_WHATIF_RUNS', 10);

process.on('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

function configFile(enabled: boolean): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ccpulse-bench-advice-'));
  const file = path.join(dir, 'ccpulse.config.json');
  writeFileSync(file, JSON.stringify({ recommend: { enabled, lifecycle: { raiseAfterSec: 0, clearAfterSec: 0, minOpenSec: 0 } } }));
  return file;
}

type Cost = { evaluations: number; meanMs: number; maxMs: number };

async function latency(): Promise<{ eventToAdviceMs: Summary; missed: number; backgroundEventsPerSec: number; evaluation: Cost }> {
  const s = await startServer({ label: 'advice-latency', extraEnv: { CCPULSE_CONFIG: configFile(true) } });
  const arrived = new Map<string, number>();
  const sse = openSse(s.port, '/v1/stream', (f) => {
    if (f.event !== 'recommendation') return;
    const d = JSON.parse(f.data) as { to: string; item: { key: string } };
    if (d.to === 'open' && !arrived.has(d.item.key)) arrived.set(d.item.key, f.receivedAt);
  }, () => {});
  await sse.opened;
  const agent = keepAliveAgent(8);
  let stop = false;
  let background = 0;
  const gen = new EventGenerator(`adv-bg-${Date.now().toString(36)}`, 7);
  const started = performance.now();
  const bg = (async () => {
    const interval = (10 * 1000) / rate;
    for (let i = 0; !stop; i++) {
      const due = started + i * interval;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      void postJson(agent, s.port, '/v1/events', JSON.stringify(gen.batch(10))).then((r) => r.status === 202 && (background += 10)).catch(() => {});
    }
  })();
  await sleep(3_000); // the background flow settles first
  const sent = new Map<string, number>();
  const run = Date.now().toString(36);
  for (let i = 0; i < triggers; i++) {
    const queue = `trigger-${run}-${i}`;
    const ts = Date.now() - 400_000;
    const events = [
      { id: `${queue}:new`, type: 'APPEAL_NEW', ts, appealId: `${queue}-a`, queue, channel: 'voice' },
      { id: `${queue}:sd`, type: 'APPEAL_SENT_DISTRIBUTION', ts, appealId: `${queue}-a`, queue, channel: 'voice' },
    ];
    sent.set(`long-wait:${queue}:voice`, performance.now());
    void postJson(agent, s.port, '/v1/events', JSON.stringify(events)).catch(() => {});
    await sleep(250);
  }
  await sleep(2_000);
  stop = true;
  await bg;
  const elapsed = (performance.now() - started) / 1000;
  const evaluation = (await getJson<{ recommender: Cost }>(s.port, '/healthz')).recommender;
  sse.close();
  agent.destroy();
  await s.stop();
  const ms: number[] = [];
  let missed = 0;
  for (const [key, t0] of sent) {
    const t1 = arrived.get(key);
    if (t1 === undefined) missed++;
    else ms.push(t1 - t0);
  }
  return { eventToAdviceMs: summarize(ms, 1), missed, backgroundEventsPerSec: Math.round(background / elapsed), evaluation };
}

async function ingest(enabled: boolean, run: number): Promise<number> {
  const s = await startServer({ label: `advice-ingest-${enabled ? 'on' : 'off'}`, extraEnv: { CCPULSE_CONFIG: configFile(enabled) } });
  const agent = keepAliveAgent(4);
  let stop = false;
  let events = 0;
  const clients = Array.from({ length: 4 }, async (_, c) => {
    const gen = new EventGenerator(`adv-in-${run}-c${c}`, 100 * run + c + 1);
    while (!stop) {
      const r = await postJson(agent, s.port, '/v1/events', JSON.stringify(gen.batch(500)));
      if (r.status === 202) events += 500;
      else await sleep(100);
    }
  });
  const t0 = performance.now();
  await sleep(ingestSeconds * 1000);
  stop = true;
  await Promise.all(clients);
  const perSec = Math.round(events / ((performance.now() - t0) / 1000));
  agent.destroy();
  await s.stop();
  return perSec;
}

async function whatIfTiming(): Promise<{ ms: Summary; operators: number; streams: number }> {
  const s = await startServer({ label: 'advice-whatif', extraEnv: { CCPULSE_CONFIG: configFile(true) } });
  const start = new Date(Date.now() - 30 * 60_000).toISOString();
  await new Promise<void>((resolve, reject) => {
    const sim = spawn(process.execPath, [path.join(ROOT, 'dist/cli/main.js'), 'simulate', '--scenario', 'center-300-week', '--start', start, '--duration', '30m', '--speed', 'max', '--target', `http://127.0.0.1:${s.port}`], { stdio: 'ignore' });
    sim.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`simulate exited with ${code}`))));
  });
  await sleep(2_000); // the recommender's next evaluations see the board
  const live = await getJson<{ tiles: Array<{ queue: string; channel: string; operators: { ready: number; busy: number; acw: number; break: number } }> }>(s.port, '/v1/live');
  const operators = live.tiles.reduce((n, t) => n + t.operators.ready + t.operators.busy + t.operators.acw + t.operators.break, 0);
  const target = live.tiles.find((t) => t.channel === 'voice') ?? live.tiles[0];
  const agent = keepAliveAgent(1);
  const ms: number[] = [];
  for (let i = 0; i < whatIfRuns; i++) {
    const t0 = performance.now();
    const r = await postJson(agent, s.port, '/v1/whatif', JSON.stringify({ actions: [{ action: 'add', queue: target.queue, channel: target.channel, n: 3 }] }), 30_000);
    if (r.status !== 200) throw new Error(`POST /v1/whatif answered ${r.status}`);
    ms.push(performance.now() - t0);
  }
  agent.destroy();
  await s.stop();
  return { ms: summarize(ms, 0), operators, streams: live.tiles.length };
}

/** The what-if simulation alone (what the thread runs), on a 200-operator center at 85 % occupancy. */
function whatIfBusyCenter(): Summary {
  const sl = { targetSec: 20, shortAbandonSec: 5, abandonsCount: true };
  const streams = Array.from({ length: 10 }, (_, i) => ({ queue: `q${i}`, channel: 'voice', perHourBySlot: [340, 340, 340, 340], ahtSec: 180, patienceSec: 120, operators: 20, waiting: 3, sl }));
  const ms: number[] = [];
  for (let i = 0; i < whatIfRuns; i++) {
    const t0 = performance.now();
    whatIf(streams, [{ action: 'add', queue: 'q0', channel: 'voice', n: 3 }], { runs: 16, horizonMinutes: 60, startTime: Date.now() });
    ms.push(performance.now() - t0);
  }
  return summarize(ms, 0);
}

async function main() {
  const m = machine();
  process.stderr.write(`latency: ${rate} events/s of background traffic, ${triggers} triggers…\n`);
  const lat = await latency();
  const on: number[] = [];
  const off: number[] = [];
  for (let r = 0; r < runs; r++) {
    process.stderr.write(`ingest run ${r + 1}/${runs}: recommender on, then off…\n`);
    on.push(await ingest(true, r));
    off.push(await ingest(false, r));
  }
  process.stderr.write('what-if on a 300-operator center…\n');
  const wi = await whatIfTiming();
  const busy = whatIfBusyCenter();
  const mean = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
  const ratio = mean(on) / mean(off);
  const md = [
    `Recommendation engine: latency and cost (\`node --import tsx bench/advice.ts\`)`,
    '',
    machineLine(m),
    '',
    '| what | measured | target | met? |',
    '|---|---|---|---|',
    `| event → alert pushed on /v1/stream, ${triggers} triggers beside ${lat.backgroundEventsPerSec} events/s | p50 ${lat.eventToAdviceMs.p50} · p95 ${lat.eventToAdviceMs.p95} · max ${lat.eventToAdviceMs.max} ms${lat.missed ? `; ${lat.missed} never arrived` : ''} | p95 ≤ 75 ms | ${lat.eventToAdviceMs.p95 <= 75 && lat.missed === 0 ? 'yes' : '**no**'} |`,
    `| one evaluation of the board on the main thread (during the row above) | mean ${lat.evaluation.meanMs} · max ${lat.evaluation.maxMs} ms over ${lat.evaluation.evaluations} evaluations | — | — |`,
    `| POST /v1/whatif (add 3, 16 runs of the hour ahead), ${wi.operators} operators on ${wi.streams} queue × channel streams, ${whatIfRuns} requests | p50 ${wi.ms.p50} · p95 ${wi.ms.p95} · max ${wi.ms.max} ms | < 1,000 ms | ${wi.ms.max < 1000 ? 'yes' : '**no**'} |`,
    `| the what-if simulation alone (16 runs of the hour), 200 operators at 85 % occupancy (10 voice queues × 20), in process | p50 ${busy.p50} · p95 ${busy.p95} · max ${busy.max} ms | < 1,000 ms | ${busy.max < 1000 ? 'yes' : '**no**'} |`,
    `| ingest, 4 × 500-event batches, ${ingestSeconds} s, recommender on / off | ${on.join(', ')} / ${off.join(', ')} events/s (mean ${mean(on)} / ${mean(off)}: ${Math.round(ratio * 100)} %) | ≥ 90 % | ${ratio >= 0.9 ? 'yes' : '**no**'} |`,
  ].join('\n');
  const dir = path.join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'advice.json'), JSON.stringify({ machine: m, latency: lat, whatIf: wi, whatIfBusyCenter: busy, ingest: { on, off, ratio } }, null, 2));
  writeFileSync(path.join(dir, 'advice.md'), md + '\n');
  process.stdout.write(md + '\n');
  await cleanupAll();
  process.exit(0);
}

main().catch(async (err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  await cleanupAll();
  process.exit(2);
});
