/**
 * Verify at scale: loads an NDJSON file of events (e.g. `ccpulse simulate --scenario demo --speed max
 * --duration 24h --start 2026-11-20T00:00:00Z --out day.ndjson`) into a fresh server, then times
 * GET /v1/verify over the events' whole time range while sampling the server's RSS and the latency of
 * /healthz and of small live POSTs (the live path) every 100 ms.
 *
 *   node --import tsx bench/verify.ts FILE [--storage pglite|postgres] [--postgres-url URL]
 *
 * Prints one JSON object. Needs a build (npm run build, or tsc -p tsconfig.build.json).
 */
import { createReadStream, readFileSync } from 'node:fs';
import readline from 'node:readline';
import { getJson, keepAliveAgent, postJson } from './http.js';
import { cleanupAll, sampleProc, sleep, startServer, type Health } from './server.js';
import { summarize } from './stats.js';

const file = process.argv[2];
if (!file) throw new Error('usage: bench/verify.ts FILE [--storage pglite|postgres] [--postgres-url URL]');
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const storage = arg('storage') ?? 'pglite';
const extraEnv: Record<string, string> = { CCPULSE_STORAGE: storage };
if (storage === 'postgres') extraEnv.CCPULSE_POSTGRES_URL = arg('postgres-url') ?? 'postgres://postgres:postgres@127.0.0.1:5432/ccpulse_verify_bench';
const BATCH = 20_000;

async function main() {
  const server = await startServer({ label: 'verify', extraEnv, readyTimeoutMs: 180_000 });
  const agent = keepAliveAgent(2);
  try {
    // load
    let minTs = Infinity;
    let maxTs = -Infinity;
    let sent = 0;
    const t0 = performance.now();
    let batch: string[] = [];
    const flush = async () => {
      if (!batch.length) return;
      const body = `[${batch.join(',')}]`;
      batch = [];
      for (;;) {
        const r = await postJson(agent, server.port, '/v1/events', body, 120_000);
        if (r.status === 202) break;
        if (r.status !== 503) throw new Error(`POST /v1/events: ${r.status} ${r.body.slice(0, 200)}`);
        await sleep(500);
      }
    };
    for await (const line of readline.createInterface({ input: createReadStream(file) })) {
      if (!line) continue;
      const ts = Number(/"ts":(\d+)/.exec(line)?.[1] ?? Date.parse(/"ts":"([^"]+)"/.exec(line)?.[1] ?? ''));
      if (Number.isFinite(ts)) {
        minTs = Math.min(minTs, ts);
        maxTs = Math.max(maxTs, ts);
      }
      batch.push(line);
      sent++;
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    const loadSec = (performance.now() - t0) / 1000;
    let h = await getJson<Health>(server.port, '/healthz');
    process.stderr.write(`loaded ${sent} events in ${loadSec.toFixed(0)} s (position ${h.position})\n`);
    await sleep(3_000); // a checkpoint
    const from = Math.floor(minTs / 60_000) * 60_000;
    const to = Math.ceil((maxTs + 1) / 60_000) * 60_000;
    const ranges: Array<{ label: string; from: number; to: number }> = [{ label: 'last hour', from: to - 3_600_000, to }, { label: 'whole file', from, to }];
    const results = [];
    for (const r of ranges) {
      global.gc?.();
      await sleep(2_000);
      const before = sampleProc(server.pid)!;
      let peakRss = before.rssKb;
      const health: number[] = [];
      const posts: number[] = [];
      let done = false;
      const sampler = (async () => {
        let k = 0;
        while (!done) {
          const s = sampleProc(server.pid);
          if (s) peakRss = Math.max(peakRss, s.rssKb);
          const a = performance.now();
          await getJson(server.port, '/healthz', 30_000);
          health.push(performance.now() - a);
          // a small live batch, as a channel would send it, at the present time
          const now = Date.now();
          const live = Array.from({ length: 5 }, (_, i) => ({ id: `live-${r.label}-${k}-${i}`, type: 'APPEAL_NEW', ts: now, appealId: `live-${k}-${i}`, channel: 'webchat', queue: 'bench' }));
          const b = performance.now();
          await postJson(agent, server.port, '/v1/events', JSON.stringify(live), 30_000);
          posts.push(performance.now() - b);
          k++;
          await sleep(100);
        }
      })();
      const start = performance.now();
      let body: Record<string, unknown>;
      try {
        body = await getJson(server.port, `/v1/verify?from=${r.from}&to=${r.to}`, 1_800_000);
      } catch (err) {
        body = { error: (err as Error).message };
      }
      const sec = (performance.now() - start) / 1000;
      done = true;
      await sampler;
      results.push({
        range: r.label,
        from: new Date(r.from).toISOString(),
        to: new Date(r.to).toISOString(),
        seconds: Math.round(sec * 10) / 10,
        events: body.events,
        appeals: body.appeals,
        cells: body.cells,
        totalDifferences: body.totalDifferences,
        error: body.error,
        rssBeforeMb: Math.round(before.rssKb / 1024),
        rssPeakMb: Math.round(peakRss / 1024),
        rssGrowthMb: Math.round((peakRss - before.rssKb) / 1024),
        healthzMs: summarize(health),
        livePostMs: summarize(posts),
      });
      process.stderr.write(`${JSON.stringify(results[results.length - 1])}\n`);
    }
    h = await getJson<Health>(server.port, '/healthz');
    console.log(JSON.stringify({ file, storage, events: sent, loadSec: Math.round(loadSec), position: h.position, cpus: readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((l) => l.startsWith('processor')).length, results }, null, 2));
  } finally {
    await server.stop();
    await cleanupAll();
  }
}

await main();
