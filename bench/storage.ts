/**
 * Storage growth (issue #10; seed 000: insert speed in a full database can differ by orders of magnitude
 * from an empty one). The log grows from empty, through ccpulse's own Storage.append (the INSERT the
 * server makes, 5,000 events a batch, one client, the log's upkeep every 2 s as the server runs it), and
 * at every step the insert rate of that step (the appends alone), two reads at the head of the log, and
 * the dashboard's history from the first minute to the head (the whole week at the end; queryHistory, by
 * queue an hour a row, over the rollups committed after each append as the stream processor commits
 * them: a cell per minute × queue and per minute × operator of a 1,000-operator center) are measured:
 *
 * - `postgres, one table`: the log of migrations 001–011, one unique index over all time (the baseline
 *   the seed warns about; what ccpulse had before migration 012);
 * - `postgres, partitioned by day`: ccpulse's log on PostgreSQL (migration 012);
 * - `embedded (PGlite)`: the embedded store, up to BENCH_STORAGE_PGLITE_EVENTS;
 * - `clickhouse`: ccpulse's log on ClickHouse (src/storage/clickhouse; BENCH_CLICKHOUSE_URL), when reachable;
 * - `timescale`: ccpulse's log on PostgreSQL with TimescaleDB (a hypertable, migration 020), when
 *   BENCH_TIMESCALE_URL names such a server (not one .ci/run starts: built from source, docs/STORAGE.md).
 *
 * Events: 4 per appeal (new, queued, appointed, closed), 20 queues, ids like UUIDs (random to the
 * index), claimed times spread evenly over the week from today 00:00 UTC (50M events in a week: tier 3's
 * ~83 a second).
 *
 *   npm run bench:storage
 *
 * Environment (defaults in brackets): BENCH_STORAGE_EVENTS [50000000], BENCH_STORAGE_STEP [events / 10],
 * BENCH_STORAGE_PGLITE_EVENTS [5000000], BENCH_STORAGE_VARIANTS [flat,partitioned,pglite,clickhouse, and timescale
 * when BENCH_TIMESCALE_URL is set], BENCH_PG_URL [postgres://postgres:postgres@127.0.0.1:5432/postgres],
 * BENCH_CLICKHOUSE_URL [clickhouse://default@127.0.0.1:8123/default], BENCH_TIMESCALE_URL [unset]
 * (databases of its own are created and dropped on each).
 * Writes bench/results/storage.json, .md, .svg, and .png when Chromium is found (/usr/bin/chromium).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { CcEvent } from '../src/contract/event.js';
import { openPgliteStorage } from '../src/storage/pglite/index.js';
import { openPostgresStorage, wrap } from '../src/storage/postgres/client.js';
import { SqlStorage } from '../src/storage/postgres/sql-storage.js';
import { ClickhouseStorage } from '../src/storage/clickhouse/clickhouse-storage.js';
import { chClient, parseClickhouseUrl } from '../src/storage/clickhouse/client.js';
import { sql as sqlOf } from '../src/storage/clickhouse/sql.js';
import type { RollupCell, Storage } from '../src/storage/storage.js';
import { emptyCounters } from '../src/metrics/counters.js';
import { binOf } from '../src/metrics/wait-histogram.js';
import { ROOT } from './server.js';

const num = (name: string, d: number) => (process.env[name] ? Number(process.env[name]) : d);
const TOTAL = num('BENCH_STORAGE_EVENTS', 50_000_000);
const STEP = num('BENCH_STORAGE_STEP', Math.round(TOTAL / 10));
const PGLITE_TOTAL = Math.min(TOTAL, num('BENCH_STORAGE_PGLITE_EVENTS', 5_000_000));
const TIMESCALE = process.env.BENCH_TIMESCALE_URL;
const VARIANTS = (process.env.BENCH_STORAGE_VARIANTS ?? `flat,partitioned,pglite,clickhouse${TIMESCALE ? ',timescale' : ''}`).split(',').map((s) => s.trim());
const ADMIN = process.env.BENCH_PG_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres';
const BATCH = 5_000;
/** Operators of the center whose rollups the history reads: a tier-3 center's (seed 000: 241–1,000+). */
const OPERATORS = 1_000;
const SL = { default: { targetSec: 20, shortAbandonSec: 5, abandonsCount: true }, queues: [], channels: [] };
const DAY = 86_400_000;
const START = Date.now() - (Date.now() % DAY);
/** Claimed times over a week, whatever the total: the density of a tier-3 center at 50M. */
const DT = (7 * DAY) / 50_000_000;
const log = (s: string) => process.stderr.write(`[bench:storage] ${s}\n`);
/**
 * When the batch being appended arrives: the claimed time of its last event, as in a center whose
 * events arrive as they happen. ClickHouse lays its log out by the day events arrive (a partition per
 * day); replayed at wall-clock arrival, the week's 50M events would all go into today's partition, a
 * day of ~4 times what a tier-3 center sends (seed 000: ~13M a day), which no store of the size meets.
 * PostgreSQL partitions by the claimed time, so it needs no clock.
 */
