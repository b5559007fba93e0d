import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import type { CcEvent } from '../../contract/event.js';
import { namedServerAvailable } from '../../testing/require-server.js';
import { TimescaleDatabases } from '../../testing/timescale-databases.js';
import { openPostgresStorage } from './client.js';

/**
 * TimescaleDB's policies as the configuration sets them, and the watch on their background jobs
 * (postgres/timescale/jobs.ts): a job the scheduler really failed, and one it let fall behind, run
 * again by ccpulse. Runs where CCPULSE_TEST_TIMESCALE_URL names a server with TimescaleDB (CI has none).
 */
const ADMIN_URL = await namedServerAvailable('TimescaleDB', 'CCPULSE_TEST_TIMESCALE_URL');
const DB = `ccpulse_tsdb_jobs_${process.pid}`;
const dbs = ADMIN_URL ? new TimescaleDatabases(ADMIN_URL) : null;
const urlOf = (db: string) => dbs!.urlOf(db);
const fresh = (db: string, timescale?: Parameters<TimescaleDatabases['fresh']>[1]) => dbs!.fresh(db, timescale);
const DAY = 86_400_000;

afterAll(async () => {
  await dbs?.dropAll();
});

const ev = (id: string, ts: number): CcEvent => ({ id, type: 'APPEAL_NEW', ts, appealId: `a-${id}`, channel: 'voice', queue: 'sales' });

/** A hypertable's chunks in time order, and which are compressed. */
async function compressedChunks(sql: postgres.Sql, table: 'events' | 'rollups'): Promise<Array<{ start: number; compressed: boolean }>> {
  const rows = await sql`SELECT extract(epoch from range_start) * 1000 AS start, is_compressed FROM timescaledb_information.chunks
                         WHERE hypertable_name = ${table} ORDER BY range_start`;
  return rows.map((r) => ({ start: Number(r.start), compressed: r.is_compressed as boolean }));
}

/** Waits for the policies' first runs (the scheduler starts a job at once when its policy is added) to be over. */
async function firstRunsOver(sql: postgres.Sql): Promise<void> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    const [{ pending }] = await sql`SELECT count(*) FILTER (WHERE coalesce(s.total_runs, 0) = 0 OR s.job_status = 'Running')::int AS pending
                                    FROM timescaledb_information.jobs j LEFT JOIN timescaledb_information.job_stats s USING (job_id)
                                    WHERE j.hypertable_name IN ('events', 'rollups') OR j.proc_name = 'policy_job_stat_history_retention'`;
    if (pending === 0) return;
  }
  throw new Error("the scheduler did not run the policies' jobs within 30 s");
}

