import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { CcEvent } from '../contract/event.js';
import { createSimulation, getScenario, runRealtime, SCENARIOS, type FaultOptions, type SimStats } from '../sim/index.js';
import type { Command } from './command.js';
import { fetchFailure } from './server-client.js';

/**
 * `ccpulse simulate`: run a scenario and send its events to a ccpulse server (--target), a file
 * (--out) or stdout. Progress goes to stderr so stdout can carry NDJSON.
 */

const MAX_BATCH = 5_000;

const usage = `Usage: ccpulse simulate [--scenario NAME] [--speed X] [--target URL | --out FILE] [options]

Runs a contact-center simulation and emits its events (ccpulse event contract v1).

  --scenario NAME       ${Object.keys(SCENARIOS).join(', ')} (default demo)
  --speed X             1 = real time, 100 = 100x faster, max = as fast as possible
                        (default 1 with --target, max otherwise)
  --target URL          POST batches (JSON arrays, <= ${MAX_BATCH} events) to URL/v1/events;
                        retries with backoff on 5xx, 429 and connection errors
  --api-key KEY         sent as "Authorization: Bearer KEY" with --target
  --out FILE            write NDJSON to FILE (without --target/--out: NDJSON on stdout)
  --seed N              random seed (default 1); same seed and --start, same events
  --start TIME          sim time 0 as ISO 8601 or epoch ms (default now; for a finite
                        run faster than real time, now - duration, so it ends now)
  --duration D          run length: 90s, 10m, 2h, 1h30m (default the scenario's; demo runs until Ctrl-C)
  --drop P              drop a fraction P of events, of any type (overrides the scenario's own loss)
  --duplicate P         deliver a fraction P twice (same id)
  --reorder P           deliver a fraction P late (ts unchanged) by up to --reorder-window
  --reorder-window D    default 1m
  --corrupt P           replace a fraction P with invalid events (missing field, wrong type)
  -h, --help            this text

Examples:
  ccpulse simulate --scenario demo --target http://localhost:8080
  ccpulse simulate --scenario high-load --duration 10m --out load.ndjson
  ccpulse simulate --scenario reference --seed 7 --start 2026-01-05T09:00:00Z > ref.ndjson`;

/** "90s", "10m", "2h", "1h30m", "500ms", "1.5h" → ms. A bare number is seconds. */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1_000;
  const unit: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * unit[m[2]];
    end = re.lastIndex;
  }
  if (!s || end !== s.length) throw new Error(`bad duration "${text}" (use e.g. 90s, 10m, 2h, 1h30m)`);
  return total;
}

function parseSpeed(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (/^(max|inf|infinity)$/i.test(text)) return Infinity;
  const v = /^\s*\d+(\.\d+)?\s*$/.test(text) ? Number(text) : NaN;
  if (!(v > 0)) throw new Error(`--speed must be a number above 0 (1 = real time) or max, got "${text}"`);
  return v;
}

/** A duration flag: parseDuration, with the flag named, and more than zero. */
function durationFlag(name: string, text: string): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (err) {
    throw new Error(`--${name}: ${(err as Error).message}`);
  }
  if (!(ms > 0)) throw new Error(`--${name} must be more than 0, got "${text}"`);
  return ms;
}

/** --target: an http(s) URL. */
function targetUrl(text: string): string {
  let u: URL | undefined;
  try {
    u = new URL(text);
  } catch {
    /* below */
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) throw new Error(`--target "${text}" is not an http:// or https:// URL (e.g. http://127.0.0.1:8080)`);
  return text.replace(/\/+$/, '');
}

/**
 * Before simulating anything: does something answer at --target? Any HTTP answer will do (a server
 * without /healthz too); a refused connection or silence fails at once, instead of after the retries
 * meant for a server that goes away in the middle of a run.
 */
async function reachable(base: string): Promise<string | null> {
  try {
    const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5_000) });
    await res.body?.cancel();
    return null;
  } catch (err) {
    return (err as Error)?.name === 'TimeoutError' ? 'no answer within 5 s' : fetchFailure(err);
  }
}

