/**
 * Tracing overhead (issue #13; part of npm run bench, alone: npm run bench:tracing).
 * Two built servers (`node dist/cli/main.js start`) run side by side: one with tracing off (no endpoint:
 * no SDK loaded, no hook), one with it on (CCPULSE_OTLP_ENDPOINT at a local OTLP/HTTP receiver in this
 * process, which only counts what it gets). The load goes to one at a time, in short slices that
 * alternate off, on, on, off, off, on, …, so that the drift of a shared machine (other processes come
 * and go in minutes) falls on both alike. Closed-loop ingest by keep-alive clients, every request
 * carrying a W3C traceparent (ignored when off), in two workloads:
 *  - batched: 100 events a POST (the pipeline's spans, amortized over many events);
 *  - single: 1 event a POST (a request span per event: the worst case for the HTTP hooks).
 * Reported side by side: events/s, request p50/p99 over all slices, the server's CPU per event.
 *
 * Environment: BENCH_TRACING_BASE_ENTRY [unset; another build's dist/cli/main.js, run as a third server,
 * "base"], BENCH_TRACING_SLICES [8] (per mode and workload), BENCH_TRACING_SLICE_SECONDS [3]
 * (measured, after 1 s unmeasured), BENCH_TRACING_CLIENTS [4], BENCH_TRACING_OUT [bench/results/tracing.json].
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cpuSecOf } from '../src/testing/open-loop.js';
import { EventGenerator } from './events.js';
import { keepAliveAgent } from './http.js';
import { envNumber as num, ROOT, runBench, sleep, startServer } from './server.js';
import { round, summarize, type Summary } from './stats.js';

const cfg = {
  slices: num('BENCH_TRACING_SLICES', 8),
  sliceSec: num('BENCH_TRACING_SLICE_SECONDS', 3),
  warmupSec: 1,
  clients: num('BENCH_TRACING_CLIENTS', 4),
  out: path.resolve(process.env.BENCH_TRACING_OUT ?? path.join(ROOT, 'bench', 'results', 'tracing.json')),
};
const WORKLOADS = [
  { name: 'batched', batch: 100 },
  { name: 'single', batch: 1 },
] as const;
/**
 * With BENCH_TRACING_BASE_ENTRY (another build's dist/cli/main.js, e.g. the commit before tracing), a
 * third server from it takes its turn in the slices: "off" against what came before, in the same run.
 */
const BASE_ENTRY = process.env.BENCH_TRACING_BASE_ENTRY ? path.resolve(process.env.BENCH_TRACING_BASE_ENTRY) : undefined;
const MODES = BASE_ENTRY ? (['base', 'off', 'on'] as const) : (['off', 'on'] as const);
type Mode = 'base' | 'off' | 'on';

/** One slice of load on one server. */
interface Slice {
  accepted: number;
  latencies: number[];
  /** Server CPU (all threads) in the measured window, s. */
  cpuSec: number;
  /** Requests answered 202, the unmeasured second included: what the server made spans for. */
  requests: number;
  errors: number;
}

