/**
 * One storage mode of ccpulse through the scale bench, from outside only (HTTP API and the CLI): start on an
 * empty data dir, load the data set slice by slice (with the data-size curve's queries after each slice),
 * time the history queries, verify, event → SSE latency while the heaviest queries and a whole-range
 * verify run, and recovery after kill -9 at full ingest.
 */
import { EventGenerator } from '../events.js';
import { getJson, keepAliveAgent, postJson } from '../http.js';
import { runLatency, type LatencyResult } from '../latency.js';
import { sampleProc, sleep, startServer, threadDelta, type Health, type ProcSample, type ServerHandle } from '../server.js';
import { round, summarize, type Summary } from '../stats.js';
import { LineReader, type Dataset } from './dataset.js';
import { loadSlice } from './load.js';
import { backendPidsOf, backendsCpuSec, type Sql } from './pg-raw.js';
import { ccpulseMetrics, QUERIES, rssMb, rssWatcher, timeRuns, type Timing } from './queries.js';

export interface ScaleConfig {
  clients: number;
  batch: number;
  /** Slice ends, in hours from the data set's start (the last one is the whole data set). */
  curveHours: number[];
  curveRuns: number;
  runs: number;
  warmup: number;
  queryBudgetSec: number;
  queryTimeoutMs: number;
  liveSeconds: number;
  liveRate: number;
  verifyTimeoutSec: number;
  killAfterSec: number;
  /** What runs beside the live phase's latency probe (default both): to tell their effects apart. */
  liveWith?: { heavy: boolean; verify: boolean };
}

export interface CurvePoint {
  hours: number;
  events: number;
  lastHour: Timing;
  rangeByQueue: Timing;
}

export interface ModeResult {
  mode: 'embedded' | 'postgres' | 'clickhouse';
  startupMs: number;
  idleRssMb: number;
  load: {
    events: number;
    accepted: number;
    duplicates: number;
    rejected: number;
    retries503: number;
    errors: Record<string, number>;
    seconds: number;
    eventsPerSec: number;
    /** The server process, all threads. */
    cpuUsPerEvent: number;
    mainThreadUsPerEvent: number;
    /** PostgreSQL mode: the CPU of ccpulse's PostgreSQL backends too. */
    pgBackendsUsPerEvent?: number;
    /** After the last 202, until the processor's position reached the last acknowledged one. */
    catchUpSec: number;
  };
  rssAfterLoadMb: number;
  curve: CurvePoint[];
  queries: Record<string, Timing>;
  peakRssQueriesMb: number;
  verifyLastHour: VerifyOutcome;
  live: LiveResult;
  recovery: RecoveryResult | { error: string };
  logLevels: Record<string, number>;
}

interface VerifyOutcome {
  seconds: number;
  ok: boolean;
  events?: number;
  cells?: number;
  differences?: number;
  error?: string;
}

export interface LiveResult {
  latency?: LatencyResult;
  latencyError?: string;
  heavyQueries: { count: number; ms: Summary; errors: string[] };
  verifyWholeRange: VerifyOutcome;
  rssBeforeMb: number;
  peakRssMb: number;
  survived: boolean;
  exit?: string;
}

export interface RecoveryResult {
  ackedPosition: number;
  ingestEventsPerSec: number;
  restartToHealthzMs: number;
  restartToCaughtUpMs: number;
  recoveredPosition: number;
  allAcknowledgedRecovered: boolean;
}

const log = (s: string) => process.stderr.write(`[bench:scale] ${s}\n`);

async function health(port: number, timeoutMs = 10_000): Promise<Health> {
  return getJson<Health>(port, '/healthz', timeoutMs);
}

/** Waits until the processor's position reaches `position` (what was acknowledged); seconds, or NaN on timeout. */
async function caughtUp(port: number, position: number, timeoutSec: number): Promise<number> {
  const t0 = performance.now();
  while ((performance.now() - t0) / 1000 < timeoutSec) {
    try {
      if ((await health(port)).position >= position) return (performance.now() - t0) / 1000;
    } catch {
      /* busy: ask again */
    }
    await sleep(100);
  }
  return NaN;
}

