/**
 * ccpulse benchmark (npm run bench). Starts fresh embedded-mode servers (PGlite) as child processes and
 * measures: (1) ingest throughput with concurrent keep-alive clients, (2) event → SSE latency at a steady
 * rate, (3) server RSS and CPU per event. Prints a report and writes it as JSON to bench/results/latest.json.
 *
 * Environment (defaults in brackets):
 *   BENCH_INGEST_SECONDS [20]  BENCH_INGEST_WARMUP [3]  BENCH_CLIENTS [4]  BENCH_BATCH [500]
 *   BENCH_RATE [1000] events/s  BENCH_LATENCY_SECONDS [30]  BENCH_LATENCY_WARMUP [2]  BENCH_LATENCY_BATCH [10]
 *   BENCH_PHASES [ingest,latency]  BENCH_CPU_PROF [unset; a directory: run the servers with --cpu-prof there
 *   and append the hottest functions to the report]  BENCH_OUT [bench/results/latest.json]
 *   BENCH_SERVER_ENV [unset; "CCPULSE_CHECKPOINT_MS=60000 ..." — settings for the servers, which otherwise
 *   get no CCPULSE_* variables from this environment, for A/B runs]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { getJson } from './http.js';
import { runIngest, type IngestResult } from './ingest.js';
import { runLatency, type LatencyResult } from './latency.js';
import { cleanupAll, killAllSync, machineCores, ROOT, sampleProc, sleep, startServer, threadDelta, type Health, type ProcSample, type ServerHandle, envNumber as num } from './server.js';
import { round } from './stats.js';
import { formatProfile, listProfiles, summarizeProfile, type ProfileSummary } from './profile-top.js';

const cfg = {
  ingestSeconds: num('BENCH_INGEST_SECONDS', 20),
  ingestWarmup: num('BENCH_INGEST_WARMUP', 3),
  clients: num('BENCH_CLIENTS', 4),
  batch: num('BENCH_BATCH', 500),
  rate: num('BENCH_RATE', 1000),
  latencySeconds: num('BENCH_LATENCY_SECONDS', 30),
  latencyWarmup: num('BENCH_LATENCY_WARMUP', 2),
  latencyBatch: num('BENCH_LATENCY_BATCH', 10),
  phases: (process.env.BENCH_PHASES ?? 'ingest,latency').split(',').map((s) => s.trim()),
  cpuProf: process.env.BENCH_CPU_PROF ? path.resolve(process.env.BENCH_CPU_PROF) : undefined,
  out: path.resolve(process.env.BENCH_OUT ?? path.join(ROOT, 'bench', 'results', 'latest.json')),
  serverEnv: Object.fromEntries(
    (process.env.BENCH_SERVER_ENV ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((kv) => {
        const i = kv.indexOf('=');
        if (i <= 0) throw new Error(`BENCH_SERVER_ENV: expected NAME=VALUE, got "${kv}"`);
        return [kv.slice(0, i), kv.slice(i + 1)];
      }),
  ) as Record<string, string>,
};

interface ServerStats {
  pid: number;
  startupMs: number;
  /** Right after /healthz first answered: a fresh, empty server. */
  rssAfterStartupMb: number;
  /** At the start of the measured window (after start-up and warm-up). */
  rssAtWindowStartMb: number;
  /** At the end of the phase, before shutdown. */
  rssMb: number;
  peakRssMb: number;
  windowCpuSec: number;
  /** Mean cores busy during the measured window (whole process, all threads). */
  cpuCores: number;
  cpuUsPerEvent: number;
  /** Events the server processed during the window (log position delta), the denominator of the per-event figures. */
  eventsProcessedInWindow: number;
  /**
   * The two busy threads serialize the work: events/s the server could reach if it had the cores to
   * itself = 1 s / the CPU per event of the busier of the main thread and the PGlite worker.
   */
  ceiling: { mainUsPerEvent: number; workerUsPerEvent: number; eventsPerSec: number; limitedBy: string };
  /** CPU seconds in the window by thread. */
  threadsCpuSec: Record<string, number>;
  /** Cores busy machine-wide in the window, and how they split: the server, this load generator, everything else. */
  machine: { busyCores: number; serverCores: number; loadGenCores: number; otherCores: number; loadavgAtStart: number[] };
  /** /healthz polled once a second through the phase. */
  timeline: Array<{ t: number; position: number; openAppeals: number; lastCheckpointMs: number }>;
  health: Health;
  /** position ≥ events accepted over the whole phase (warm-up included). */
  nothingLost: boolean;
  shutdown: string;
  /** CLOCK_MONOTONIC µs of the window, to cut CPU profiles to it. */
  windowMonoUs: { fromUs: number; toUs: number } | null;
}