/** The OTLP/HTTP receiver: answers at once and counts spans without parsing (one `"kind":` per span). */
async function startReceiver(): Promise<{ url: string; spans(): number; close(): Promise<void> }> {
  let spans = 0;
  const KIND = Buffer.from('"kind":');
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      for (let at = body.indexOf(KIND); at !== -1; at = body.indexOf(KIND, at + KIND.length)) spans++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, spans: () => spans, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function post(agent: http.Agent, port: number, body: string, traceparent: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/v1/events', method: 'POST', agent, timeout: 30_000, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), traceparent } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('POST timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** A slice of closed-loop ingest: `cfg.clients` clients post `batch` events a request, 1 s unmeasured, then cfg.sliceSec measured. */
async function slice(port: number, pid: number, gens: EventGenerator[], batch: number): Promise<Slice> {
  const agent = keepAliveAgent(cfg.clients);
  const windowStart = performance.now() + cfg.warmupSec * 1000;
  const windowEnd = windowStart + cfg.sliceSec * 1000;
  let cpuStart = NaN;
  const startTimer = setTimeout(() => (cpuStart = cpuSecOf(pid)), cfg.warmupSec * 1000);
  const out: Slice = { accepted: 0, latencies: [], cpuSec: 0, requests: 0, errors: 0 };
  const client = async (gen: EventGenerator) => {
    while (performance.now() < windowEnd) {
      const body = JSON.stringify(gen.batch(batch));
      const traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
      const t = performance.now();
      const r = await post(agent, port, body, traceparent).catch(() => ({ status: 0, body: '' }));
      const e = performance.now();
      if (r.status !== 202) {
        out.errors++;
        await sleep(50);
        continue;
      }
      out.requests++;
      if (e >= windowStart && e <= windowEnd) {
        out.latencies.push(e - t);
        out.accepted += (JSON.parse(r.body) as { accepted: number }).accepted;
      }
    }
  };
  await Promise.all(gens.map(client));
  out.cpuSec = cpuSecOf(pid) - cpuStart;
  clearTimeout(startTimer);
  agent.destroy();
  return out;
}

async function main(): Promise<void> {
  const receiver = await startReceiver();
  const servers: Partial<Record<Mode, Awaited<ReturnType<typeof startServer>>>> = {
    ...(BASE_ENTRY ? { base: await startServer({ label: 'tracing-base', entry: BASE_ENTRY }) } : {}),
    off: await startServer({ label: 'tracing-off' }),
    on: await startServer({ label: 'tracing-on', extraEnv: { CCPULSE_OTLP_ENDPOINT: receiver.url } }),
  };
  const slices: Array<Slice & { mode: Mode; workload: string }> = [];
  let spans = 0;
  try {
    for (const w of WORKLOADS) {
      // each server's clients keep their generators across slices: appeals go on where they left off
      const gens = Object.fromEntries(MODES.map((m) => [m, Array.from({ length: cfg.clients }, (_, i) => new EventGenerator(`tr-${m}-${w.name}-c${i}`, 0x5eed + i * 7919, 1_000))])) as Record<Mode, EventGenerator[]>;
      for (let i = 0; i < cfg.slices; i++) {
        // the order turns each slice (off, on | on, off | … or base, off, on | off, on, base | …): no mode always follows the same one
        const order = i % 2 ? [...MODES].reverse() : [...MODES];
        for (const mode of BASE_ENTRY ? [...MODES.slice(i % 3), ...MODES.slice(0, i % 3)] : order) {
          const server = servers[mode]!;
          const s = await slice(server.port, server.pid, gens[mode], w.batch);
          slices.push({ ...s, mode, workload: w.name });
        }
      }
      console.log(`${w.name}: ${cfg.slices} slices a mode done`);
    }
  } finally {
    for (const s of Object.values(servers)) await s!.stop(); // the "on" one flushes its spans still buffered
    await sleep(200);
    spans = receiver.spans();
    await receiver.close();
  }
  const table: Array<Record<string, string | number>> = [];
  for (const w of WORKLOADS) {
    for (const mode of MODES) {
      const ss = slices.filter((s) => s.workload === w.name && s.mode === mode);
      const accepted = ss.reduce((n, s) => n + s.accepted, 0);
      const latency = summarize(ss.flatMap((s) => s.latencies));
      const perSlice = ss.map((s) => s.accepted / cfg.sliceSec).sort((a, b) => a - b);
      table.push({
        workload: `${w.name} (${w.batch} event${w.batch > 1 ? 's' : ''}/POST)`,
        tracing: mode,
        'events/s': round(accepted / (ss.length * cfg.sliceSec), 0),
        'slices min–max': `${round(perSlice[0], 0)}–${round(perSlice[perSlice.length - 1], 0)}`,
        'p50 ms': latency.p50,
        'p99 ms': latency.p99,
        'CPU µs/event': round((ss.reduce((n, s) => n + s.cpuSec, 0) * 1e6) / accepted, 1),
      });
    }
  }
  const requests = { base: 0, off: 0, on: 0 };
  for (const s of slices) requests[s.mode] += s.requests;
  console.log(`\n${cfg.slices} slices of ${cfg.sliceSec} s per mode and workload, ${cfg.clients} clients, on ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.table(table);
  console.log(`spans received: ${spans.toLocaleString('en')}, for ${requests.on.toLocaleString('en')} requests to the traced server (and ${(requests.off + requests.base).toLocaleString('en')} to the other${BASE_ENTRY ? 's' : ''})`);
  if (BASE_ENTRY) console.log(`base: ${path.relative(ROOT, BASE_ENTRY)}`);
  mkdirSync(path.dirname(cfg.out), { recursive: true });
  writeFileSync(cfg.out, JSON.stringify({ cfg, loadAverage: os.loadavg(), table, spans, requests, slices: slices.map(({ latencies, ...s }) => ({ ...s, latencyMs: summarize(latencies) })) }, null, 2));
  console.log(`written to ${path.relative(ROOT, cfg.out)}`);
  // the comparison means something only if "on" traced every request (a span each, at least) and nothing failed
  const errors = slices.reduce((n, s) => n + s.errors, 0);
  if (spans < requests.on || errors) {
    console.error(`not a valid comparison: ${spans} spans for ${requests.on} traced requests, ${errors} failed requests`);
    process.exitCode = 1;
  }
}

runBench(main);
