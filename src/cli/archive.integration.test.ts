import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { ClickhouseArchive } from '../archive/clickhouse-target.js';
import { readDayFileDigest } from '../archive/day-file.js';
import type { ArchiveTarget } from '../archive/target.js';
import { chClient, parseClickhouseUrl } from '../storage/clickhouse/client.js';
import { appendApplied, hotAndArchived } from '../archive/testing/archive-suite.js';
import type { LoggedEvent } from '../contract/event.js';
import { openPgliteStorage } from '../storage/pglite/index.js';
import { openPostgresStorage } from '../storage/postgres/client.js';
import { DAY_MS, type Storage } from '../storage/storage.js';
import { runCli, STACK_LINE } from '../testing/cli.js';
import { serverAvailable } from '../testing/require-server.js';
import { ccpulseCommand } from '../testing/ccpulse-command.js';

const ADMIN_URL = process.env.CCPULSE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const root = mkdtempSync(join(tmpdir(), 'ccpulse-archive-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
/** Databases made during the tests, dropped at the end (a hook registered inside a test would not run). */
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c().catch(() => {});
}, 300_000);

const DAYS = 10;
const PER_DAY = 2_500;
const firstDay = Date.UTC(2026, 0, 1);

/** A small deterministic generator (the kill moments are random, but a failing run can be repeated). */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => ((x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0), x / 2 ** 32);
}

/** A log of DAYS old days, every event applied by the stream (checkpointed), plus today's events. */
async function seed(storage: Storage): Promise<void> {
  for (let d = 0; d < DAYS; d++) {
    const events = Array.from({ length: PER_DAY }, (_, i) => ({
      tenant: i % 7 === 0 ? 'other' : 'default',
      event: { id: `d${d}-${i}`, type: 'APPEAL_NEW' as const, ts: firstDay + d * DAY_MS + i * 30_000, appealId: `a${d}-${i}`, channel: 'voice', queue: 'q', attrs: { n: i } },
    }));
    await appendApplied(storage, events);
  }
  await appendApplied(storage, [{ tenant: 'default', event: { id: 'today', type: 'APPEAL_NEW', ts: Date.now(), appealId: 'now', channel: 'voice', queue: 'q' } }]);
}

/** Every event is hot (in the log, or held apart) or in a recorded file (or ClickHouse part) that checks, exactly once; together they are the original log. */
async function expectEachEventOnce(storage: Storage, dir: string | ArchiveTarget, original: LoggedEvent[]): Promise<number> {
  const records = await storage.listArchivedDays();
  for (const r of records) expect(typeof dir === 'string' ? await readDayFileDigest(join(dir, r.file)) : await dir.readBack(r.file), r.file).toMatchObject({ events: r.events, sha256: r.sha256 });
  const { hot, archived } = await hotAndArchived(storage, dir);
  const all = [...hot, ...archived];
  expect(new Set(all.map((e) => e.seq)).size).toBe(all.length);
  expect(all.sort((a, b) => a.seq - b.seq)).toEqual(original);
  return records.length;
}

