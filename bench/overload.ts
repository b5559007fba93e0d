/**
 * Overload benchmark (part of npm run bench). Measures what a fresh embedded-mode server sustains
 * (closed loop), then offers it open-loop load (batches sent on schedule whatever the answers, new
 * connections opened as needed, as many independent integrators would) at 1× that capacity (the
 * baseline) and at 10×, each on a fresh server, and reports side by side: offered vs admitted rate, 503s,
 * resets, admitted and refused latency, /healthz latency, the server's event-loop delay, RSS idle / peak /
 * a minute after the load, log lines by level, and whether every acknowledged event was counted once.
 *
 * The load generator runs in a child process (src/testing/load-driver.ts); /healthz is probed from this
 * process every 100 ms on a connection of its own.
 *
 * Environment (defaults in brackets): BENCH_OVERLOAD_SECONDS [20] (load per phase),
 * BENCH_OVERLOAD_FACTORS [1,10] (multiples of capacity, one phase each), BENCH_OVERLOAD_AFTER [60] (seconds
 * to watch RSS after the load), BENCH_CAPACITY_SECONDS [10], BENCH_CAPACITY_CLIENTS [8], BENCH_BATCH [500],
 * BENCH_OVERLOAD_WORKLOAD [appeals] (or status), BENCH_SERVER_ENTRY [dist/cli/main.js of this checkout; another
 * build's to compare], BENCH_OVERLOAD_OUT [bench/results/overload.json]. Exit code 1 when a guarantee is broken
 * (a reset, a 503 without Retry-After, an acknowledged event not counted).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { runDriver } from '../src/testing/load-driver.js';
import { getJson, probeHealth, rssOf, summarize, type LoadResult, type Summary, type Workload } from '../src/testing/open-loop.js';
import { cleanupAll, killAllSync, machineCores, ROOT, sampleProc, sleep, startServer, threadDelta, type ServerHandle, envNumber as num } from './server.js';

const cfg = {
  seconds: num('BENCH_OVERLOAD_SECONDS', 20),
  factors: (process.env.BENCH_OVERLOAD_FACTORS ?? '1,10').split(',').map(Number),
  afterSec: num('BENCH_OVERLOAD_AFTER', 60),
  capacitySeconds: num('BENCH_CAPACITY_SECONDS', 10),
  capacityClients: num('BENCH_CAPACITY_CLIENTS', 8),
  batch: num('BENCH_BATCH', 500),
  workload: (process.env.BENCH_OVERLOAD_WORKLOAD ?? 'appeals') as Workload,
  entry: process.env.BENCH_SERVER_ENTRY ?? 'dist/cli/main.js',
  out: path.resolve(process.env.BENCH_OVERLOAD_OUT ?? path.join(ROOT, 'bench', 'results', 'overload.json')),
};

/** /healthz; the last three are absent from servers built before admission control (BENCH_SERVER_ENTRY). */
interface Health {
  processed: number;
  openAppeals: number;
  ingest?: { backlogEvents: number; drainRate: number; refusedRequests: number; refusedBeforeBody: number };
  eventLoopDelayMs?: { p50Ms: number; p99Ms: number; maxMs: number; windowSec: number };
  memoryMb?: { rss: number; heapUsed: number; heapTotal: number };
}

interface Phase {
  factor: number;
  targetEventsPerSec: number;
  load: LoadResult;
  healthMs: Summary;
  healthFailures: number;
  /** The server's own event-loop delay, worst 10-s window during the load. */
  eventLoop: { p99Ms: number; maxMs: number };
  peakBacklogEvents: number;
  drainRate: number;
  rss: { idleMb: number; peakMb: number; endOfLoadMb: number; afterMb: number; afterSec: number; heapUsedAfterMb: number; openAppealsAfter: number };
  cpu: { serverCores: number; mainThreadCores: number; mainRunQueueWaitPct: number; loadGenCores: number; otherCores: number };
  accounting: { acceptedSum: number; processed: number; exact: boolean };
  logLevels: Record<string, number>;
  listenOverflows: number;
}

/**
 * Connections the kernel dropped because a listen queue was full (TcpExt ListenOverflows, machine-wide):
 * a server that does not accept() for long drops handshakes, and the client of a dropped handshake may
 * later get a reset for data it already sent.
 */
