/**
 * Memory soak (issue #8, "bounded memory"): a server takes the simulator's `high-load` scenario (72
 * streams, ~6,900 operators, ~700 events/s) at real time for BENCH_SOAK_MINUTES, sent over HTTP by
 * `ccpulse simulate --target` in a process of its own. The server's RSS is sampled every 5 s. Reported
 * per mode: RSS idle, the peak, the mean of the last 5 minutes, each minute's max, and whether the server
 * kept up (its position at the end against the events the simulator had sent).
 *
 *   npm run build && node --import tsx bench/soak.ts
 *   BENCH_SOAK_MINUTES [30]  BENCH_SOAK_MODES [embedded,postgres]  BENCH_PG_URL [postgres://postgres:postgres@127.0.0.1:5432/postgres]
 *
 * Writes bench/results/soak.json and .md. Targets: ≤ 512 MB embedded, ≤ 256 MB PostgreSQL mode, never
 * above 1 GB. Without a reachable PostgreSQL the PostgreSQL mode is skipped, and the report says so.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { getJson } from './http.js';
import { createDatabase, dropDatabase, serverVersion, withDatabase } from './scale/pg-raw.js';
import { cleanupAll, envNumber, killAllSync, ROOT, sampleProc, sleep, startServer, type Health } from './server.js';
import { machine, machineLine } from './sim-common.js';

const minutes = envNumber('BENCH_SOAK_MINUTES', 30);
const modes = (process.env.BENCH_SOAK_MODES ?? 'embedded,postgres').split(',').map((m) => m.trim()).filter(Boolean);
const pgAdmin = process.env.BENCH_PG_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres';
const SAMPLE_MS = 5_000;
const TARGET_MB: Record<string, number> = { embedded: 512, postgres: 256 };

process.on('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

interface SoakResult {
  mode: string;
  skipped?: string;
  idleRssMb?: number;
  peakRssMb?: number;
  last5MinMeanRssMb?: number;
  perMinuteMaxMb?: number[];
  eventsSent?: number;
  positionAtEnd?: number;
  keptUp?: boolean;
  survived?: boolean;
  targetMb?: number;
}

const mb = (kb: number) => Math.round(kb / 1024);

async function soak(mode: string): Promise<SoakResult> {
  let extraArgs: string[] = [];
  let db: string | null = null;
  if (mode === 'postgres') {
    try {
      await serverVersion(pgAdmin);
    } catch (err) {
      return { mode, skipped: `PostgreSQL not reachable at ${pgAdmin}: ${(err as Error).message}` };
    }
    db = `ccpulse_bench_soak_${process.pid}`;
    await createDatabase(pgAdmin, db);
    extraArgs = ['--storage', 'postgres', '--postgres-url', withDatabase(pgAdmin, db)];
  }
  try {
    const s = await startServer({ label: `soak-${mode}`, extraArgs, readyTimeoutMs: 120_000 });
    await sleep(2_000);
    const idleRssMb = mb(sampleProc(s.pid)?.rssKb ?? NaN);
    process.stderr.write(`${mode}: idle RSS ${idleRssMb} MB; high-load at real time for ${minutes} min…\n`);
    let sent = 0;
    const sim = spawn(process.execPath, [path.join(ROOT, 'dist/cli/main.js'), 'simulate', '--scenario', 'high-load', '--speed', '1', '--duration', `${minutes}m`, '--target', `http://127.0.0.1:${s.port}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    // the simulator's summary on stderr ends with "POST: … accepted N" (events the server acknowledged as new)
    let simErr = '';
    sim.stderr!.on('data', (c: Buffer) => {
      simErr = (simErr + c.toString('utf8')).slice(-4_000);
      const m = /accepted (\d+)/.exec(simErr);
      if (m) sent = Number(m[1]);
    });
    const simDone = new Promise<number>((r) => sim.on('exit', (code) => r(code ?? 1)));
    const samples: Array<{ at: number; rssMb: number }> = [];
    const t0 = performance.now();
    let simExit: number | null = null;
    void simDone.then((c) => (simExit = c));
    while (simExit === null && s.exitStatus() === null) {
      await sleep(SAMPLE_MS);
      const p = sampleProc(s.pid);
      if (p) samples.push({ at: performance.now() - t0, rssMb: mb(p.rssKb) });
      const minute = Math.floor((performance.now() - t0) / 60_000);
      if (samples.length % 12 === 0) process.stderr.write(`${mode}: minute ${minute}, RSS ${samples[samples.length - 1]?.rssMb} MB\n`);
    }
    const survived = s.exitStatus() === null;
    const health = survived ? await getJson<Health>(s.port, '/healthz', 10_000) : null;
    await s.stop();
    const perMinuteMaxMb: number[] = [];
    for (const x of samples) {
      const i = Math.floor(x.at / 60_000);
      perMinuteMaxMb[i] = Math.max(perMinuteMaxMb[i] ?? 0, x.rssMb);
    }
    const endAt = samples.length ? samples[samples.length - 1].at : 0;
    const last5 = samples.filter((x) => x.at >= endAt - 300_000);
    return {
      mode,
      idleRssMb,
      peakRssMb: Math.max(idleRssMb, ...samples.map((x) => x.rssMb)),
      last5MinMeanRssMb: Math.round(last5.reduce((n, x) => n + x.rssMb, 0) / Math.max(1, last5.length)),
      perMinuteMaxMb: perMinuteMaxMb.map((v) => v ?? 0),
      eventsSent: sent || undefined,
      positionAtEnd: health?.position,
      keptUp: health ? health.position >= sent : false,
      survived,
      targetMb: TARGET_MB[mode],
    };
  } finally {
    if (db) await dropDatabase(pgAdmin, db).catch(() => {});
  }
}

function report(results: SoakResult[], m: ReturnType<typeof machine>): string {
  const lines = [
    `Memory soak: the high-load scenario at real time for ${minutes} minutes (\`node --import tsx bench/soak.ts\`)`,
    '',
    machineLine(m),
    '',
    '| mode | RSS idle | RSS peak | RSS mean, last 5 min | target | met? | kept up (position / sent) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    if (r.skipped) {
      lines.push(`| ${r.mode} | skipped: ${r.skipped} | | | | | |`);
      continue;
    }
    const met = r.survived && r.peakRssMb! <= r.targetMb! ? 'yes' : '**no**';
    lines.push(`| ${r.mode} | ${r.idleRssMb} MB | ${r.peakRssMb} MB | ${r.last5MinMeanRssMb} MB | ≤ ${r.targetMb} MB | ${met} | ${r.survived ? `${r.positionAtEnd} / ${r.eventsSent ?? '?'}` : 'server died'} |`);
  }
  lines.push('', 'RSS, max per minute (MB):', '');
  for (const r of results) if (!r.skipped) lines.push(`- ${r.mode}: ${r.perMinuteMaxMb!.join(' ')}`);
  return lines.join('\n');
}

async function main() {
  const m = machine();
  const results: SoakResult[] = [];
  for (const mode of modes) {
    if (!(mode in TARGET_MB)) throw new Error(`BENCH_SOAK_MODES: unknown mode "${mode}" (embedded, postgres)`);
    results.push(await soak(mode));
  }
  const md = report(results, m);
  const dir = path.join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'soak.json'), JSON.stringify({ machine: m, minutes, results }, null, 2));
  writeFileSync(path.join(dir, 'soak.md'), md + '\n');
  process.stdout.write(md + '\n');
  await cleanupAll();
  const missed = results.some((r) => !r.skipped && (!r.survived || r.peakRssMb! > r.targetMb!));
  process.exit(missed ? 1 : 0);
}

main().catch(async (err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  await cleanupAll();
  process.exit(2);
});