function machine() {
  const cpus = os.cpus();
  let gitRev = '';
  try {
    gitRev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim();
    if (dirty) gitRev += ' (src has uncommitted changes)';
  } catch {
    /* not a git checkout */
  }
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    availableParallelism: os.availableParallelism(),
    memoryGb: round(os.totalmem() / 1024 ** 3, 1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    date: new Date().toISOString(),
    commit: gitRev,
    loadavg: os.loadavg().map((v) => round(v, 2)),
  };
}

async function serverPhase<T extends { totalAccepted: number }>(
  label: string,
  body: (s: ServerHandle, onWindow: (edge: 'start' | 'end') => void) => Promise<T>,
  eventsInWindow: (r: T) => number,
): Promise<{ result: T; server: ServerStats }> {
  const loadavgAtStart = os.loadavg().map((v) => round(v, 2));
  const profDir = cfg.cpuProf ? path.join(cfg.cpuProf, label) : undefined;
  if (profDir) mkdirSync(profDir, { recursive: true });
  const s = await startServer({ label, cpuProfDir: profDir, extraEnv: cfg.serverEnv });
  process.stderr.write(`[bench] ${label}: server pid ${s.pid} on :${s.port} healthy after ${s.startupMs} ms\n`);
  const idle = sampleProc(s.pid);
  let a: ProcSample | null = null;
  let b: ProcSample | null = null;
  let cpu0: NodeJS.CpuUsage | null = null;
  let loadGen: NodeJS.CpuUsage | null = null;
  let posAtStart: Promise<number> = Promise.resolve(NaN);
  let posAtEnd: Promise<number> = Promise.resolve(NaN);
  const timeline: ServerStats['timeline'] = [];
  const t0 = performance.now();
  let polling = true;
  const poll = (async () => {
    while (polling) {
      try {
        const h = await getJson<Health>(s.port, '/healthz', 2_000);
        timeline.push({ t: round((performance.now() - t0) / 1000, 1), position: h.position, openAppeals: h.openAppeals, lastCheckpointMs: h.lastCheckpointMs });
      } catch {
        /* a slow answer under load is data too, but not worth failing for */
      }
      await sleep(1_000);
    }
  })();
  let result: T;
  try {
    result = await body(s, (edge) => {
      if (edge === 'start') {
        a = sampleProc(s.pid);
        cpu0 = process.cpuUsage();
        posAtStart = getJson<Health>(s.port, '/healthz', 10_000).then((h) => h.position, () => NaN);
      } else {
        b = sampleProc(s.pid);
        loadGen = process.cpuUsage(cpu0 ?? undefined);
        posAtEnd = getJson<Health>(s.port, '/healthz', 10_000).then((h) => h.position, () => NaN);
      }
    });
  } finally {
    polling = false;
    await poll;
  }
  // Everything acknowledged must be in the processor's position (the log is the source of truth).
  const health = await getJson<Health>(s.port, '/healthz');
  const end = sampleProc(s.pid);
  const stop = await s.stop();
  process.stderr.write(`[bench] ${label}: server stopped (${stop.exit}, ${stop.stopMs} ms)\n`);
  const sa = a as ProcSample | null;
  const sb = b as ProcSample | null;
  const lg = loadGen as NodeJS.CpuUsage | null;
  const windowCpu = sa && sb ? sb.cpuSec - sa.cpuSec : NaN;
  const wall = sa && sb ? (sb.at - sa.at) / 1000 : NaN;
  // CPU per event divides by the events the server processed in the window (log position moved by);
  // in a steady state that equals the events accepted in it, under a backlog it does not.
  const processed = (await posAtEnd) - (await posAtStart);
  const ev = Number.isFinite(processed) && processed > 0 ? processed : eventsInWindow(result);
  const threads = sa && sb ? threadDelta(s.pid, sa, sb) : {};
  const busy = sa && sb ? machineCores(sa, sb, os.cpus().length) : NaN;
  const serverCores = windowCpu / wall;
  const loadGenCores = lg ? (lg.user + lg.system) / 1e6 / wall : NaN;
  return {
    result,
    server: {
      pid: s.pid,
      startupMs: s.startupMs,
      rssAfterStartupMb: idle ? round(idle.rssKb / 1024, 1) : NaN,
      rssAtWindowStartMb: sa ? round(sa.rssKb / 1024, 1) : NaN,
      rssMb: end ? round(end.rssKb / 1024, 1) : NaN,
      peakRssMb: end ? round(end.hwmKb / 1024, 1) : NaN,
      windowCpuSec: round(windowCpu, 2),
      cpuCores: round(serverCores, 2),
      cpuUsPerEvent: round((windowCpu * 1e6) / ev, 2),
      eventsProcessedInWindow: ev,
      ceiling: ceilingOf(threads, ev),
      threadsCpuSec: Object.fromEntries(Object.entries(threads).map(([k, v]) => [k, round(v, 2)])),
      machine: {
        busyCores: round(busy, 2),
        serverCores: round(serverCores, 2),
        loadGenCores: round(loadGenCores, 2),
        otherCores: round(Math.max(0, busy - serverCores - loadGenCores), 2),
        loadavgAtStart,
      },
      timeline,
      health,
      nothingLost: health.position >= result.totalAccepted,
      shutdown: `${stop.exit} after ${stop.stopMs} ms`,
      windowMonoUs: sa && sb ? { fromUs: sa.monoUs, toUs: sb.monoUs } : null,
    },
  };
}

