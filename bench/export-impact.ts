/**
 * Export impact benchmark (part of npm run bench; alone: npm run bench:export): does a large export slow
 * the live view? On a fresh embedded-mode server holding BENCH_EXPORT_DAYS days of the demo scenario's
 * history, it measures, first idle (the baseline) and then while exports run back to back (each every
 * minute × queue × channel × operator of the whole history, CSV, as a background job on its thread):
 *  - GET /v1/live latency, probed every 50 ms on a connection of its own;
 *  - the live stream's latency: an event posted every 250 ms, timed until the SSE update naming its
 *    queue arrives.
 * Target (issue #11): p99 of both during the exports within 2× of idle. Exit code 1 when missed.
 *
 * Environment: BENCH_EXPORT_DAYS [2], BENCH_EXPORT_SECONDS [30] (per phase),
 * BENCH_EXPORT_OUT [bench/results/export-impact.json].
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CcEvent } from '../src/contract/event.js';
import { createSimulation } from '../src/sim/index.js';
import { summarize, type Summary } from '../src/testing/open-loop.js';
import { envNumber as num, ROOT, runBench, sleep, startServer } from './server.js';

const cfg = {
  days: num('BENCH_EXPORT_DAYS', 2),
  seconds: num('BENCH_EXPORT_SECONDS', 30),
  out: path.resolve(process.env.BENCH_EXPORT_OUT ?? path.join(ROOT, 'bench', 'results', 'export-impact.json')),
};

/** Each probe names a queue never seen before (across phases): its event is a change the stream must carry at once. */
let probe = 0;

interface Phase {
  live: Summary;
  stream: Summary;
  /** From /healthz every 500 ms: the main thread's event-loop delay (p99 of its window), the checkpoint's last commit time. */
  loopP99Ms: Summary;
  checkpointMs: Summary;
  /** The event → SSE time split: the POST's answer, then the update after it. */
  postMs: Summary;
  exports: Array<{ ms: number; rows: number; bytes: number }>;
}