function listenOverflows(): number {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
    for (let i = 0; i + 1 < lines.length; i += 2) {
      const h = lines[i].split(' ');
      const k = h.indexOf('ListenOverflows');
      if (k > 0) return Number(lines[i + 1].split(' ')[k]);
    }
  } catch {
    /* not Linux */
  }
  return NaN;
}

/** Time the main thread spent runnable but waiting for a CPU (ms), from schedstat. */
function runQueueWaitMs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return NaN;
  }
}

async function capacityPhase(runId: string): Promise<LoadResult> {
  const s = await startServer({ label: 'capacity' });
  process.stderr.write(`[overload] capacity: server pid ${s.pid}, ${cfg.capacityClients} clients × ${cfg.batch}-event batches, 3 s warm-up + ${cfg.capacitySeconds} s\n`);
  try {
    await runDriver({ mode: 'closed', port: s.port, clients: cfg.capacityClients, batch: cfg.batch, durationSec: 3, runId: `${runId}-w`, workload: cfg.workload });
    return await runDriver({ mode: 'closed', port: s.port, clients: cfg.capacityClients, batch: cfg.batch, durationSec: cfg.capacitySeconds, runId: `${runId}-c`, workload: cfg.workload });
  } finally {
    await s.stop();
  }
}

async function loadPhase(factor: number, capacity: number, runId: string): Promise<Phase> {
  const s: ServerHandle = await startServer({ label: `x${factor}` });
  const target = Math.round(factor * capacity);
  process.stderr.write(`[overload] ${factor}×: server pid ${s.pid}, ${target} events/s offered for ${cfg.seconds} s\n`);
  try {
    await sleep(2_000);
    const idleMb = rssOf(s.pid).rssMb;
    let peakMb = idleMb;
    const sampler = setInterval(() => {
      try {
        peakMb = Math.max(peakMb, rssOf(s.pid).rssMb);
      } catch {
        /* gone */
      }
    }, 250);
    let peakBacklog = 0;
    let drainRate = 0;
    const loopWindows: NonNullable<Health['eventLoopDelayMs']>[] = [];
    const probe = probeHealth(s.port, 100, (h) => {
      const hh = h as unknown as Health;
      peakBacklog = Math.max(peakBacklog, hh.ingest?.backlogEvents ?? NaN);
      drainRate = hh.ingest?.drainRate ?? NaN;
      const w = hh.eventLoopDelayMs;
      if (w?.windowSec && !loopWindows.some((x) => JSON.stringify(x) === JSON.stringify(w))) loopWindows.push(w);
    });
    const a = sampleProc(s.pid);
    const rq0 = runQueueWaitMs(s.pid);
    const lo0 = listenOverflows();
    const t0 = performance.now();
    let load: LoadResult;
    try {
      load = await runDriver({ mode: 'open', port: s.port, eventsPerSec: target, batch: cfg.batch, durationSec: cfg.seconds, runId, workload: cfg.workload, drainTimeoutMs: 180_000 });
    } finally {
      clearInterval(sampler);
    }
    const b = sampleProc(s.pid);
    const wall = (performance.now() - t0) / 1000;
    const rq = runQueueWaitMs(s.pid) - rq0;
    const overflows = listenOverflows() - lo0;
    const health = await probe.stop();
    // the last event-loop window that covered the load
    await sleep(100);
    const endOfLoadMb = rssOf(s.pid).rssMb;
    let h = await getJson<Health>(false, s.port, '/healthz');
    while ((h.ingest?.backlogEvents ?? 0) > 0) {
      await sleep(200);
      h = await getJson<Health>(false, s.port, '/healthz');
    }
    process.stderr.write(`[overload] ${factor}×: load done (${load.statuses['202'] ?? 0} × 202, ${load.statuses['503'] ?? 0} × 503); watching RSS for ${cfg.afterSec} s\n`);
    await sleep(cfg.afterSec * 1000);
    const after = await getJson<Health>(false, s.port, '/healthz');
    const afterMb = rssOf(s.pid).rssMb;
    const threads = a && b ? threadDelta(s.pid, a, b) : {};
    const serverCores = a && b ? (b.cpuSec - a.cpuSec) / wall : NaN;
    const busy = a && b ? machineCores(a, b, os.cpus().length) : NaN;
    const loadGenCores = load.cpuSec / wall;
    return {
      factor,
      targetEventsPerSec: target,
      load,
      healthMs: health.ms,
      healthFailures: health.failures,
      eventLoop: loopWindows.length ? { p99Ms: Math.max(...loopWindows.map((w) => w.p99Ms)), maxMs: Math.max(...loopWindows.map((w) => w.maxMs)) } : { p99Ms: NaN, maxMs: NaN },
      peakBacklogEvents: peakBacklog,
      drainRate,
      rss: { idleMb, peakMb, endOfLoadMb, afterMb, afterSec: cfg.afterSec, heapUsedAfterMb: after.memoryMb?.heapUsed ?? NaN, openAppealsAfter: after.openAppeals },
      cpu: {
        serverCores: round2(serverCores),
        mainThreadCores: round2((threads['main (event loop)'] ?? NaN) / wall),
        mainRunQueueWaitPct: Math.round((rq / (wall * 1000)) * 100),
        loadGenCores: round2(loadGenCores),
        otherCores: round2(Math.max(0, busy - serverCores - loadGenCores)),
      },
      accounting: { acceptedSum: load.accepted, processed: after.processed, exact: after.processed === load.accepted },
      logLevels: s.logLevels(),
      listenOverflows: overflows,
    };
  } finally {
    const stop = await s.stop();
    process.stderr.write(`[overload] ${factor}×: server stopped (${stop.exit})\n`);
  }
}