function ceilingOf(threads: Record<string, number>, events: number): ServerStats['ceiling'] {
  const main = threads['main (event loop)'] ?? NaN;
  const worker = threads['busiest other thread (PGlite worker)'] ?? NaN;
  const mainUs = (main * 1e6) / events;
  const workerUs = (worker * 1e6) / events;
  const worst = Math.max(mainUs, workerUs);
  return {
    mainUsPerEvent: round(mainUs, 1),
    workerUsPerEvent: round(workerUs, 1),
    eventsPerSec: Math.round(1e6 / worst / 100) * 100,
    limitedBy: workerUs >= mainUs ? 'PGlite worker thread' : 'main thread (event loop)',
  };
}

function fmtSummary(s: { p50: number; p95: number; p99: number; max: number; mean: number; count: number }) {
  return `p50 ${s.p50} · p95 ${s.p95} · p99 ${s.p99} · max ${s.max} · mean ${s.mean} (n=${s.count})`;
}

function serverLines(s: ServerStats, eventsLabel: string): string[] {
  const tl = s.timeline;
  const rates: number[] = [];
  for (let i = 1; i < tl.length; i++) rates.push(Math.round((tl[i].position - tl[i - 1].position) / Math.max(0.1, tl[i].t - tl[i - 1].t)));
  const cps = tl.map((x) => x.lastCheckpointMs);
  return [
    `- server: startup ${s.startupMs} ms · RSS ${s.rssAfterStartupMb} MB idle after startup, ${s.rssAtWindowStartMb} MB at window start → ${s.rssMb} MB at end (peak ${s.peakRssMb} MB) · CPU in window ${s.windowCpuSec} s = ${s.cpuCores} cores for ${s.eventsProcessedInWindow} events processed · **${s.cpuUsPerEvent} µs CPU per ${eventsLabel}**`,
    `- server CPU by thread in window (s): ${Object.entries(s.threadsCpuSec).map(([k, v]) => `${k} ${v}`).join(' · ') || 'n/a'}`,
    `- per event: main thread ${s.ceiling.mainUsPerEvent} µs · PGlite worker ${s.ceiling.workerUsPerEvent} µs → CPU-bound ceiling for this traffic shape with idle cores ≈ ${s.ceiling.eventsPerSec.toLocaleString('en-US')} events/s (limited by the ${s.ceiling.limitedBy})`,
    `- machine in window: ${s.machine.busyCores} cores busy = server ${s.machine.serverCores} + load generator ${s.machine.loadGenCores} + other processes ${s.machine.otherCores} · load average at phase start ${s.machine.loadavgAtStart.join(' / ')}`,
    ...(s.machine.otherCores > 0.25
      ? [`- ⚠ other processes kept ${s.machine.otherCores} of the machine's cores busy during this window: the server was CPU-starved, so throughput and latency here are pessimistic; CPU per event is the more stable figure`]
      : []),
    `- /healthz each second: log position rate min ${rates.length ? Math.min(...rates) : 'n/a'} / max ${rates.length ? Math.max(...rates) : 'n/a'} events/s · checkpoint commit ms ${cps.length ? `first ${cps[0]} → last ${cps[cps.length - 1]} (max ${Math.max(...cps)})` : 'n/a'} · open appeals in memory at end ${s.health.openAppeals}`,
    `- /healthz after: position ${s.health.position} · processed ${s.health.processed} · dead-lettered ${s.health.deadLettered} · nothing lost: **${s.nothingLost ? 'yes' : 'NO'}**`,
    `- shutdown: ${s.shutdown}`,
  ];
}