/** A fresh PostgreSQL database for one suite, dropped after it. */
async function freshPostgres(db: string): Promise<string> {
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.unsafe(`CREATE DATABASE ${db}`);
  await admin.end();
  cleanups.push(async () => {
    const a = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
    await a.unsafe(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await a.end();
  });
  return ADMIN_URL.replace(/\/[^/]*$/, `/${db}`);
}

const CH_BASE = process.env.CCPULSE_TEST_CLICKHOUSE_URL ?? 'clickhouse://default@127.0.0.1:8123/default';

interface Setup {
  url: string;
  /** The archive's directory, or its ClickHouse URL. */
  dir?: string;
  clickhouse?: string;
  open: () => Promise<Storage>;
}

const backends: Array<{ name: string; runs: number; enabled: () => Promise<boolean>; setup: () => Promise<Setup> }> = [
  {
    name: 'the embedded store',
    runs: 5,
    enabled: async () => true,
    setup: async () => {
      const data = join(root, 'data');
      return { url: `pglite:${data}`, dir: join(data, 'archive'), open: () => openPgliteStorage({ dataDir: join(data, 'pglite'), thread: true }) };
    },
  },
  {
    name: 'PostgreSQL',
    runs: 5,
    enabled: () => serverAvailable('PostgreSQL', '127.0.0.1', 5432),
    setup: async () => {
      const url = await freshPostgres(`ccpulse_test_archive_cli_${process.pid}`);
      return { url, dir: join(root, 'pg-archive'), open: () => openPostgresStorage(url) };
    },
  },
  {
    // the seed's move up the tiers: a PostgreSQL center keeps its old events in ClickHouse, its analytic store
    name: 'PostgreSQL into a ClickHouse database',
    runs: 4,
    enabled: async () => (await serverAvailable('PostgreSQL', '127.0.0.1', 5432)) && (await serverAvailable('ClickHouse', new URL(CH_BASE).hostname, Number(new URL(CH_BASE).port || 8123))),
    setup: async () => {
      const url = await freshPostgres(`ccpulse_test_archive_cli_ch_${process.pid}`);
      const chDb = `ccpulse_test_archive_cli_${process.pid}`;
      const clickhouse = CH_BASE.replace(/\/[^/]*$/, `/${chDb}`);
      const drop = async () => {
        const server = chClient(parseClickhouseUrl(clickhouse), null, 300_000);
        await server.command(`DROP DATABASE IF EXISTS ${chDb}`);
        await server.close();
      };
      await drop();
      cleanups.push(drop);
      return { url, clickhouse, open: () => openPostgresStorage(url) };
    },
  },
];

for (const b of backends) {
  describe(`ccpulse archive on ${b.name}`, () => {
    it(`killed (SIGKILL) at random moments, ${b.runs} runs in a row, leaves every event hot or in a checked, recorded file, exactly once; a last run archives every old day`, async (ctx) => {
      if (!(await b.enabled())) return ctx.skip();
      const { url, dir, clickhouse, open } = await b.setup();
      const target: string | ArchiveTarget = clickhouse ? new ClickhouseArchive(clickhouse) : dir!;
      ctx.onTestFinished(async () => {
        if (typeof target !== 'string') await target.close();
      });
      let storage = await open();
      await seed(storage);
      const original = await storage.readLog(0, DAYS * PER_DAY + 10);
      expect(original).toHaveLength(DAYS * PER_DAY + 1);
      await storage.close();

      const args = ['archive', '--storage', url, ...(clickhouse ? ['--clickhouse', clickhouse] : ['--dir', dir!]), '--older-than', '7d'];
      const seedValue = Number(process.env.ARCHIVE_CRASH_SEED ?? Date.now() % 100_000);
      const random = rng(seedValue);
      let killedMidway = 0;
      let archivedSoFar = 0;
      for (let run = 0; run < b.runs; run++) {
        // killed at a random moment: either during the start (opening the store, taking a day apart), or
        // after a random number of days went, somewhere in the next day's write, check or removal
        // the first run is killed at once after its first day, so at least one run is surely cut short
        const afterDays = run === 0 ? 1 : Math.floor(random() * Math.max(1, DAYS - archivedSoFar - 1));
        const child = spawn(process.execPath, [...ccpulseCommand(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        const timers: NodeJS.Timeout[] = [];
        const killIn = (ms: number) => timers.push(setTimeout(() => child.kill('SIGKILL'), ms));
        let out = '';
        let lines = 0;
        if (afterDays === 0) killIn(500 + random() * 3_000);
        child.stdout.on('data', (d) => {
          out += d;
          const before = lines;
          lines = out.split('\n').filter((l) => / archived /.test(l)).length;
          if (before < afterDays && lines >= afterDays) killIn(run === 0 ? 0 : random() * 400);
        });
        const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
        for (const t of timers) clearTimeout(t);
        archivedSoFar += lines;
        if (code === null) killedMidway++;
        else expect(code, out).toBe(0);
        storage = await open();
        try {
          await expectEachEventOnce(storage, target, original);
        } finally {
          await storage.close();
        }
      }
      expect(killedMidway, `seed ${seedValue}: no run was killed before it finished`).toBeGreaterThan(0);

      const last = await runCli(args, { timeoutMs: 120_000 });
      expect(last.code, last.stderr).toBe(0);
      expect(last.stdout).toMatch(/archived \d+ days? \(\d[\d,]* events\) into /);
      storage = await open();
      try {
        expect(await expectEachEventOnce(storage, target, original)).toBe(DAYS);
        const { hot } = await hotAndArchived(storage, target);
        expect(hot.map((e) => e.id)).toEqual(['today']);
      } finally {
        await storage.close();
      }

      const listed = await runCli(['archive', 'list', '--storage', url], { timeoutMs: 60_000 });
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout.trim().split('\n')).toHaveLength(DAYS);
      if (clickhouse) {
        expect(listed.stdout).toMatch(/2026-01-01 +2,500 events  sha256 [0-9a-f]{12}…  clickhouse:archived_events\/2026-01-01\/1\/[0-9a-f-]{36}/);
        expect(last.stdout).toContain(`into clickhouse 127.0.0.1:8123/`);
        expect(last.stdout + last.stderr).not.toContain(new URL(clickhouse).password || '\u0000');
      } else {
        expect(listed.stdout).toMatch(/2026-01-01 +2,500 events  sha256 [0-9a-f]{12}…  events-2026-01-01.ndjson.gz/);
        expect(listed.stdout).toContain('events-2026-01-10.ndjson.gz');
      }
    }, 300_000);
  });
}

it('ccpulse archive says what is wrong in a sentence: a store in use, a missing store', async () => {
  const data = join(root, 'busy');
  const storage = await openPgliteStorage({ dataDir: join(data, 'pglite'), thread: true });
  await storage.close();
  const missing = await runCli(['archive', '--storage', `pglite:${join(root, 'nothing-here')}`]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/holds no ccpulse data/);
  expect(missing.stderr).not.toMatch(STACK_LINE);
  const { acquireDataDirLock } = await import('../storage/pglite/data-dir-lock.js');
  const lock = await acquireDataDirLock(data);
  try {
    const busy = await runCli(['archive', '--storage', `pglite:${data}`]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/in use by another ccpulse[\s\S]*archives by itself every hour/);
    expect(busy.stderr).not.toMatch(STACK_LINE);
  } finally {
    lock.release();
  }
}, 60_000);
