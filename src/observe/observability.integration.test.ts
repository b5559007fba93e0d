/**
 * ccpulse observed as an operator of the platform would: the built server (`node dist/cli/main.js start`)
 * scraped at GET /metrics before and after traffic posted over HTTP, every family of issue #13 present
 * and the ones traffic moves moving; labels bounded; and the deploy/ files checked against that real
 * scrape (every metric the Grafana dashboard and the alert rules name exists) and by promtool. Needs
 * `npm run build`; promtool comes from Debian's `prometheus` package (.ci/run installs it).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulation } from '../sim/index.js';
import { freePort } from '../testing/server-process.js';
import { ROOT, requireBuild, startBuiltServer, type BuiltServer } from '../web/testing/built-server.js';

const PROMTOOL = process.env.CCPULSE_PROMTOOL || '/usr/bin/promtool';
const DEPLOY = path.join(ROOT, 'deploy');

/** A scrape: each sample's value by its full series name (name{labels}), and each family's type. */
interface Scrape {
  text: string;
  samples: Map<string, number>;
  types: Map<string, string>;
}
function parse(text: string): Scrape {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) types.set(t[1], t[2]);
    if (!line || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    samples.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return { text, samples, types };
}
/** The sum of a family's samples whose series starts with `prefix` (a name, or a name and its first labels). */
const sum = (s: Scrape, prefix: string) => [...s.samples].filter(([k]) => k === prefix || k.startsWith(`${prefix}{`) || k.startsWith(prefix.replace(/}$/, ','))).reduce((n, [, v]) => n + v, 0);

let server: BuiltServer | undefined;
let base = '';
let before: Scrape;
let after: Scrape;
let dataDir = '';