let arrivedAt = START;

interface Step {
  events: number;
  /** Events a second over this step's appends. */
  insertPerSec: number;
  /** The head's last minute of event time (readEventsByTime: ~5,000 events), ms, median of 5. */
  read1mMs: number;
  /** A replay page of 5,000 events at the head (readLog), ms, median of 5. */
  replayMs: number;
  /** The dashboard's week: every minute from the first to the head, by queue, an hour a row (queryHistory), ms over 20 runs. */
  weekP50Ms: number;
  weekP95Ms: number;
  /** The rollups' checkpoint commit after each append (its deltas: one cell per minute × queue and per minute × operator), mean ms. */
  commitMs: number;
  /**
   * ClickHouse, when the server keeps `system.part_log`: rows its merges rewrote during this step, per
   * event appended in it (every table of the store), and the whole run's so far by table.
   */
  mergedPerEvent?: number;
  mergedByTable?: Record<string, number>;
}

function batchOf(from: number, n: number): Array<{ tenant: string; event: CcEvent }> {
  const out: Array<{ tenant: string; event: CcEvent }> = [];
  const types = ['APPEAL_NEW', 'APPEAL_SENT_DISTRIBUTION', 'APPEAL_APPOINTED', 'APPEAL_CLOSED'] as const;
  for (let i = from; i < from + n; i++) {
    const type = types[i % 4];
    const a = i >> 2;
    const e: CcEvent = { id: eventId(i), type, ts: Math.round(START + i * DT), appealId: `a${a}`, queue: `q${a % 20}`, channel: 'voice' } as CcEvent;
    if (type === 'APPEAL_APPOINTED' || type === 'APPEAL_CLOSED') (e as { operatorId?: string }).operatorId = `op${a % OPERATORS}`;
    out.push({ tenant: 't', event: e });
  }
  return out;
}

/**
 * An id like an integration's (a UUID): random to the index, so each insert lands anywhere in a unique
 * b-tree over ids, as real traffic's does (sequential ids would all go to its right edge, the best case).
 * Deterministic: the same i, the same id.
 */
function eventId(i: number): string {
  const mix = (x: number) => {
    x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
    return (x ^ (x >>> 16)) >>> 0;
  };
  const h = (k: number) => mix(i * 4 + k + 0x9e3779b9).toString(16).padStart(8, '0');
  return `${h(0)}-${h(1).slice(0, 4)}-${h(1).slice(4)}-${h(2).slice(0, 4)}-${h(2).slice(4)}${h(3)}`;
}

/**
 * The rollup deltas the stream processor would commit for a batch (the same cells, not the same
 * sums: the history query's cost is in the cells it reads): an appeal's queue cell in the minute it
 * came (offered, queue length), its wait where it was appointed, its operator's cell where it was
 * handled and closed.
 */
function rollupsOf(batch: ReturnType<typeof batchOf>): RollupCell[] {
  const cells = new Map<string, RollupCell>();
  const cell = (queue: string, operator: string, ts: number) => {
    const bucket = ts - (ts % 60_000);
    const key = `${queue}|${operator}|${bucket}`;
    let c = cells.get(key);
    if (!c) cells.set(key, (c = { tenant: 't', queue, channel: 'voice', operator, bucket, counters: emptyCounters() }));
    return c.counters;
  };
  for (const { event: e } of batch) {
    const queue = e.queue ?? '';
    const op = (e as { operatorId?: string }).operatorId ?? '';
    if (e.type === 'APPEAL_NEW') {
      const c = cell(queue, '', e.ts);
      c.offered++;
      c.qaDelta++;
    } else if (e.type === 'APPEAL_APPOINTED') {
      const c = cell(queue, '', e.ts);
      const wait = 1_000 + (e.ts % 40_000);
      c.waitSumMs += wait;
      c.waitCount++;
      c.waitHist[binOf(wait)] = (c.waitHist[binOf(wait)] ?? 0) + 1;
      c.qaDelta--;
      cell(queue, op, e.ts).aa++;
    } else if (e.type === 'APPEAL_CLOSED') {
      const c = cell(queue, op, e.ts);
      c.ha++;
      c.handleSumMs += 180_000;
      c.handleCount++;
    }
  }
  return [...cells.values()];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(fn: () => Promise<unknown>, runs = 5): Promise<number> {
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return Math.round(median(ms) * 10) / 10;
}

async function samples(fn: () => Promise<unknown>, runs: number): Promise<number[]> {
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return ms.sort((a, b) => a - b);
}
const pct = (sorted: number[], p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] * 10) / 10;