async function verify(port: number, fromMs: number, toMs: number, timeoutSec: number): Promise<VerifyOutcome> {
  const t0 = performance.now();
  const q = new URLSearchParams({ from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() });
  try {
    const r = await getJson<{ events: number; cells: number; differences: unknown[] }>(port, `/v1/verify?${q}`, timeoutSec * 1000);
    return { seconds: round((performance.now() - t0) / 1000, 1), ok: true, events: r.events, cells: r.cells, differences: r.differences.length };
  } catch (err) {
    return { seconds: round((performance.now() - t0) / 1000, 1), ok: false, error: (err as Error).message.slice(0, 200) };
  }
}

export async function runMode(
  mode: 'embedded' | 'postgres' | 'clickhouse',
  ds: Dataset,
  cfg: ScaleConfig,
  pg: { url: string; db: string; admin: Sql } | null,
  clickhouseUrl?: string,
): Promise<ModeResult> {
  const extraArgs = pg ? ['--storage', 'postgres', '--postgres-url', pg.url] : clickhouseUrl ? ['--storage', clickhouseUrl] : [];
  let s: ServerHandle = await startServer({ label: `scale-${mode}`, extraArgs, readyTimeoutMs: 120_000 });
  const startupMs = s.startupMs;
  log(`${mode}: healthy after ${startupMs} ms (pid ${s.pid})`);
  await sleep(2_000);
  const idleRssMb = rssMb(s.pid);

  // Load, slice by slice; the curve's queries run after each slice, outside the ingest's clock.
  const reader = new LineReader(ds.file);
  const load = { events: 0, accepted: 0, duplicates: 0, rejected: 0, retries503: 0, errors: {} as Record<string, number>, seconds: 0, cpuSec: 0, mainSec: 0, pgSec: 0, catchUpSec: 0 };
  const curve: CurvePoint[] = [];
  let maxPosition = 0;
  for (const hours of cfg.curveHours) {
    const until = ds.startMs + hours * 3_600_000;
    const pids = pg ? await backendPidsOf(pg.admin, pg.db) : [];
    const a = sampleProc(s.pid);
    const pg0 = backendsCpuSec(pids);
    const r = await loadSlice(s.port, reader, until, cfg.clients, cfg.batch);
    const b = sampleProc(s.pid);
    load.pgSec += backendsCpuSec(pids) - pg0;
    if (a && b) {
      load.cpuSec += b.cpuSec - a.cpuSec;
      load.mainSec += threadDelta(s.pid, a, b)['main (event loop)'];
    }
    load.events += r.events;
    load.accepted += r.accepted;
    load.duplicates += r.duplicates;
    load.rejected += r.rejected;
    load.retries503 += r.retries503;
    load.seconds += r.seconds;
    for (const [k, v] of Object.entries(r.errors)) load.errors[k] = (load.errors[k] ?? 0) + v;
    maxPosition = Math.max(maxPosition, r.maxPosition);
    const cu = await caughtUp(s.port, maxPosition, 600);
    load.catchUpSec += cu;
    log(`${mode}: ${reader.count} events loaded (${Math.round(r.events / r.seconds)} events/s in this slice; caught up ${round(cu, 1)} s later)`);
    if (hours === cfg.curveHours[cfg.curveHours.length - 1]) break; // the last point is the full measurement below
    const point: CurvePoint = { hours, events: reader.count, lastHour: undefined!, rangeByQueue: undefined! };
    for (const q of QUERIES.filter((x) => x.key !== 'rangeByOperator')) {
      const [from, to] = q.range(ds.startMs, until);
      point[q.key as 'lastHour' | 'rangeByQueue'] = await timeRuns(() => ccpulseMetrics(s.port, q, from, to, cfg.queryTimeoutMs), 1, cfg.curveRuns, cfg.queryBudgetSec / 2);
    }
    curve.push(point);
  }
  reader.close();
  const rssAfterLoadMb = rssMb(s.pid);

  // History queries on the whole data set.
  const queries: Record<string, Timing> = {};
  const watch = rssWatcher(s.pid);
  for (const q of QUERIES) {
    const [from, to] = q.range(ds.startMs, ds.endMs);
    log(`${mode}: ${q.label}`);
    queries[q.key] = await timeRuns(() => ccpulseMetrics(s.port, q, from, to, cfg.queryTimeoutMs), cfg.warmup, cfg.runs, cfg.queryBudgetSec);
    log(`${mode}:   p50 ${queries[q.key].ms.p50} ms, p95 ${queries[q.key].ms.p95} ms (${queries[q.key].runs} runs)${queries[q.key].error ? ` error: ${queries[q.key].error}` : ''}`);
  }
  curve.push({ hours: cfg.curveHours[cfg.curveHours.length - 1], events: load.events, lastHour: queries.lastHour, rangeByQueue: queries.rangeByQueue });
  log(`${mode}: verify, last hour of the data`);
  const verifyLastHour = await verify(s.port, ds.endMs - 3_600_000, ds.endMs, cfg.verifyTimeoutSec);
  watch.stop();
  const peakRssQueriesMb = watch.peakMb();

  const live = await liveUnderLoad(s, ds, cfg);
  if (!live.survived) {
    log(`${mode}: the server died during the live phase (${live.exit}); restarting it on the same data for the recovery phase`);
    s = await startServer({ label: `scale-${mode}`, extraArgs, reuseDir: s.dir, readyTimeoutMs: 600_000 });
  }
  let recovery: ModeResult['recovery'];
  try {
    const r = await recoveryAfterKill(s, cfg, extraArgs);
    s = r.server;
    recovery = r.result;
  } catch (err) {
    recovery = { error: (err as Error).message.slice(0, 300) };
  }
  const logLevels = s.logLevels();
  await s.stop();
  const mainThreadUsPerEvent = (load.mainSec * 1e6) / load.events;
  return {
    mode,
    startupMs,
    idleRssMb,
    load: {
      events: load.events,
      accepted: load.accepted,
      duplicates: load.duplicates,
      rejected: load.rejected,
      retries503: load.retries503,
      errors: load.errors,
      seconds: round(load.seconds, 1),
      eventsPerSec: Math.round(load.events / load.seconds),
      cpuUsPerEvent: round((load.cpuSec * 1e6) / load.events, 1),
      mainThreadUsPerEvent: round(mainThreadUsPerEvent, 1),
      pgBackendsUsPerEvent: pg ? round((load.pgSec * 1e6) / load.events, 1) : undefined,
      catchUpSec: round(load.catchUpSec, 1),
    },
    rssAfterLoadMb,
    curve,
    queries,
    peakRssQueriesMb,
    verifyLastHour,
    live,
    recovery,
    logLevels,
  };
}