describe.skipIf(!ADMIN_URL)('TimescaleDB: policies and their jobs', () => {
  it('sets the policies from the configuration, changing only what differs; drops raw days only when told to, and never the rollups', async () => {
    const db = `${DB}_policies`;
    const settings = { compressLogAfterDays: 3, compressRollupsAfterDays: 10, dropLogAfterDays: 0 };
    let s = await fresh(db, settings);
    const sql = postgres(urlOf(db), { max: 1, onnotice: () => {} });
    const jobs = async () =>
      (await sql`SELECT proc_name AS p, hypertable_name AS t, coalesce(config->>'compress_after', config->>'drop_after') AS after
                 FROM timescaledb_information.jobs WHERE hypertable_name IS NOT NULL ORDER BY 1, 2`).map((j) => [j.p, j.t, j.after]);
    try {
      expect(await jobs()).toEqual([['policy_compression', 'events', '3 days'], ['policy_compression', 'rollups', '10 days']]);
      await s.close();
      s = await openPostgresStorage(urlOf(db), { timescale: settings });
      expect(s.timescaleStatus()?.policies?.changed).toEqual([]);
      await s.close();
      s = await openPostgresStorage(urlOf(db), { timescale: { ...settings, dropLogAfterDays: 30 } });
      expect(s.timescaleStatus()?.policies?.changed).toEqual(['log days dropped after 30 days']);
      expect(await jobs()).toEqual([['policy_compression', 'events', '3 days'], ['policy_compression', 'rollups', '10 days'], ['policy_retention', 'events', '30 days']]);
      await s.close();
      s = await openPostgresStorage(urlOf(db), { timescale: { ...settings, compressLogAfterDays: 4 } });
      expect(s.timescaleStatus()?.policies?.changed).toEqual(['log compressed after 4 days', 'log days no longer dropped']);
      expect(await jobs()).toEqual([['policy_compression', 'events', '4 days'], ['policy_compression', 'rollups', '10 days']]);
    } finally {
      await sql.end();
      await s.close();
    }
  });

  it("sees a job the scheduler failed and runs it again from the log's upkeep: the day it left uncompressed is compressed", async () => {
    const db = `${DB}_failed`;
    const s = await fresh(db);
    const sql = postgres(urlOf(db), { max: 2, onnotice: () => {} });
    let release = () => {};
    try {
      const [{ job_id: job }] = await sql`SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression' AND hypertable_name = 'events'`;
      // else, on a busy machine, the job's first run may come after the append and compress the day before the test holds it
      await firstRunsOver(sql);
      await s.append(Array.from({ length: 200 }, (_, i) => ({ tenant: 't', event: ev(`f${i}`, Date.now() - 5 * DAY + i) })));
      const [{ chunk }] = await sql`SELECT c::text AS chunk FROM show_chunks('events') c`;
      const runsBefore = Number((await sql`SELECT coalesce(total_runs, 0) AS n FROM timescaledb_information.job_stats WHERE job_id = ${job}`)[0]?.n ?? 0);
      // The failure: the scheduler runs the job while another session holds the day's chunk, and ends it
      // once it has run past its max_runtime (a job stuck behind a lock: a failure on any build)
      const held = new Promise<void>((r) => (release = r));
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => (locked = r));
      const holder = sql.begin(async (tx) => {
        await tx.unsafe(`LOCK TABLE ${chunk} IN ACCESS EXCLUSIVE MODE`);
        locked();
        await held;
      });
      await isLocked;
      await sql`SELECT alter_job(${job}, max_runtime => interval '1 second', next_start => now())`;
      let stats: postgres.Row | undefined;
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
        [stats] = await sql`SELECT total_runs, last_run_status, job_status FROM timescaledb_information.job_stats WHERE job_id = ${job}`;
        if (Number(stats?.total_runs) > runsBefore && stats?.last_run_status === 'Failed' && stats?.job_status !== 'Running') break;
      }
      expect(stats).toMatchObject({ last_run_status: 'Failed' });
      release();
      await holder;
      await sql`SELECT alter_job(${job}, max_runtime => interval '0')`;
      expect((await compressedChunks(sql, 'events')).map((c) => c.compressed)).toEqual([false]);

      const upkeep = await s.maintainLog(); // the first upkeep checks the jobs at once, then once a minute
      const rerun = upkeep.jobsRerun?.find((j) => j.jobId === Number(job));
      expect(rerun).toMatchObject({ proc: 'policy_compression', hypertable: 'events', why: 'failed', ok: true, error: null });
      expect(rerun?.schedulerError).toBeTruthy();
      expect((await compressedChunks(sql, 'events')).map((c) => c.compressed)).toEqual([true]);
      expect(s.timescaleStatus()?.jobs?.reran).toEqual(upkeep.jobsRerun);
      // one failure, one rerun: the next check leaves it be
      expect((await s.checkTimescaleJobs()).reran.find((j) => j.jobId === Number(job))).toBeUndefined();
    } finally {
      release();
      await sql.end();
      await s.close();
    }
  }, 60_000);

  it('runs a job the scheduler let fall behind (the scheduler stopped)', async () => {
    const db = `${DB}_overdue`;
    const s = await fresh(db);
    const sql = postgres(urlOf(db), { max: 1, onnotice: () => {} });
    try {
      await firstRunsOver(sql);
      await s.checkTimescaleJobs(); // the failures of the jobs' first runs, run again: only lateness is left to see
      await s.append(Array.from({ length: 100 }, (_, i) => ({ tenant: 't', event: ev(`o${i}`, Date.now() - 4 * DAY + i) })));
      // server-wide, for a moment: the other suites on this server do not wait on its scheduler
      await sql`SELECT _timescaledb_functions.stop_background_workers()`;
      const [{ job_id: job }] = await sql`SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression' AND hypertable_name = 'events'`;
      await sql`SELECT alter_job(${job}, next_start => now() - interval '1 hour')`;
      const check = await s.checkTimescaleJobs();
      expect(check.reran.filter((j) => j.jobId === Number(job))).toMatchObject([{ why: 'overdue', ok: true }]);
      expect((await compressedChunks(sql, 'events')).map((c) => c.compressed)).toEqual([true]);
      // once a schedule interval (12 h here), not at every check
      expect((await s.checkTimescaleJobs()).reran).toEqual([]);
    } finally {
      await sql`SELECT _timescaledb_functions.start_background_workers()`.catch(() => {});
      await sql.end();
      await s.close();
    }
  });
});