const scrape = async () => {
  const res = await fetch(`${base}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(await res.text());
};
const post = async (events: unknown[], expected = 202) => {
  const res = await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
  expect(res.status, await res.clone().text()).toBe(expected);
};

describe('GET /metrics of the built server under traffic, and deploy/ against it', () => {
  beforeAll(async () => {
    requireBuild();
    const now = Date.now();
    const sim = createSimulation({ scenario: 'random', seed: 5, startTime: now - 20 * 60_000, durationMs: 20 * 60_000 });
    const events = sim.next(now - 1_000);
    const queues = [...new Set(events.flatMap((e) => (e.queue ? [e.queue] : [])))];
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccpulse-observe-'));
    const config = path.join(dataDir, 'ccpulse.config.json');
    // strict queues: an event of another queue is dead-lettered (the DLQ family must move)
    fs.writeFileSync(config, JSON.stringify({ knownQueues: [...queues, 'later'], checkpointIntervalMs: 500 }));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = await startBuiltServer(['start', '--port', String(port), '--data', path.join(dataDir, 'data'), '--config', config], `${base}/healthz`);
    before = await scrape();

    // an SSE client stays connected through the second scrape
    const sse = new AbortController();
    const stream = await fetch(`${base}/v1/stream`, { signal: sse.signal });
    expect(stream.status).toBe(200);
    // traffic over HTTP: the simulation's events in batches, then one of each kind ingest counts apart
    for (let i = 0; i < events.length; i += 400) await post(events.slice(i, i + 400));
    await post(events.slice(0, 50)); // duplicates
    const q = queues[0];
    await post([{ id: 'bad-1', type: 'APPEAL_NEWISH', ts: new Date(now).toISOString(), appealId: 'x', queue: q, channel: 'voice' }], 400); // rejected (type)
    await post([
      { id: 'late-1', type: 'APPEAL_NEW', ts: new Date(now - 3 * 3_600_000).toISOString(), appealId: 'late-a', queue: q, channel: 'voice' }, // later than the allowed lateness
      { id: 'future-1', type: 'APPEAL_NEW', ts: new Date(now + 86_400_000).toISOString(), appealId: 'future-a', queue: q, channel: 'voice' }, // clamped
      { id: 'nostart-1', type: 'APPEAL_CLOSED', ts: new Date(now - 1_000).toISOString(), appealId: 'nostart-a', queue: q, channel: 'voice', operatorId: 'op' }, // repaired: no start
      { id: 'dead-1', type: 'APPEAL_NEW', ts: new Date(now - 1_000).toISOString(), appealId: 'dead-a', queue: 'nowhere', channel: 'voice' }, // dead-lettered
    ]);
    // the slow path: history, verify, an export job run to its end
    const range = `from=${new Date(now - 3_600_000).toISOString()}&to=${new Date(now + 60_000).toISOString()}`;
    expect((await fetch(`${base}/v1/metrics?${range}&groupBy=queue`)).status).toBe(200);
    expect((await fetch(`${base}/v1/verify?from=${new Date(now - 600_000).toISOString()}&to=${new Date(now).toISOString()}`)).status).toBe(200);
    const job = await fetch(`${base}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'export', format: 'csv', from: new Date(now - 3_600_000).toISOString(), to: new Date(now + 60_000).toISOString() }),
    });
    expect(job.status, await job.clone().text()).toBe(202);
    const { id } = (await job.json()) as { id: string };
    for (let waited = 0, state = ''; state !== 'done'; waited += 200) {
      if (waited > 30_000) throw new Error(`export job still ${state} after 30 s`);
      await new Promise((r) => setTimeout(r, 200));
      state = ((await (await fetch(`${base}/v1/jobs/${id}`)).json()) as { state: string }).state;
    }
    // an unmatched path and a query string: neither may become a label
    expect((await fetch(`${base}/nope/tenant-secret-123?x=1`)).status).toBe(404);
    expect((await fetch(`${base}/v1/live?unknown=1`)).status).toBe(400);
    // a checkpoint or two
    await new Promise((r) => setTimeout(r, 1_500));
    after = await scrape();
    sse.abort();
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('has every family of the issue, and traffic moves the ones it should', () => {
    const present = [
      'process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_p99_seconds',
      'ccpulse_http_requests_total', 'ccpulse_http_request_duration_seconds', 'ccpulse_stage_busy_seconds_total', 'ccpulse_stage_runs_total',
      'ccpulse_stage_errors_total', 'ccpulse_stage_queue_depth', 'ccpulse_stage_lag_events', 'ccpulse_dead_letters_total', 'ccpulse_ingest_events_total',
      'ccpulse_ingest_rejected_total', 'ccpulse_ingest_late_total', 'ccpulse_ingest_repaired_events', 'ccpulse_ingest_clamped_total',
      'ccpulse_checkpoint_duration_seconds', 'ccpulse_checkpoint_age_seconds', 'ccpulse_watermark_lag_seconds', 'ccpulse_event_loop_utilization',
      'ccpulse_sse_clients', 'ccpulse_storage_operation_duration_seconds', 'ccpulse_ingest_backlog_events', 'ccpulse_ingest_queue_delay_seconds',
      'ccpulse_ingest_refused_total', 'ccpulse_log_position', 'ccpulse_open_appeals', 'ccpulse_processed_events_total', 'ccpulse_rate_limited_total',
    ];
    for (const f of present) expect(after.types.has(f), `${f} in the scrape`).toBe(true);

    const moved = (series: string) => expect(sum(after, series), `${series} moved (before ${sum(before, series)})`).toBeGreaterThan(sum(before, series));
    for (const s of [
      'process_cpu_user_seconds_total',
      'ccpulse_http_requests_total{method="POST",route="/v1/events",status_class="2xx"}',
      'ccpulse_http_requests_total{method="POST",route="/v1/events",status_class="4xx"}',
      'ccpulse_http_request_duration_seconds_count',
      'ccpulse_ingest_events_total{outcome="accepted"}',
      'ccpulse_ingest_events_total{outcome="duplicate"}',
      'ccpulse_ingest_events_total{outcome="rejected"}',
      'ccpulse_ingest_rejected_total{reason="type"}',
      'ccpulse_ingest_late_total',
      'ccpulse_ingest_clamped_total',
      'ccpulse_ingest_repaired_events{kind="missingStart"}',
      'ccpulse_dead_letters_total',
      'ccpulse_processed_events_total',
      'ccpulse_log_position',
      'ccpulse_checkpoint_duration_seconds_count',
      'ccpulse_storage_operation_duration_seconds_count{operation="append"',
      'ccpulse_storage_operation_duration_seconds_count{operation="commitCheckpoint"',
    ]) moved(s);
    for (const stage of ['log', 'process', 'checkpoint', 'history', 'verify', 'export', 'recommend']) {
      moved(`ccpulse_stage_runs_total{stage="${stage}"}`);
      moved(`ccpulse_stage_busy_seconds_total{stage="${stage}"}`);
    }
    expect(sum(after, 'ccpulse_sse_clients')).toBeGreaterThanOrEqual(1);
    expect(sum(after, 'ccpulse_open_appeals')).toBeGreaterThan(0);
    expect(sum(after, 'ccpulse_watermark_lag_seconds')).toBeGreaterThan(0);
    expect(sum(after, 'ccpulse_event_loop_utilization')).toBeGreaterThan(0);
    expect(sum(after, 'ccpulse_checkpoint_age_seconds')).toBeLessThan(60);
  });

  it('keeps labels bounded: routes by pattern, never a raw URL, a query or a tenant', () => {
    expect(after.text).not.toContain('tenant-secret-123');
    expect(after.text).not.toContain('unknown=1');
    expect(after.text).toContain('route="unmatched"');
    expect(after.text).toContain('ccpulse_http_requests_total{method="GET",route="/v1/live",status_class="4xx"}');
    expect(after.text).not.toMatch(/tenant="/);
    const series = [...after.samples.keys()].filter((k) => k.startsWith('ccpulse_'));
    expect(series.length, 'ccpulse_ series in one scrape').toBeLessThan(3_000);
  });

  it("names in the Grafana dashboard and the alert rules only metrics a real scrape has; the dashboard's JSON is well formed", () => {
    const dashboard = JSON.parse(fs.readFileSync(path.join(DEPLOY, 'grafana/dashboards/ccpulse.json'), 'utf8')) as {
      uid: string; title: string; schemaVersion: number; templating: { list: Array<{ name: string }> };
      panels: Array<{ id: number; type: string; title: string; gridPos: { h: number; w: number; x: number; y: number }; targets?: Array<{ refId: string; expr: string; datasource: { uid: string } }> }>;
    };
    expect(dashboard.uid).toBe('ccpulse-overview');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'job']);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size, 'panel ids unique').toBe(ids.length);
    const rules = fs.readFileSync(path.join(DEPLOY, 'prometheus/ccpulse-alerts.yml'), 'utf8');
    const recorded = new Set([...rules.matchAll(/record: (\S+)/g)].map((m) => m[1]));
    const exprs: Array<[string, string]> = [];
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w, `${p.title} fits the 24 columns`).toBeLessThanOrEqual(24);
      if (p.type === 'row') continue;
      expect(p.targets?.length, `${p.title} has a query`).toBeGreaterThan(0);
      for (const t of p.targets!) {
        expect(t.datasource.uid).toBe('${datasource}');
        exprs.push([`panel "${p.title}"`, t.expr]);
      }
    }
    for (const m of rules.matchAll(/expr: (?:\|\n)?([\s\S]*?)(?=\n\s+(?:for|labels|- alert|- record)|\n\n|$)/g)) exprs.push(['rules', m[1]]);
    expect(exprs.length).toBeGreaterThan(30);
    const families = new Set(after.types.keys());
    const known = (name: string) =>
      recorded.has(name) || families.has(name) || [/_bucket$/, /_count$/, /_sum$/].some((suffix) => suffix.test(name) && after.types.get(name.replace(suffix, '')) === 'histogram');
    let named = 0;
    for (const [where, expr] of exprs) {
      for (const [name] of expr.matchAll(/\b(?:ccpulse[_:]|nodejs_|process_)[a-z0-9_:]*/g)) {
        named++;
        expect(known(name), `${where} names ${name}, which the scrape does not have`).toBe(true);
      }
    }
    expect(named).toBeGreaterThan(40);
  });

  it('passes promtool: the rules, their unit tests, the scrape configuration', () => {
    if (!fs.existsSync(PROMTOOL)) {
      const msg = `promtool not found at ${PROMTOOL} (Debian's prometheus package; CCPULSE_PROMTOOL overrides)`;
      if (process.env.CI) throw new Error(`${msg}: it must run under CI`);
      console.warn(`\n!!! SKIPPING promtool checks: ${msg} !!!\n`);
      return;
    }
    const run = (...args: string[]) => execFileSync(PROMTOOL, args, { cwd: path.join(DEPLOY, 'prometheus'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(run('check', 'rules', 'ccpulse-alerts.yml')).toMatch(/SUCCESS: 13 rules found/);
    expect(run('test', 'rules', 'ccpulse-alerts.test.yml')).toMatch(/SUCCESS/);
    expect(run('check', 'config', 'prometheus.yml')).toMatch(/SUCCESS/);
  });
});