/**
 * Event → SSE latency at cfg.liveRate while, on other connections, the heaviest history queries run in a
 * loop and one verify of the whole range runs (the issue's "side by side"). The verify may outlive the
 * latency window; it gets cfg.verifyTimeoutSec, and whether the server survived it is part of the result.
 */
export async function liveUnderLoad(s: ServerHandle, ds: Dataset, cfg: ScaleConfig): Promise<LiveResult> {
  log(`live: ${cfg.liveRate} events/s for ${cfg.liveSeconds} s with the heaviest queries and a whole-range verify alongside`);
  const rssBeforeMb = rssMb(s.pid);
  const watch = rssWatcher(s.pid);
  let stop = false;
  const heavyMs: number[] = [];
  const heavyErrors: string[] = [];
  const heavy = (async () => {
    await sleep(1_000); // the SSE snapshot first: it is the latency phase's start, not what is measured
    const loop = [QUERIES[2], QUERIES[1]];
    for (let i = 0; (cfg.liveWith?.heavy ?? true) && !stop && s.exitStatus() === null; i++) {
      const q = loop[i % loop.length];
      const [from, to] = q.range(ds.startMs, ds.endMs);
      const t0 = performance.now();
      try {
        await ccpulseMetrics(s.port, q, from, to, cfg.queryTimeoutMs);
        heavyMs.push(performance.now() - t0);
      } catch (err) {
        heavyErrors.push((err as Error).message.slice(0, 160));
        await sleep(500);
      }
    }
  })();
  const verifyP =
    (cfg.liveWith?.verify ?? true) ? sleep(1_000).then(() => verify(s.port, ds.startMs, ds.endMs, cfg.verifyTimeoutSec)) : Promise.resolve({ seconds: 0, ok: true, error: 'not run' });
  let latency: LatencyResult | undefined;
  let latencyError: string | undefined;
  try {
    latency = await runLatency({ port: s.port, rate: cfg.liveRate, batchSize: 10, durationSec: cfg.liveSeconds, warmupSec: 2, runId: `scale${Date.now().toString(36)}` });
  } catch (err) {
    latencyError = (err as Error).message.slice(0, 300);
  }
  stop = true;
  const verifyWholeRange = await verifyP;
  await heavy;
  watch.stop();
  await sleep(300);
  const exit = s.exitStatus();
  return {
    latency,
    latencyError,
    heavyQueries: { count: heavyMs.length, ms: summarize(heavyMs, 0), errors: heavyErrors.slice(0, 5) },
    verifyWholeRange,
    rssBeforeMb,
    peakRssMb: watch.peakMb(),
    survived: exit === null,
    exit: exit ?? undefined,
  };
}

