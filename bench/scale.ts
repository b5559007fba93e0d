/**
 * Scale benchmark (issue #8): ccpulse on a 300-operator center's week (~2.1M events; --quick: a Sunday,
 * ~160k events), in embedded mode and in PostgreSQL mode, from outside (HTTP API and CLI only), with the raw
 * PostgreSQL baselines measured in the same run: ingest vs INSERT-with-unique-key and COPY, history queries vs
 * the raw-scan SQL aggregation, event → SSE under heavy queries and a whole-range verify, RSS, start and
 * recovery after kill -9, and history latency against data size. Writes bench/results/scale-<quick|full>.json,
 * .md and -curve.svg, and prints the Markdown.
 *
 *   npm run bench:quick             # a few minutes
 *   npm run bench:scale             # the full week (tens of minutes on 2 cores: run it on a quiet machine)
 *
 * Environment (defaults in brackets): BENCH_PG_URL [postgres://postgres:postgres@127.0.0.1:5432/postgres]
 * (the bench creates and drops databases of its own there), BENCH_CLICKHOUSE_URL [clickhouse://default@127.0.0.1:8123/default]
 * (likewise; the ClickHouse mode is skipped when it is not reachable), BENCH_SCALE_MODES [embedded,postgres,clickhouse],
 * BENCH_SCALE_RUNS [20] timed runs per query after BENCH_SCALE_WARMUP [2], BENCH_SCALE_BUDGET [300; quick 60]
 * seconds per query before it stops with fewer runs (noted in the report), BENCH_SCALE_LIVE_SECONDS [60; quick 20],
 * BENCH_SCALE_VERIFY_TIMEOUT [600; quick 180] seconds, BENCH_SCALE_HOURS [168; quick 24] (a shorter data set,
 * to develop the bench), BENCH_SERVER_ENTRY [this checkout's dist/cli/main.js].
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cleanupAll, envNumber as num, killAllSync, ROOT } from './server.js';
import { chClient, parseClickhouseUrl } from '../src/storage/clickhouse/client.js';
import { round } from './stats.js';
import { runBaseline, type BaselineResult } from './scale/baseline-run.js';
import { runMode, type ModeResult, type ScaleConfig } from './scale/ccpulse-run.js';
import { ensureDataset, type DatasetSpec } from './scale/dataset.js';
import { connect, createDatabase, dropDatabase, serverVersion, withDatabase } from './scale/pg-raw.js';
import { crossCheck, curveSeries, curveTable, modeRows, svgPlot, table, type Machine } from './scale/report.js';

const quick = process.argv.includes('--quick') || process.env.BENCH_SCALE_QUICK === '1';
// Full: Monday 00:00 UTC + one week. Quick: the Sunday of that week alone (the lightest day, ~160k events).
// BENCH_SCALE_HOURS shortens the data set (from the same start), to develop the bench itself.
const hours = num('BENCH_SCALE_HOURS', quick ? 24 : 168);
// A shortened data set is named as such, so its files never pass for the full or quick run's.
const variant = `${quick ? 'quick' : 'full'}${hours === (quick ? 24 : 168) ? '' : `-${hours}h`}`;
const spec: DatasetSpec = { scenario: 'center-300-week', seed: 1, start: quick ? '2026-11-08T00:00:00Z' : '2026-11-02T00:00:00Z', duration: `${hours}h` };
const cfg: ScaleConfig = {
  clients: 4,
  batch: 500,
  curveHours: hours === 168 ? [24, 48, 96, 168] : [hours / 4, hours / 2, hours],
  curveRuns: quick ? 3 : 5,
  runs: num('BENCH_SCALE_RUNS', 20),
  warmup: num('BENCH_SCALE_WARMUP', 2),
  queryBudgetSec: num('BENCH_SCALE_BUDGET', quick ? 60 : 300),
  queryTimeoutMs: 600_000,
  liveSeconds: num('BENCH_SCALE_LIVE_SECONDS', quick ? 20 : 60),
  liveRate: 500,
  verifyTimeoutSec: num('BENCH_SCALE_VERIFY_TIMEOUT', quick ? 180 : 600),
  killAfterSec: quick ? 5 : 10,
};
const modes = (process.env.BENCH_SCALE_MODES ?? 'embedded,postgres,clickhouse').split(',').map((s) => s.trim()) as Array<'embedded' | 'postgres' | 'clickhouse'>;
const chUrl = process.env.BENCH_CLICKHOUSE_URL ?? 'clickhouse://default@127.0.0.1:8123/default';
const pgAdmin = process.env.BENCH_PG_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres';
const rawDb = `ccpulse_bench_scale_raw_${process.pid}`;
const srvDb = `ccpulse_bench_scale_srv_${process.pid}`;
const log = (s: string) => process.stderr.write(`[bench:scale] ${s}\n`);

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

async function machine(): Promise<Machine> {
  let commit = git(['rev-parse', '--short', 'HEAD']) || 'n/a';
  if (git(['status', '--porcelain', '--', 'src', 'bench'])) commit += ' (with uncommitted changes)';
  let postgres = 'unreachable';
  try {
    postgres = await serverVersion(pgAdmin);
  } catch {
    /* reported as such */
  }
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGb: round(os.totalmem() / 1024 ** 3, 1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres,
    commit,
    date: new Date().toISOString(),
    loadavgAtStart: os.loadavg().map((v) => round(v, 2)),
  };
}