async function grow(name: string, storage: Storage, total: number, opts: { rollups?: boolean; merges?: () => Promise<Record<string, number>> } = {}): Promise<Step[]> {
  const rollups = opts.rollups ?? true;
  let mergedBefore = 0;
  // (the run's results, written out after every step: a run cut short keeps the steps it made)
  const steps: Step[] = (results[name] = []);
  let commitId = 1;
  let commitMsSum = 0;
  let commits = 0;
  let upkeep = Promise.resolve();
  const timer = setInterval(() => {
    upkeep = upkeep.then(async () => {
      try {
        await storage.maintainLog?.();
      } catch (err) {
        log(`${name}: upkeep failed: ${(err as Error).message}`);
      }
    });
  }, 2_000);
  try {
    let done = 0;
    while (done < total) {
      const stepEnd = Math.min(total, done + STEP);
      const t0 = performance.now();
      let appendMs = 0;
      for (; done < stepEnd; done += BATCH) {
        const batch = batchOf(done, Math.min(BATCH, stepEnd - done));
        arrivedAt = batch[batch.length - 1].event.ts;
        const a0 = performance.now();
        const seqs = await storage.append(batch);
        const c0 = performance.now();
        appendMs += c0 - a0;
        const position = Math.max(...seqs.map((q) => q ?? 0));
        if (rollups) await storage.commitCheckpoint({ name: 'bench', commitId: commitId++, position, state: '{}', upserts: [], deletes: [], rollupDeltas: rollupsOf(batch), deadLetters: [] });
        commitMsSum += performance.now() - c0;
        commits++;
      }
      const sec = appendMs / 1000;
      const head = Math.round(START + done * DT);
      const step: Step = {
        events: done,
        insertPerSec: Math.round((stepEnd - (steps.at(-1)?.events ?? 0)) / sec),
        read1mMs: await timed(() => storage.readEventsByTime('t', head - 60_000, head)),
        replayMs: await timed(() => storage.readLog(done - 5_000, 5_000)),
        weekP50Ms: 0,
        weekP95Ms: 0,
        commitMs: Math.round((commitMsSum / Math.max(1, commits)) * 10) / 10,
      };
      commitMsSum = 0;
      commits = 0;
      const headMinute = head - (head % 60_000) + 60_000;
      const week = !rollups ? [NaN] : await samples(
        () => storage.queryHistory({ tenant: 't', from: START, to: headMinute, level: 'queue', groupBy: ['queue'], intervalMs: 3_600_000, sl: SL, limit: 100_000 }),
        20,
      );
      step.weekP50Ms = pct(week, 50);
      step.weekP95Ms = pct(week, 95);
      if (opts.merges) {
        const byTable = await opts.merges();
        const merged = Object.values(byTable).reduce((a, n) => a + n, 0);
        step.mergedPerEvent = Math.round(((merged - mergedBefore) / (done - (steps.at(-1)?.events ?? 0))) * 10) / 10;
        step.mergedByTable = byTable;
        mergedBefore = merged;
      }
      steps.push(step);
      writeTables();
      log(`${name}: ${done.toLocaleString('en')} events, ${step.insertPerSec.toLocaleString('en')}/s, 1-min read ${step.read1mMs} ms, replay page ${step.replayMs} ms, history to the head p50 ${step.weekP50Ms} · p95 ${step.weekP95Ms} ms, commit ${step.commitMs} ms${step.mergedPerEvent === undefined ? '' : `, rows merged per event ${step.mergedPerEvent}`}`);
    }
  } finally {
    clearInterval(timer);
    await upkeep;
  }
  return steps;
}