async function main(): Promise<number> {
  const runId = `b${Date.now().toString(36)}`;
  const m = machine();
  const report: Record<string, unknown> = { machine: m, config: { ...cfg, out: undefined }, runId };
  const lines: string[] = [
    '# ccpulse benchmark',
    '',
    `- machine: ${m.cpu} · ${m.cores} cores (parallelism ${m.availableParallelism}) · ${m.memoryGb} GB RAM · ${m.os}`,
    `- node ${m.node} · ${m.date} · commit ${m.commit || 'n/a'} · load average at start ${m.loadavg.join(' / ')}`,
    `- mode: embedded (PGlite: the log and the store, each on a worker thread), one server process per phase, fresh temp data dir; load generator in this process on the same machine${Object.keys(cfg.serverEnv).length ? ` · server env: ${Object.entries(cfg.serverEnv).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}`,
    '',
  ];
  let ok = true;

  if (cfg.phases.includes('ingest')) {
    process.stderr.write(`[bench] ingest: ${cfg.clients} clients × ${cfg.batch}-event batches, ${cfg.ingestWarmup} s warm-up + ${cfg.ingestSeconds} s\n`);
    const { result: r, server } = await serverPhase<IngestResult>(
      'ingest',
      (s, onWindow) =>
        runIngest({ port: s.port, clients: cfg.clients, batchSize: cfg.batch, warmupSec: cfg.ingestWarmup, durationSec: cfg.ingestSeconds, runId, onWindow }),
      (r) => r.acceptedEvents,
    );
    report.ingest = { ...r, server };
    const errs = Object.entries(r.errors);
    if (!server.nothingLost || errs.length || r.rejectedEvents || r.duplicates) ok = false;
    lines.push(
      `## 1. Ingest throughput`,
      '',
      `- parameters: ${cfg.clients} concurrent keep-alive clients (closed loop), ${cfg.batch} events per POST (JSON array), ${cfg.ingestWarmup} s warm-up, ${cfg.ingestSeconds} s measured`,
      `- **accepted: ${r.eventsPerSec.toLocaleString('en-US')} events/s** · ${r.requestsPerSec} requests/s · ${r.acceptedEvents} events in ${r.requests} requests · duplicates ${r.duplicates} · rejected ${r.rejectedEvents}`,
      `- request latency (ms): ${fmtSummary(r.latencyMs)}`,
      `- errors: ${errs.length ? errs.map(([k, v]) => `${v}× ${k}`).join('; ') : 'none'}`,
      `- whole phase: ${r.totalAccepted} events accepted in ${r.totalRequests} requests (warm-up included)`,
      ...serverLines(server, 'event'),
      '',
    );
  }

  if (cfg.phases.includes('latency')) {
    process.stderr.write(`[bench] latency: ${cfg.rate} events/s in batches of ${cfg.latencyBatch}, ${cfg.latencyWarmup} s warm-up + ${cfg.latencySeconds} s\n`);
    const { result: r, server } = await serverPhase<LatencyResult>(
      'latency',
      (s, onWindow) =>
        runLatency({ port: s.port, rate: cfg.rate, batchSize: cfg.latencyBatch, durationSec: cfg.latencySeconds, warmupSec: cfg.latencyWarmup, runId, onWindow }),
      (r) => r.acceptedEvents,
    );
    report.latency = { ...r, server };
    const errs = Object.entries(r.errors);
    if (!server.nothingLost || errs.length || r.unresolved) ok = false;
    lines.push(
      `## 2. Event → SSE latency at a steady rate`,
      '',
      `- parameters: one SSE client on /v1/stream; open-loop sender, ${r.params.batchSize} events per POST every ${r.params.intervalMs} ms (target ${cfg.rate} events/s), ${cfg.latencyWarmup} s warm-up, ${cfg.latencySeconds} s measured; latency = first \`update\` with position ≥ the POST's x-ccpulse-position received − just before the POST was sent`,
      `- achieved: ${r.achievedEventsPerSec} events/s over ${r.posts} POSTs · max sender slip ${r.maxSendSlipMs} ms`,
      `- **event → SSE (ms): ${fmtSummary(r.eventToSseMs)}** · within 50 ms: ${r.withinTargetPct}%`,
      `- POST round trip, for comparison (ms): ${fmtSummary(r.postRoundTripMs)}`,
      `- update arrived before the POST's own 202 in ${r.updateBeforeResponse} of ${r.posts} POSTs · unresolved ${r.unresolved}`,
      `- SSE: ${r.updates} updates (${r.updatesPerSec}/s, mean ${r.meanUpdateBytes} bytes) · server \`at\` → client received (ms): ${fmtSummary(r.sseDeliveryMs)}`,
      `- errors: ${errs.length ? errs.map(([k, v]) => `${v}× ${k}`).join('; ') : 'none'}`,
      ...serverLines(server, 'event'),
      '',
    );
  }

  if (cfg.cpuProf) {
    const profiles: ProfileSummary[] = [];
    for (const phase of ['ingest', 'latency'] as const) {
      const srv = (report[phase] as { server?: ServerStats } | undefined)?.server;
      if (!srv) continue;
      for (const f of listProfiles([path.join(cfg.cpuProf, phase)])) {
        // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is the main thread.
        const thread = Number(path.basename(f).split('.')[4]);
        const p = summarizeProfile(f, 15, srv.windowMonoUs ?? undefined);
        p.label = `${phase} window, ${thread === 0 ? 'main thread' : `worker thread ${thread} (PGlite)`}`;
        profiles.push(p);
      }
    }
    report.profiles = profiles;
    lines.push(`## CPU profiles of the measured windows (${cfg.cpuProf})`, '', ...profiles.map((p) => formatProfile(p) + '\n'));
  }

  lines.push(`Result: ${ok ? 'OK' : 'PROBLEMS (see errors / nothing lost above)'}`);
  report.ok = ok;
  const text = lines.join('\n');
  process.stdout.write(`\n${text}\n`);
  mkdirSync(path.dirname(cfg.out), { recursive: true });
  writeFileSync(cfg.out, `${JSON.stringify({ ...report, reportMarkdown: text }, null, 2)}\n`);
  process.stdout.write(`\nJSON written to ${path.relative(process.cwd(), cfg.out) || cfg.out}\n`);
  return ok ? 0 : 1;
}

let cleaning: Promise<void> | null = null;
const cleanup = () => (cleaning ??= cleanupAll());
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    process.stderr.write(`\n[bench] ${sig}: stopping servers and removing temp dirs\n`);
    void cleanup().finally(() => process.exit(130));
  });
}

process.on('uncaughtException', (err) => {
  process.stderr.write(`[bench] uncaught: ${err.stack ?? err.message}\n`);
  void cleanup().finally(() => process.exit(2));
});
// Last resort if something exits the process without the async cleanup: no orphaned servers or temp dirs.
process.on('exit', killAllSync);

const t0 = performance.now();
main()
  .then(
    (code) => code,
    (err: Error) => {
      process.stderr.write(`[bench] failed: ${err.stack ?? err.message}\n`);
      return 2;
    },
  )
  .then(async (code) => {
    await cleanup();
    process.stderr.write(`[bench] total ${round((performance.now() - t0) / 1000, 1)} s\n`);
    process.exit(code);
  });
