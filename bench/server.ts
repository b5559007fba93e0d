/** Starts and stops a ccpulse server child process for the benchmark, and reads its /proc counters. */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getJson } from './http.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The server to run: this checkout's build, or another build's (BENCH_SERVER_ENTRY) to compare two commits. */
const DEFAULT_ENTRY = process.env.BENCH_SERVER_ENTRY ? path.resolve(process.env.BENCH_SERVER_ENTRY) : path.join(ROOT, 'dist', 'cli', 'main.js');

export interface Health {
  status: string;
  storage: string;
  position: number;
  processed: number;
  deadLettered: number;
  openAppeals: number;
  lastCheckpointMs: number;
}

export interface ServerHandle {
  pid: number;
  port: number;
  dir: string;
  startupMs: number;
  child: ChildProcess;
  /** How the process ended ("code 0", "signal SIGKILL", …), or null while it runs. */
  exitStatus(): string | null;
  stderrTail(): string;
  /** Log lines the server wrote so far, by pino level (40 warn, 50 error, ...). */
  logLevels(): Record<string, number>;
  stop(): Promise<{ exit: string; stopMs: number }>;
}

/** Temp dirs still to remove; cleaned by cleanupAll() whatever happens. */
const tempDirs = new Set<string>();
const running = new Set<ServerHandle>();

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export async function startServer(opts: {
  label: string;
  cpuProfDir?: string;
  readyTimeoutMs?: number;
  extraEnv?: Record<string, string>;
  /** More `ccpulse start` flags (e.g. --storage postgres --postgres-url URL). */
  extraArgs?: string[];
  /** Restart on the temp dir of an earlier server (its data dir), to measure recovery; default a fresh one. */
  reuseDir?: string;
  /** Another build's dist/cli/main.js than the one this run compares (BENCH_SERVER_ENTRY or this checkout's). */
  entry?: string;
}): Promise<ServerHandle> {
  const entry = opts.entry ?? DEFAULT_ENTRY;
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run "npm run build" first (npm run bench does)`);
  const dir = opts.reuseDir ?? mkdtempSync(path.join(os.tmpdir(), `ccpulse-bench-${opts.label}-`));
  tempDirs.add(dir);
  const dataDir = path.join(dir, 'data');
  const port = await freePort();
  // Keep the child's config hermetic: no CCPULSE_* (nor OTEL_*, which the server reads for tracing) from the
  // caller's environment, no ./ccpulse.config.json from the repo.
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CCPULSE_') && !k.startsWith('OTEL_')) env[k] = v;
  Object.assign(env, opts.extraEnv);
  const nodeArgs = opts.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProfDir] : [];
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, entry, 'start', '--no-auth', '--port', String(port), '--host', '127.0.0.1', '--data', dataDir, '--log-level', 'warn', ...(opts.extraArgs ?? [])], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (c: Buffer) => {
    tail = (tail + c.toString('utf8')).slice(-4000);
  };
  const levels: Record<string, number> = {};
  let partial = '';
  child.stdout!.on('data', (c: Buffer) => {
    const lines = (partial + c.toString('utf8')).split('\n');
    partial = lines.pop()!;
    for (const l of lines) {
      const m = /"level":(\d+)/.exec(l);
      if (m) levels[m[1]] = (levels[m[1]] ?? 0) + 1;
    }
  });
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited: string | null = null;
  const exitPromise = new Promise<string>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = signal ? `signal ${signal}` : `code ${code}`;
      resolve(exited);
    });
    child.on('error', (err) => {
      exited = `spawn error: ${err.message}`;
      resolve(exited);
    });
  });

  const handle: ServerHandle = {
    pid: child.pid!,
    port,
    dir,
    startupMs: 0,
    child,
    exitStatus: () => exited,
    stderrTail: () => tail,
    logLevels: () => ({ ...levels }),
    async stop() {
      const t = performance.now();
      if (exited === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => {
          if (exited === null) child.kill('SIGKILL');
        }, 5_000);
        await exitPromise;
        clearTimeout(killer);
      }
      running.delete(handle);
      return { exit: exited ?? 'unknown', stopMs: Math.round(performance.now() - t) };
    },
  };
  running.add(handle);

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exited !== null) throw new Error(`ccpulse (${opts.label}) exited during startup (${exited}):\n${tail}`);
    try {
      const h = await getJson<Health>(port, '/healthz', 1_000);
      if (h.status === 'ok') break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`ccpulse (${opts.label}) not healthy after ${opts.readyTimeoutMs ?? 60_000} ms:\n${tail}`);
    await sleep(50);
  }
  handle.startupMs = Math.round(performance.now() - t0);
  return handle;
}

/** Stops every server still running and removes every temp dir. Safe to call more than once. */
export async function cleanupAll(): Promise<void> {
  await Promise.allSettled([...running].map((s) => s.stop()));
  for (const d of tempDirs) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
    tempDirs.delete(d);
  }
}

/** Synchronous last resort (for process 'exit'): SIGKILL servers still running, remove temp dirs. */
export function killAllSync(): void {
  for (const s of running) {
    try {
      s.child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  running.clear();
  for (const d of tempDirs) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
  tempDirs.clear();
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let clkTck = 0;
function ticksPerSecond(): number {
  if (!clkTck) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

export interface ProcSample {
  /** performance.now() of the sample. */
  at: number;
  /** CLOCK_MONOTONIC in µs (the clock of V8 .cpuprofile timestamps), to cut profiles to a window. */
  monoUs: number;
  rssKb: number;
  hwmKb: number;
  /** utime + stime of the whole process (all threads), seconds. */
  cpuSec: number;
  /** CPU seconds by thread id. */
  threads: Record<string, number>;
  /** Whole machine: busy and total jiffies from /proc/stat, to see how much else was running. */
  machineBusy: number;
  machineTotal: number;
}

/** Fields after the ")" of /proc/.../stat: index 11 = utime, 12 = stime (fields 14 and 15 of the full line). */
function statCpu(stat: string): number {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / ticksPerSecond();
}

function machineJiffies(): { busy: number; total: number } {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = cpu.reduce((a, b) => a + b, 0);
    const idle = cpu[3] + (cpu[4] ?? 0); // idle + iowait
    return { busy: total - idle, total };
  } catch {
    return { busy: NaN, total: NaN };
  }
}

export function sampleProc(pid: number): ProcSample | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    const cpuSec = statCpu(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    const threads: Record<string, number> = {};
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        threads[tid] = statCpu(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
      } catch {
        /* thread exited */
      }
    }
    const m = machineJiffies();
    return {
      at: performance.now(),
      monoUs: Number(process.hrtime.bigint() / 1000n),
      rssKb: kb('VmRSS'),
      hwmKb: kb('VmHWM'),
      cpuSec,
      threads,
      machineBusy: m.busy,
      machineTotal: m.total,
    };
  } catch {
    return null; // not Linux, or the process is gone
  }
}

/**
 * CPU used between two samples, by thread: the main thread (tid = pid), the busiest other thread (under
 * load that is the PGlite worker thread; all of the server's threads are named "node"), and the rest
 * (V8 GC / compiler helpers, libuv pool) together. Seconds.
 */
export function threadDelta(pid: number, a: ProcSample, b: ProcSample): Record<string, number> {
  const d = Object.entries(b.threads).map(([tid, v]) => [tid, Math.max(0, v - (a.threads[tid] ?? 0))] as const);
  const main = d.find(([tid]) => Number(tid) === pid)?.[1] ?? 0;
  const others = d.filter(([tid]) => Number(tid) !== pid).sort((x, y) => y[1] - x[1]);
  const out: Record<string, number> = { 'main (event loop)': main };
  if (others.length) out['busiest other thread (PGlite worker)'] = others[0][1];
  out[`other ${Math.max(0, others.length - 1)} threads (GC, compiler, libuv)`] = others.slice(1).reduce((n, [, v]) => n + v, 0);
  return out;
}

/** Cores busy machine-wide between two samples. */
export function machineCores(a: ProcSample, b: ProcSample, cores: number): number {
  const total = b.machineTotal - a.machineTotal;
  return total > 0 ? ((b.machineBusy - a.machineBusy) / total) * cores : NaN;
}

/** A bench setting from the environment: a non-negative number, or the default when unset. */
export const envNumber = (name: string, def: number): number => {
  const v = process.env[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${v}"`);
  return n;
};

/**
 * Runs a bench's main: its servers are killed on Ctrl-C and cleaned up at the end, and a failure sets
 * the exit code (the bench command goes on to the next bench either way).
 */
export function runBench(main: () => Promise<void>): void {
  process.on('SIGINT', () => {
    killAllSync();
    process.exit(130);
  });
  main()
    .catch((err) => {
      console.error(err);
      process.exitCode = 1;
    })
    .finally(() => cleanupAll());
}