async function withPgDatabase<T>(db: string, fn: (url: string) => Promise<T>, server = ADMIN): Promise<T> {
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.unsafe(`CREATE DATABASE ${db}`);
  try {
    return await fn(server.replace(/\/[^/]*$/, `/${db}`));
  } finally {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
}

const results: Record<string, Step[]> = {};
const labels: Record<string, string> = { flat: 'postgres, one table (baseline)', partitioned: 'postgres, partitioned by day', pglite: 'embedded (PGlite)', clickhouse: 'clickhouse', timescale: 'timescaledb, hypertable by day' };
const CLICKHOUSE = process.env.BENCH_CLICKHOUSE_URL ?? 'clickhouse://default@127.0.0.1:8123/default';
let pgVersion = '';
let chVersion = '';
let tsVersion = '';
let savedMachine = '';

/**
 * Rows rewritten by the merges of each table of `db` so far, from the server's `system.part_log` (kept
 * only when its config asks for it; flushed every few seconds, so a step's figure may lag by as much),
 * or undefined when the server keeps none. The tables are named as when each was created (18.16 logs a
 * renamed table under its first name).
 */
async function partLogOf(server: ReturnType<typeof chClient>, db: string): Promise<(() => Promise<Record<string, number>>) | undefined> {
  const [{ n }] = await server.rows<{ n: string }>(sqlOf`SELECT count() AS n FROM system.tables WHERE database = 'system' AND name = 'part_log'`);
  if (Number(n) === 0) return undefined;
  return async () => {
    const rows = await server.rows<{ table: string; merged: string }>(sqlOf`SELECT table, sum(rows) AS merged FROM system.part_log WHERE database = ${db} AND event_type = 2 GROUP BY table ORDER BY table`);
    return Object.fromEntries(rows.map((r) => [r.table, Number(r.merged)]));
  };
}

// ---- report ----------------------------------------------------------------------------------------
/** The tables so far, written after each store (a run cut short keeps the stores it finished). */
function writeTables(): string[] {
  const out = path.join(ROOT, 'bench/results');
  mkdirSync(out, { recursive: true });
  const machine = savedMachine || `${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}, PostgreSQL ${pgVersion || '(not run)'}${tsVersion ? ` with TimescaleDB ${tsVersion}` : ''}, ClickHouse ${chVersion || '(not run)'}`;
  const flatness = (steps: Step[]) => {
    const rates = steps.slice(1).map((s) => s.insertPerSec); // the first step warms the caches
    const first = steps[0]?.insertPerSec ?? 0;
    const last = steps.at(-1)?.insertPerSec ?? 0;
    return { first, last, min: Math.min(...rates, first), max: Math.max(...rates, first), change: first ? Math.round((100 * (last - first)) / first) : 0 };
  };
  const when = FROM_JSON
    ? `as run until ${statSync(FROM_JSON).mtime.toISOString().slice(0, 16)} UTC (the tables made again from ${path.basename(FROM_JSON)})`
    : `${new Date().toISOString().slice(0, 16)} UTC; load average now ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`;
  const md: string[] = [`Storage growth (\`npm run bench:storage\`), ${when}; ${machine}`, ''];
  md.push('| store | events | inserts/s (this step) | the last minute at the head (~5,000 events), ms | replay page of 5,000, ms | history from the first minute to the head, by queue per hour, p50 · p95 ms | rollup commit per append, mean ms | rows merged per event appended (ClickHouse, system.part_log) |', '|---|---|---|---|---|---|---|---|');
  for (const [v, steps] of Object.entries(results)) for (const s of steps) md.push(`| ${labels[v]} | ${s.events.toLocaleString('en')} | ${s.insertPerSec.toLocaleString('en')} | ${s.read1mMs} | ${s.replayMs} | ${Number.isFinite(s.weekP50Ms) ? `${s.weekP50Ms} · ${s.weekP95Ms}` : '–'} | ${s.commitMs || '–'} | ${s.mergedPerEvent ?? '–'} |`);
  md.push('', '| store | first step | last step | change | slowest · fastest step, against the first | history p95 at the last step |', '|---|---|---|---|---|---|');
  const rel = (x: number, first: number) => `${x >= first ? '+' : ''}${first ? Math.round((100 * (x - first)) / first) : 0} %`;
  for (const [v, steps] of Object.entries(results)) {
    const f = flatness(steps);
    md.push(`| ${labels[v]} | ${f.first.toLocaleString('en')}/s | ${f.last.toLocaleString('en')}/s | ${f.change >= 0 ? '+' : ''}${f.change} % | ${rel(f.min, f.first)} · ${rel(f.max, f.first)} | ${Number.isFinite(steps.at(-1)?.weekP95Ms ?? NaN) ? `${steps.at(-1)!.weekP95Ms} ms` : '–'} |`);
  }
  writeFileSync(path.join(out, 'storage.json'), JSON.stringify({ machine, total: TOTAL, step: STEP, results }, null, 2));
  writeFileSync(path.join(out, 'storage.md'), `${md.join('\n')}\n`);
  return md;
}

// BENCH_STORAGE_FROM_JSON=bench/results/storage.json: no run, the tables and the plot made again from a
// run's results (one cut short keeps the stores it finished in its JSON)
const FROM_JSON = process.env.BENCH_STORAGE_FROM_JSON;
if (FROM_JSON) {
  const saved = JSON.parse(readFileSync(FROM_JSON, 'utf8')) as { machine: string; results: Record<string, Step[]> };
  Object.assign(results, saved.results);
  savedMachine = saved.machine;
}

for (const v of FROM_JSON ? [] : VARIANTS) {
  writeTables();
  log(`${labels[v]}: growing to ${(v === 'pglite' ? PGLITE_TOTAL : TOTAL).toLocaleString('en')} events`);
  if (v === 'flat') {
    results[v] = await withPgDatabase(`ccpulse_bench_storage_flat_${process.pid}`, async (url) => {
      const sql = postgres(url, { max: 2, onnotice: () => {} });
      // the same SQL and migrations as the server backend, under another name: migration 012 (the
      // partitioning, PostgreSQL's alone) is skipped, and the upkeep is the one-table kind
      const storage = new SqlStorage('postgres-one-table', wrap(sql));
      await storage.migrate();
      pgVersion = String((await sql`SHOW server_version`)[0].server_version);
      try {
        // the baseline is the log's: its rollups are the same tables as the partitioned store's, so it commits none
        // and its history is not measured (the run is shorter by the commits' time)
        return await grow(v, storage as unknown as Storage, TOTAL, { rollups: false });
      } finally {
        await sql.end({ timeout: 5 });
      }
    });
  } else if (v === 'partitioned') {
    results[v] = await withPgDatabase(`ccpulse_bench_storage_part_${process.pid}`, async (url) => {
      const version = postgres(url, { max: 1, onnotice: () => {} });
      pgVersion ||= String((await version`SHOW server_version`)[0].server_version);
      await version.end();
      const storage = await openPostgresStorage(url);
      try {
        return await grow(v, storage, TOTAL);
      } finally {
        await storage.close();
      }
    });
  } else if (v === 'timescale') {
    if (!TIMESCALE) {
      log('timescale: BENCH_TIMESCALE_URL is not set: skipped');
      continue;
    }
    results[v] = await withPgDatabase(`ccpulse_bench_storage_tsdb_${process.pid}`, async (url) => {
      const storage = await openPostgresStorage(url);
      try {
        if (storage.backend !== 'timescale') throw new Error(`BENCH_TIMESCALE_URL: the server was opened as '${storage.backend}' (has it TimescaleDB, loaded?)`);
        const sql = postgres(url, { max: 1, onnotice: () => {} });
        tsVersion = String((await sql`SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'`)[0].extversion);
        pgVersion ||= String((await sql`SHOW server_version`)[0].server_version);
        await sql.end();
        return await grow(v, storage, TOTAL);
      } finally {
        await storage.close();
      }
    }, TIMESCALE);
  } else if (v === 'clickhouse') {
    const db = `ccpulse_bench_storage_${process.pid}`;
    const server = chClient(parseClickhouseUrl(CLICKHOUSE), null, 300_000); // (dropping a database of ~20 tables can take a minute under load)
    try {
      chVersion = (await server.version()).join('.');
    } catch (err) {
      log(`clickhouse: not reachable at ${CLICKHOUSE.replace(/:[^:@/]*@/, ':***@')} (${(err as Error).message}): skipped`);
      await server.close();
      continue;
    }
    const storage = await ClickhouseStorage.open(CLICKHOUSE.replace(/\/[^/]*$/, `/${db}`), { arrivalClock: () => arrivedAt });
    try {
      const merges = await partLogOf(server, db);
      if (!merges) log('clickhouse: the server keeps no system.part_log (config.d, docs/STORAGE.md): merges not measured');
      results[v] = await grow(v, storage, TOTAL, { merges });
    } finally {
      await storage.close();
      await server.command(`DROP DATABASE IF EXISTS ${db}`);
      await server.close();
    }
  } else if (v === 'pglite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ccpulse-bench-storage-'));
    const storage = await openPgliteStorage({ dataDir: dir, thread: true });
    try {
      results[v] = await grow(v, storage, PGLITE_TOTAL);
    } finally {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

const md = writeTables();
const out = path.join(ROOT, 'bench/results');

// two panels against the log's size: the insert rate, and the history's p95 (stores that measured it)
const colors: Record<string, string> = { flat: '#c0392b', partitioned: '#2471a3', pglite: '#7d8c2a', clickhouse: '#d68910', timescale: '#7d3c98' };
const W = 860;
const PANEL = 400;
const H = 2 * PANEL;
const L = 80;
const R = 300;
const T = 40;
const B = 50;
const xMax = Math.max(1, ...Object.values(results).flat().map((s) => s.events));
const px = (x: number) => L + ((W - L - R) * x) / xMax;
const svg: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`, `<rect width="${W}" height="${H}" fill="white"/>`];
function panel(top: number, title: string, value: (s: Step) => number, tick: (y: number) => string): void {
  const series = Object.entries(results).map(([v, steps]) => [v, steps.filter((st) => Number.isFinite(value(st)))] as const).filter(([, steps]) => steps.length);
  const yMax = Math.max(1, ...series.flatMap(([, steps]) => steps.map(value))) * 1.1;
  const py = (y: number) => top + PANEL - B - ((PANEL - T - B) * y) / yMax;
  svg.push(
    `<text x="${L}" y="${top + 22}" font-size="14">${title}</text>`,
    `<line x1="${L}" y1="${top + PANEL - B}" x2="${W - R}" y2="${top + PANEL - B}" stroke="black"/><line x1="${L}" y1="${top + T}" x2="${L}" y2="${top + PANEL - B}" stroke="black"/>`,
  );
  for (let i = 0; i <= 4; i++) {
    const y = (yMax * i) / 4;
    svg.push(`<line x1="${L}" y1="${py(y)}" x2="${W - R}" y2="${py(y)}" stroke="#ddd"/><text x="${L - 6}" y="${py(y) + 4}" text-anchor="end">${tick(y)}</text>`);
    const x = (xMax * i) / 4;
    svg.push(`<text x="${px(x)}" y="${top + PANEL - B + 18}" text-anchor="middle">${x >= 1e6 ? `${(x / 1e6).toFixed(1)}M` : `${Math.round(x / 1e3)}k`}</text>`);
  }
  svg.push(`<text x="${(L + W - R) / 2}" y="${top + PANEL - 10}" text-anchor="middle">events in the log</text>`);
  series.forEach(([v, steps], i) => {
    svg.push(`<polyline fill="none" stroke="${colors[v]}" stroke-width="2" points="${steps.map((st) => `${px(st.events).toFixed(1)},${py(value(st)).toFixed(1)}`).join(' ')}"/>`);
    for (const st of steps) svg.push(`<circle cx="${px(st.events).toFixed(1)}" cy="${py(value(st)).toFixed(1)}" r="3" fill="${colors[v]}"/>`);
    const ly = top + T + 10 + i * 20;
    svg.push(`<line x1="${W - R + 16}" y1="${ly}" x2="${W - R + 46}" y2="${ly}" stroke="${colors[v]}" stroke-width="2"/><text x="${W - R + 52}" y="${ly + 4}">${labels[v]}</text>`);
  });
}
panel(0, 'Insert rate as the log grows (ccpulse Storage.append, 5,000 a batch)', (st) => st.insertPerSec, (y) => `${Math.round(y / 1000)}k/s`);
panel(PANEL, 'History from the first minute to the head (a week at the end), p95', (st) => st.weekP95Ms, (y) => `${Math.round(y)} ms`);
svg.push('</svg>');
writeFileSync(path.join(out, 'storage.svg'), svg.join('\n'));
if (existsSync('/usr/bin/chromium')) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: W, height: H } });
    await page.setContent(`<html><body style="margin:0">${svg.join('\n')}</body></html>`);
    await page.screenshot({ path: path.join(out, 'storage.png') });
  } finally {
    await browser.close();
  }
}
process.stdout.write(`${md.join('\n')}\n`);