async function main(): Promise<void> {
  const server = await startServer({ label: 'export' });
  const base = `http://127.0.0.1:${server.port}`;
  // The probes are the users' browsers, on other machines in real life: here they share two cores with
  // the server, so this process (not the server, started before) runs at a higher priority where it may,
  // lest its own wait for the CPU be counted as the server's latency.
  let probePriority = 'normal';
  try {
    os.setPriority(-5);
    probePriority = 'nice -5';
  } catch {
    /* not permitted: measured at normal priority, and said so */
  }
  console.log(`probes at ${probePriority} priority`);
  try {
    // history: the demo scenario over the last days
    const now = Date.now();
    const sim = createSimulation({ scenario: 'demo', seed: 11, startTime: now - cfg.days * 86_400_000 - 600_000, durationMs: cfg.days * 86_400_000 });
    let posted = 0;
    const t0 = performance.now();
    for (let at = sim.startTime; at < sim.endTime; ) {
      at = Math.min(sim.endTime, at + 3_600_000);
      const events = sim.next(at) as CcEvent[];
      for (let i = 0; i < events.length; i += 5_000) {
        for (;;) {
          const res = await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events.slice(i, i + 5_000)) });
          await res.arrayBuffer();
          if (res.status === 202) break;
          if (res.status !== 503) throw new Error(`POST /v1/events answered ${res.status}`);
          await sleep(500);
        }
      }
      posted += events.length;
    }
    console.log(`history: ${posted.toLocaleString('en')} events of ${cfg.days} days posted in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    // the server settles first (checkpoints of the history, the advice's first reads of it): the baseline is the quiet server
    await sleep(15_000);

    const idle = await phase(base, false);
    const busy = await phase(base, true);
    const ratio = { live: busy.live.p99 / idle.live.p99, stream: busy.stream.p99 / idle.stream.p99 };
    const met = ratio.live <= 2 && ratio.stream <= 2;
    const result = { cfg, probePriority, events: posted, idle, busy, ratio, met };
    mkdirSync(path.dirname(cfg.out), { recursive: true });
    writeFileSync(cfg.out, JSON.stringify(result, null, 2));
    const row = (name: string, s: Summary) => `${name.padEnd(34)} ${String(s.count).padStart(6)} ${String(s.p50).padStart(8)} ${String(s.p99).padStart(8)} ${String(s.max).padStart(8)}`;
    console.log(['', 'ms                                  count      p50      p99      max', row('GET /v1/live, idle', idle.live), row('GET /v1/live, exports running', busy.live), row('event → SSE update, idle', idle.stream), row('event → SSE update, exports running', busy.stream), row('  of which POST answered, idle', idle.postMs), row('  of which POST answered, exports', busy.postMs), row('event-loop p99 (healthz), idle', idle.loopP99Ms), row('event-loop p99 (healthz), exports', busy.loopP99Ms), row('checkpoint commit, idle', idle.checkpointMs), row('checkpoint commit, exports', busy.checkpointMs)].join('\n'));
    const e = busy.exports;
    console.log(`\nexports during the phase: ${e.length}, each ${e.map((x) => `${(x.ms / 1000).toFixed(1)} s, ${x.rows.toLocaleString('en')} rows, ${(x.bytes / 1e6).toFixed(1)} MB`).join('; ')}`);
    console.log(`p99 during / idle: live ${ratio.live.toFixed(2)}×, stream ${ratio.stream.toFixed(2)}× (target ≤ 2×): ${met ? 'met' : 'MISSED'}`);
    console.log(`written to ${path.relative(ROOT, cfg.out)}`);
    process.exitCode = met ? 0 : 1;
  } finally {
    await server.stop();
  }
}

/** Probes the live API and the stream for cfg.seconds; with `exporting`, exports run back to back meanwhile. */
async function phase(base: string, exporting: boolean): Promise<Phase> {
  const until = performance.now() + cfg.seconds * 1000;
  const live: number[] = [];
  const stream: number[] = [];
  const exports: Phase['exports'] = [];
  const sse = await openStream(base);
  const loop: number[] = [];
  const checkpoint: number[] = [];
  const post: number[] = [];
  const health = (async () => {
    while (performance.now() < until) {
      const h = (await (await fetch(`${base}/healthz`)).json()) as { eventLoopDelayMs?: { p99Ms: number }; lastCheckpointMs?: number };
      if (h.eventLoopDelayMs) loop.push(h.eventLoopDelayMs.p99Ms);
      if (h.lastCheckpointMs !== undefined) checkpoint.push(h.lastCheckpointMs);
      await sleep(500);
    }
  })();
  const exporter = (async () => {
    while (exporting && performance.now() < until) exports.push(await runExport(base));
  })();
  const liveProbe = (async () => {
    while (performance.now() < until) {
      const t = performance.now();
      const res = await fetch(`${base}/v1/live`);
      await res.arrayBuffer();
      live.push(performance.now() - t);
      await sleep(50);
    }
  })();
  const streamProbe = (async () => {
    while (performance.now() < until) {
      const queue = `probe-${probe++}`;
      const t = performance.now();
      const seen = sse.waitFor(`"queue":"${queue}"`);
      await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ id: `${queue}-op`, type: 'OPERATOR_STATUS', ts: new Date().toISOString(), operatorId: `probe-op-${probe}`, status: 'ready', queue, channel: 'voice' }]) }).then((r) => r.arrayBuffer());
      post.push(performance.now() - t);
      await seen;
      stream.push(performance.now() - t);
      await sleep(250);
    }
  })();
  await Promise.all([liveProbe, streamProbe, exporter, health]);
  sse.close();
  return { live: summarize(live), stream: summarize(stream), loopP99Ms: summarize(loop), checkpointMs: summarize(checkpoint), postMs: summarize(post), exports };
}

async function runExport(base: string): Promise<{ ms: number; rows: number; bytes: number }> {
  const t = performance.now();
  const body = { kind: 'export', format: 'csv', from: new Date(Date.now() - (cfg.days + 1) * 86_400_000).toISOString(), to: new Date().toISOString(), interval: '1m', groupBy: 'queue,channel,operator' };
  const started = await fetch(`${base}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const job = (await started.json()) as { id: string; error?: { message: string } };
  if (started.status !== 202) throw new Error(`POST /v1/jobs answered ${started.status}: ${job.error?.message}`);
  for (;;) {
    await sleep(200);
    const j = (await (await fetch(`${base}/v1/jobs/${job.id}`)).json()) as { state: string; error: string | null; progress: { rows: number }; bytes: number | null };
    if (j.state === 'done') return { ms: performance.now() - t, rows: j.progress.rows, bytes: j.bytes ?? 0 };
    if (j.state === 'failed') throw new Error(`export failed: ${j.error}`);
  }
}

/** The live stream, read as it comes: waitFor resolves when a message holding `text` arrives. */
async function openStream(base: string): Promise<{ waitFor(text: string): Promise<void>; close(): void }> {
  const ctl = new AbortController();
  const res = await fetch(`${base}/v1/stream`, { signal: ctl.signal });
  const waiting = new Map<string, () => void>();
  void (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const msg = buf.slice(0, end);
          buf = buf.slice(end + 2);
          for (const [text, done] of waiting) {
            if (msg.includes(text)) {
              waiting.delete(text);
              done();
            }
          }
        }
      }
    } catch {
      /* closed */
    }
  })();
  return {
    waitFor: (text) => new Promise<void>((resolve) => waiting.set(text, resolve)),
    close: () => ctl.abort(),
  };
}

runBench(main);