/**
 * Full ingest (cfg.clients × cfg.batch synthetic events, closed loop) for cfg.killAfterSec, then SIGKILL
 * mid-flight; restart on the same data and time it until /healthz answers and until the processor's
 * position reaches the last acknowledged one (every 202 was durable: nothing acknowledged may be missing).
 */
export async function recoveryAfterKill(s: ServerHandle, cfg: ScaleConfig, extraArgs: string[]): Promise<{ server: ServerHandle; result: RecoveryResult }> {
  log(`recovery: ${cfg.killAfterSec} s of full ingest, then kill -9`);
  const agent = keepAliveAgent(cfg.clients);
  let killed = false;
  let acked = 0;
  let events = 0;
  const clients = Array.from({ length: cfg.clients }, async (_, i) => {
    const gen = new EventGenerator(`rk${Date.now().toString(36)}c${i}`, 0x51ed + i, 1_000);
    while (!killed) {
      try {
        const r = await postJson(agent, s.port, '/v1/events', JSON.stringify(gen.batch(cfg.batch)), 60_000);
        if (r.status === 202 && !killed) {
          acked = Math.max(acked, r.position);
          events += cfg.batch;
        }
      } catch {
        /* the kill */
      }
    }
  });
  const t0 = performance.now();
  await sleep(cfg.killAfterSec * 1000);
  killed = true;
  s.child.kill('SIGKILL');
  const ingestEventsPerSec = Math.round(events / ((performance.now() - t0) / 1000));
  await Promise.all(clients);
  agent.destroy();
  while (s.exitStatus() === null) await sleep(20);
  const restartAt = performance.now();
  const s2 = await startServer({ label: 'scale-recovery', extraArgs, reuseDir: s.dir, readyTimeoutMs: 600_000 });
  const cu = await caughtUp(s2.port, acked, 600);
  const caughtUpMs = Math.round(performance.now() - restartAt);
  const h = await health(s2.port);
  return {
    server: s2,
    result: {
      ackedPosition: acked,
      ingestEventsPerSec,
      restartToHealthzMs: s2.startupMs,
      restartToCaughtUpMs: Number.isFinite(cu) ? caughtUpMs : NaN,
      recoveredPosition: h.position,
      allAcknowledgedRecovered: h.position >= acked,
    },
  };
}