const round2 = (v: number) => Math.round(v * 100) / 100;
const n = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a');
const lat = (s: Summary) => (s.count ? `${s.p50} / ${s.p95} / ${s.p99} / ${s.max}` : '–');

function report(capacity: LoadResult, phases: Phase[], m: Record<string, unknown>): string {
  const col = (f: (p: Phase) => string) => phases.map(f).join(' | ');
  const levels = (p: Phase) => Object.entries(p.logLevels).map(([k, v]) => `${v}×${({ 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' } as Record<string, string>)[k] ?? k}`).join(', ') || 'none';
  return [
    '# ccpulse overload benchmark',
    '',
    `- machine: ${m.cpu} · ${m.cores} cores · ${m.memoryGb} GB · node ${m.node} · ${m.date} · commit ${m.commit} · load average at start ${(m.loadavg as number[]).join(' / ')}`,
    `- server: ${cfg.entry} (embedded PGlite), a fresh data directory and process per phase; ${cfg.workload === 'appeals' ? 'appeal lifecycles' : 'operator status changes'} in ${cfg.batch}-event JSON batches; load generator in a child process on the same cores`,
    `- capacity (closed loop, ${cfg.capacityClients} clients, ${cfg.capacitySeconds} s): **${n(capacity.acceptedEventsPerSec)} events/s** (request p50 ${capacity.admittedMs.p50} ms, p99 ${capacity.admittedMs.p99} ms)`,
    `- each phase: open loop at the factor × capacity for ${cfg.seconds} s, /healthz probed every 100 ms, RSS sampled every 250 ms and ${cfg.afterSec} s after the load`,
    '',
    `| | ${col((p) => `${p.factor}× capacity`)} |`,
    `|---|${col(() => '---')}|`,
    `| offered events/s (requests) | ${col((p) => `${n(p.load.offeredEventsPerSec)} (${n(p.load.requests)})`)} |`,
    `| acknowledged events/s (Σ accepted ÷ sending window, however late the 202) | ${col((p) => `**${n(p.load.acceptedEventsPerSec)}**`)} |`,
    `| 202 / 503 / no HTTP answer | ${col((p) => `${p.load.statuses['202'] ?? 0} / ${p.load.statuses['503'] ?? 0} / ${p.load.statuses['0'] ?? 0}${Object.keys(p.load.socketErrors).length ? ` (${JSON.stringify(p.load.socketErrors)}, after ${lat(p.load.failedMs)} ms)` : ''}`)} |`,
    `| 503 without CCP_OVERLOADED + Retry-After | ${col((p) => String(p.load.bad503))} |`,
    `| kernel listen-queue overflows (machine-wide) | ${col((p) => n(p.listenOverflows))} |`,
    `| Retry-After values | ${col((p) => Object.entries(p.load.retryAfter).map(([k, v]) => `${k} s: ${v}`).join(', ') || '–')} |`,
    `| admitted latency ms p50 / p95 / p99 / max | ${col((p) => `**${lat(p.load.admittedMs)}**`)} |`,
    `| refused (503) latency ms p50 / p95 / p99 / max | ${col((p) => lat(p.load.refusedMs))} |`,
    `| /healthz ms p50 / p95 / p99 / max (failures) | ${col((p) => `**${lat(p.healthMs)}** (${p.healthFailures})`)} |`,
    `| server event-loop delay, worst 10 s window: p99 / max ms | ${col((p) => (Number.isFinite(p.eventLoop.p99Ms) ? `${p.eventLoop.p99Ms} / ${p.eventLoop.maxMs}` : 'n/a'))} |`,
    `| peak admitted backlog (events) · drain rate estimate at end | ${col((p) => `${n(p.peakBacklogEvents)} · ${n(p.drainRate)}/s`)} |`,
    `| RSS MB idle / peak / end of load / ${cfg.afterSec} s after | ${col((p) => `${p.rss.idleMb} / **${p.rss.peakMb}** / ${p.rss.endOfLoadMb} / **${p.rss.afterMb}**`)} |`,
    `| JS heap used ${cfg.afterSec} s after · appeals in memory | ${col((p) => `${n(p.rss.heapUsedAfterMb)} MB · ${n(p.rss.openAppealsAfter)}`)} |`,
    `| every 202'd event counted once (Σ accepted = processed) | ${col((p) => `${p.accounting.exact ? 'yes' : '**NO**'} (${n(p.accounting.acceptedSum)} = ${n(p.accounting.processed)})`)} |`,
    `| server log lines by level | ${col(levels)} |`,
    `| cores: server (main thread) · load generator · other processes | ${col((p) => `${p.cpu.serverCores} (${p.cpu.mainThreadCores}) · ${p.cpu.loadGenCores} · ${p.cpu.otherCores}`)} |`,
    `| main thread runnable but waiting for a CPU | ${col((p) => `${p.cpu.mainRunQueueWaitPct}% of the time`)} |`,
    `| load generator: worst send slip | ${col((p) => `${p.load.maxSendSlipMs} ms`)} |`,
    '',
  ].join('\n');
}