async function main(): Promise<number> {
  const t0 = performance.now();
  const m = await machine();
  const pgOk = m.postgres !== 'unreachable';
  if (!pgOk) log(`PostgreSQL at ${pgAdmin} is unreachable: no baselines and no PostgreSQL mode in this run`);
  const ds = ensureDataset(spec, log);
  log(`data set: ${path.relative(ROOT, ds.file)} (${round(ds.bytes / 1024 ** 2, 0)} MB)`);

  let baseline: BaselineResult | undefined;
  if (pgOk) {
    await createDatabase(pgAdmin, rawDb);
    try {
      baseline = await runBaseline(withDatabase(pgAdmin, rawDb), ds, cfg);
    } finally {
      await dropDatabase(pgAdmin, rawDb);
    }
  }
  const results: ModeResult[] = [];
  for (const mode of modes) {
    if (mode === 'postgres') {
      if (!pgOk) continue;
      await createDatabase(pgAdmin, srvDb);
      const admin = connect(pgAdmin, 1);
      try {
        results.push(await runMode(mode, ds, cfg, { url: withDatabase(pgAdmin, srvDb), db: srvDb, admin }));
      } finally {
        await admin.end();
        await cleanupAll();
        await dropDatabase(pgAdmin, srvDb);
      }
    } else if (mode === 'clickhouse') {
      const server = chClient(parseClickhouseUrl(chUrl), null, 300_000); // (dropping a database of ~20 tables can take a minute under load)
      const db = `ccpulse_bench_scale_${process.pid}`;
      try {
        await server.version();
      } catch (err) {
        log(`clickhouse: not reachable (${(err as Error).message}): skipped`);
        await server.close();
        continue;
      }
      try {
        results.push(await runMode(mode, ds, cfg, null, chUrl.replace(/\/[^/]*$/, `/${db}`)));
      } finally {
        await cleanupAll();
        await server.command(`DROP DATABASE IF EXISTS ${db}`);
        await server.close();
      }
    } else {
      results.push(await runMode(mode, ds, cfg, null));
      await cleanupAll();
    }
  }

  const events = results[0]?.load.events ?? baseline?.insert.events ?? 0;
  const rangeLabel = hours === 24 ? 'the day' : hours === 168 ? 'the week' : `all ${hours} h`;
  const rows = results.flatMap((r) => modeRows(r, baseline, rangeLabel));
  const named: Array<[string, NonNullable<BaselineResult['curve']>]> = [
    ...results.map((r) => [`ccpulse ${r.mode}`, r.curve] as [string, typeof r.curve]),
    ...(baseline ? [['raw-scan baseline', baseline.curve] as [string, typeof baseline.curve]] : []),
  ];
  const colors = ['#1f77b4', '#2ca02c', '#d62728'];
  const svg = svgPlot(
    `History query p50 against data size (${spec.scenario}, ${variant}, commit ${m.commit})`,
    named.flatMap(([n, c], i) => curveSeries(n, colors[i % colors.length], c)),
  );
  const base = `scale-${variant}`;
  const md = [
    `# ccpulse scale benchmark (${variant})`,
    '',
    `- data set: \`${spec.scenario}\`, seed ${spec.seed}, ${spec.start} + ${spec.duration}: ${events.toLocaleString('en-US')} events (${round(ds.bytes / 1024 ** 2, 0)} MB NDJSON), 301 operators`,
    `- machine: ${m.cpu} · ${m.cores} cores · ${m.memoryGb} GB RAM · ${m.os} · Node ${m.node} · PostgreSQL ${m.postgres}`,
    `- commit ${m.commit} · ${m.date} · load average at start ${m.loadavgAtStart.join(' / ')} · at end ${os.loadavg().map((v) => round(v, 2)).join(' / ')}`,
    `- queries: ${cfg.warmup} warm-up + up to ${cfg.runs} timed runs each, one at a time (budget ${cfg.queryBudgetSec} s a query); ccpulse through GET /v1/metrics, the baseline as one SQL statement over a raw events table in PostgreSQL (indexes on ts and on appeal_id, ts)`,
    '',
    table(rows),
    '',
    `## History latency against data size`,
    '',
    curveTable(named),
    '',
    `Plot: ${base}-curve.svg`,
    '',
    '## Cross-check: the same appeals on both sides',
    '',
    'ccpulse returns a row for every group and bucket of the range, empty ones too; the baseline only non-empty ones. By operator, ccpulse counts no offered (an appeal is offered to a queue), the baseline counts them under the operator who took them.',
    '',
    crossCheck(results, baseline),
    '',
    `Total ${round((performance.now() - t0) / 1000, 0)} s.`,
  ].join('\n');
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${base}.json`), `${JSON.stringify({ variant, machine: m, dataset: { ...spec, events, bytes: ds.bytes }, config: cfg, baseline, modes: results }, null, 2)}\n`);
  writeFileSync(path.join(dir, `${base}.md`), `${md}\n`);
  writeFileSync(path.join(dir, `${base}-curve.svg`), `${svg}\n`);
  process.stdout.write(`\n${md}\n\nWritten: bench/results/${base}.json, ${base}.md, ${base}-curve.svg\n`);
  return 0;
}

async function dropOurDatabases(): Promise<void> {
  await Promise.allSettled([dropDatabase(pgAdmin, rawDb), dropDatabase(pgAdmin, srvDb)]);
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    log(`${sig}: stopping servers, dropping the bench's databases`);
    void cleanupAll()
      .then(dropOurDatabases)
      .finally(() => process.exit(130));
  });
}
process.on('exit', killAllSync);

main()
  .catch(async (err: Error) => {
    log(`failed: ${err.stack ?? err.message}`);
    await cleanupAll();
    await dropOurDatabases();
    return 2;
  })
  .then((code) => process.exit(code));