function parseFraction(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!(v >= 0 && v <= 1)) throw new Error(`--${name} must be a fraction in [0, 1], got "${text}"`);
  return v;
}

/**
 * Default start: now, so a live run carries current time. A finite run faster than real time starts
 * `duration` ago instead, so it ends now rather than sending a server events from the future.
 */
function parseStart(text: string | undefined, speed: number, durationMs: number): number {
  if (text === undefined) return speed > 1 && Number.isFinite(durationMs) ? Date.now() - durationMs : Date.now();
  const v = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(v)) throw new Error(`--start "${text}" is not a time: give ISO 8601 (e.g. 2026-11-21T10:00:00Z) or epoch milliseconds`);
  return v;
}

export interface PostStats {
  posts: number;
  retries: number;
  accepted: number;
  duplicates: number;
  rejected: number;
}

/**
 * A sink POSTing to `${base}/v1/events` in batches of at most MAX_BATCH. Transient failures (connection
 * errors, 5xx, 429) are retried with exponential backoff and jitter; a 4xx is a bug in the request
 * and fails at once, as does a batch that still fails after `maxAttempts`.
 */
export function createHttpSink(base: string, opts: { apiKey?: string; maxAttempts?: number; baseDelayMs?: number } = {}) {
  const url = `${base.replace(/\/+$/, '')}/v1/events`;
  const stats: PostStats = { posts: 0, retries: 0, accepted: 0, duplicates: 0, rejected: 0 };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;
  const maxAttempts = opts.maxAttempts ?? 8;
  const baseDelay = opts.baseDelayMs ?? 250;

  async function post(batch: CcEvent[]): Promise<void> {
    const body = JSON.stringify(batch);
    for (let attempt = 1; ; attempt++) {
      let problem: string;
      try {
        const res = await fetch(url, { method: 'POST', headers, body });
        if (res.ok) {
          stats.posts++;
          const r = (await res.json().catch(() => null)) as { accepted?: number; duplicates?: number; rejected?: unknown[] } | null;
          stats.accepted += r?.accepted ?? batch.length;
          stats.duplicates += r?.duplicates ?? 0;
          stats.rejected += r?.rejected?.length ?? 0;
          return;
        }
        problem = `HTTP ${res.status} ${describeAnswer(await res.text().catch(() => ''))}`;
        if (res.status === 401) problem += ' (give the key with --api-key KEY)';
        if (res.status < 500 && res.status !== 429) throw new Error(`POST ${url}: ${problem}`);
      } catch (err) {
        if (err instanceof Error && err.message.startsWith('POST ')) throw err;
        problem = err instanceof Error ? `${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ''}` : String(err);
      }
      if (attempt >= maxAttempts) throw new Error(`POST ${url} failed after ${attempt} attempts: ${problem}`);
      stats.retries++;
      const delay = Math.min(10_000, baseDelay * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  return {
    stats,
    async sink(events: CcEvent[]): Promise<void> {
      for (let i = 0; i < events.length; i += MAX_BATCH) await post(events.slice(i, i + MAX_BATCH));
    },
  };
}

/** A ccpulse error answer as "message (CODE)"; anything else as its first 200 characters. */
function describeAnswer(text: string): string {
  try {
    const e = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    if (typeof e?.message === 'string') return `${e.message} (${e.code})`;
  } catch {
    /* not JSON */
  }
  return text.slice(0, 200);
}

/** NDJSON writer that respects stream backpressure. */
function ndjsonSink(out: Writable) {
  return async (events: CcEvent[]): Promise<void> => {
    let chunk = '';
    for (const e of events) chunk += JSON.stringify(e) + '\n';
    if (!out.write(chunk)) await once(out, 'drain');
  };
}

function hms(ms: number): string {
  const s = Math.floor(ms / 1000);
  return [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60].map((v) => String(v).padStart(2, '0')).join(':');
}

/** Progress on stderr: a bar redrawn ≤ 5×/s on a TTY, a plain line every 5 s otherwise (logs, CI). */
function progress(total: number, startTime: number, wall0: number) {
  const tty = process.stderr.isTTY === true;
  const every = tty ? 200 : 5_000;
  let last = 0;
  return {
    update(simNow: number, events: number, force = false): void {
      const now = Date.now();
      if (!force && now - last < every) return;
      last = now;
      const simMs = simNow - startTime;
      const rate = Math.round(events / Math.max(0.001, (now - wall0) / 1000));
      let line = `sim ${hms(simMs)}${Number.isFinite(total) ? ` / ${hms(total)}` : ''} · ${events.toLocaleString('en-US')} events · ${rate.toLocaleString('en-US')} ev/s`;
      if (Number.isFinite(total) && total > 0) {
        const f = Math.min(1, simMs / total);
        const width = 24;
        line = `[${'#'.repeat(Math.round(f * width)).padEnd(width, '.')}] ${(100 * f).toFixed(0).padStart(3)}% ${line}`;
      }
      if (tty) process.stderr.write(`\r${line}\x1b[K`);
      else process.stderr.write(`${line}\n`);
    },
    end(): void {
      if (tty) process.stderr.write('\n');
    },
  };
}

function summary(st: SimStats, delivered: number, wallMs: number, post?: PostStats): string {
  const lines = [`simulated ${hms(st.simMs)} in ${(wallMs / 1000).toFixed(1)} s: ${delivered.toLocaleString('en-US')} events delivered, ${Math.round(delivered / Math.max(wallMs / 1000, 0.001)).toLocaleString('en-US')} ev/s`];
  lines.push('generated by type (before fault injection):');
  for (const [type, n] of Object.entries(st.byType).sort()) lines.push(`  ${type.padEnd(26)} ${n.toLocaleString('en-US')}`);
  const offered = st.byType.APPEAL_SENT_DISTRIBUTION ?? 0;
  const missed = st.byType.APPEAL_MISSED ?? 0;
  lines.push(`appeals ${st.appeals.toLocaleString('en-US')} (segments ${st.segments.toLocaleString('en-US')}), abandons ${missed.toLocaleString('en-US')} (${offered ? ((100 * missed) / offered).toFixed(1) : '0.0'}% of offered), transfers ${st.transferred}, returns ${st.returned}`);
  const f = st.faults;
  if (f.dropped + f.silenced + f.duplicated + f.reordered + f.corrupted) lines.push(`faults: dropped ${f.dropped}, silenced ${f.silenced}, duplicated ${f.duplicated}, reordered ${f.reordered}, corrupted ${f.corrupted}`);
  for (const [k, v] of Object.entries(st)) if (k.startsWith('campaign:')) lines.push(`${k} ${JSON.stringify(v)}`);
  if (post) lines.push(`POST: ${post.posts} batches, ${post.retries} retries, accepted ${post.accepted}, duplicates ${post.duplicates}, rejected ${post.rejected}`);
  return lines.join('\n');
}

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'Run a contact-center simulation and send its events to a server, a file or stdout',
  usage,
  options: {
    scenario: { type: 'string', default: 'demo' },
    speed: { type: 'string' },
    target: { type: 'string' },
    'api-key': { type: 'string' },
    out: { type: 'string' },
    seed: { type: 'string' },
    start: { type: 'string' },
    duration: { type: 'string' },
    drop: { type: 'string' },
    duplicate: { type: 'string' },
    reorder: { type: 'string' },
    'reorder-window': { type: 'string' },
    corrupt: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },

  async run(values) {
    const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
    if (values.help) {
      process.stdout.write(usage + '\n');
      return 0;
    }
    let sim;
    let speed: number;
    let target = str('target');
    const outFile = str('out');
    try {
      if (target && outFile) throw new Error('--target and --out are exclusive: send the events to a server or write them to a file');
      if (target) target = targetUrl(target);
      const seedText = str('seed');
      const seed = seedText === undefined ? 1 : /^\s*-?\d+\s*$/.test(seedText) ? Number(seedText) : NaN;
      if (!Number.isSafeInteger(seed)) throw new Error(`--seed must be a whole number, got "${seedText}"`);
      const scenario = getScenario(str('scenario') ?? 'demo', seed);
      const flags: FaultOptions = {
        drop: parseFraction('drop', str('drop')),
        duplicate: parseFraction('duplicate', str('duplicate')),
        reorder: parseFraction('reorder', str('reorder')),
        reorderWindowMs: str('reorder-window') === undefined ? 60_000 : durationFlag('reorder-window', str('reorder-window')!),
        corrupt: parseFraction('corrupt', str('corrupt')),
      };
      // Explicit flags override the scenario's own faults key by key; --drop also lifts the demo's restriction to three types.
      const faults: FaultOptions = { ...scenario.faults, ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) };
      if (flags.drop !== undefined) delete faults.dropTypes;
      speed = parseSpeed(str('speed'), target ? 1 : Infinity);
      const durationMs = str('duration') === undefined ? (scenario.durationMs ?? Infinity) : durationFlag('duration', str('duration')!);
      sim = createSimulation({ scenario, seed, startTime: parseStart(str('start'), speed, durationMs), durationMs, faults });
    } catch (err) {
      process.stderr.write(`ccpulse simulate: ${(err as Error).message}\n  Run "ccpulse simulate --help" for the options.\n`);
      return 2;
    }

    if (target) {
      const why = await reachable(target);
      if (why) {
        process.stderr.write(`ccpulse simulate: cannot reach --target ${target}: ${why}\n  Is ccpulse running there ("ccpulse start")? Give its address with --target URL.\n`);
        return 1;
      }
    }
    const http = target ? createHttpSink(target, { apiKey: str('api-key') }) : undefined;
    const file = outFile ? createWriteStream(outFile) : undefined;
    if (file) {
      // open it before simulating: a path that cannot be written fails now, with its name
      try {
        await once(file, 'open');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
        process.stderr.write(`ccpulse simulate: cannot write --out ${outFile}: ${why}\n`);
        return 1;
      }
    }
    const write = http ? http.sink : ndjsonSink(file ?? process.stdout);
    const ac = new AbortController();
    const onSigint = (): void => ac.abort();
    process.once('SIGINT', onSigint);
    // A closed pipe (`| head`) ends the run quietly instead of crashing on EPIPE.
    const onOutError = (): void => ac.abort();
    if (!http && !file) process.stdout.on('error', onOutError);
    // A write that fails (a full disk) ends the run and says so.
    let fileError: Error | undefined;
    file?.on('error', (err) => {
      fileError ??= err;
      ac.abort();
    });
    const wall0 = Date.now();
    const bar = progress(sim.endTime - sim.startTime, sim.startTime, wall0);
    let delivered = 0;
    let code = 0;
    try {
      await runRealtime({
        sim,
        speed,
        // anchor pacing at sim time 0, so the time spent building the simulation is not a standing lag
        catchUpTo: sim.startTime,
        signal: ac.signal,
        sink: async (events) => {
          await write(events);
          delivered += events.length;
          bar.update(sim.now, delivered);
        },
      });
    } catch (err) {
      process.stderr.write(`\nccpulse simulate: ${(err as Error).message}\n`);
      code = 1;
    } finally {
      process.removeListener('SIGINT', onSigint);
      process.stdout.removeListener('error', onOutError);
      bar.update(sim.now, delivered, true);
      bar.end();
      if (file) {
        if (!file.destroyed) file.end();
        if (!file.closed) await once(file, 'close');
      }
    }
    if (fileError) {
      process.stderr.write(`ccpulse simulate: writing --out ${outFile} failed: ${fileError.message}\n`);
      code = 1;
    }
    process.stderr.write(summary(sim.stats(), delivered, Date.now() - wall0, http?.stats) + '\n');
    return code;
  },
};