function machine() {
  let commit = '';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    if (execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim()) commit += ' (src has uncommitted changes)';
  } catch {
    /* not a git checkout */
  }
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    date: new Date().toISOString(),
    commit,
    loadavg: os.loadavg().map((v) => round2(v)),
  };
}

async function main(): Promise<number> {
  const runId = `o${Date.now().toString(36)}`;
  const m = machine();
  const capacity = await capacityPhase(runId);
  process.stderr.write(`[overload] capacity ${capacity.acceptedEventsPerSec} events/s\n`);
  const phases: Phase[] = [];
  for (const f of cfg.factors) phases.push(await loadPhase(f, capacity.acceptedEventsPerSec, `${runId}-x${f}`));
  const text = report(capacity, phases, m);
  const ok = phases.every((p) => p.accounting.exact && p.load.bad503 === 0 && !p.load.statuses['0'] && p.load.unanswered === 0);
  process.stdout.write(`\n${text}\nResult: ${ok ? 'OK' : 'PROBLEMS (resets, bad 503s or events not counted: see above)'}\n`);
  mkdirSync(path.dirname(cfg.out), { recursive: true });
  writeFileSync(cfg.out, `${JSON.stringify({ machine: m, config: cfg, capacity, phases, ok, reportMarkdown: text }, null, 2)}\n`);
  process.stdout.write(`\nJSON written to ${path.relative(process.cwd(), cfg.out) || cfg.out}\n`);
  return ok ? 0 : 1;
}

process.on('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void cleanupAll().finally(() => process.exit(130)));
main()
  .then(
    (code) => code,
    (err: Error) => {
      process.stderr.write(`[overload] failed: ${err.stack ?? err.message}\n`);
      return 2;
    },
  )
  .then(async (code) => {
    await cleanupAll();
    process.exit(code);
  });
