import type { SqlClient } from '../sql-client.js';

/**
 * Watching TimescaleDB's background jobs on ccpulse's hypertables (the policies of policies.ts), and
 * running one again where the scheduler failed it or let it fall behind. Some builds' jobs report
 * failures ("cannot drop portal", docs/STORAGE.md) after doing their work, and a scheduler that is not
 * running (timescaledb.max_background_workers too low, a crashed launcher) runs nothing at all; in
 * either case `CALL run_job(id)` in a session of ccpulse's own does the work. Run from the log's upkeep
 * (SqlStorage.maintainLog), at most once a minute: the views it reads scan the job catalog.
 */

/** How often the jobs are looked at (the upkeep runs every 2 s). */
export const JOB_CHECK_EVERY_MS = 60_000;
/** A scheduled job whose next start is this far past is overdue: the scheduler did not run it. */
export const OVERDUE_AFTER_MS = 10 * 60_000;

/** A job as its statistics stand. Times in epoch ms. */
export interface JobState {
  jobId: number;
  /** The job's procedure: policy_compression, policy_retention, policy_job_stat_history_retention. */
  proc: string;
  /** The hypertable it works on; null for TimescaleDB's own upkeep of its job history. */
  hypertable: string | null;
  scheduled: boolean;
  scheduleIntervalMs: number;
  /** 'Success', 'Failed', or null before its first run. */
  lastRunStatus: string | null;
  lastRunStartedAt: number | null;
  nextStart: number | null;
  totalFailures: number;
  /** The last failure's message (timescaledb_information.job_errors), when the last run failed. */
  lastError: string | null;
}

/** A job ccpulse ran itself, why, and how that went. */
export interface JobRerun {
  jobId: number;
  proc: string;
  hypertable: string | null;
  why: 'failed' | 'overdue';
  /** What the scheduler's run reported (failed), or null. */
  schedulerError: string | null;
  ok: boolean;
  /** The error of ccpulse's own run, when it failed too. */
  error: string | null;
  ms: number;
  at: number;
}

export interface JobCheck {
  at: number;
  jobs: JobState[];
  reran: JobRerun[];
}

export class JobWatch {
  /** The failed run (its start) each job was last run again for: one scheduler failure, one rerun. */
  private rerunForFailure = new Map<number, number>();
  /** When each overdue job was last run here: again after its schedule interval, if still overdue. */
  private rerunWhenOverdue = new Map<number, number>();
  private checkedAt = -Infinity;
  /** The last check, for the storage's status. */
  last: JobCheck | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  /** Checks the jobs when a minute has passed since the last check; null when it is not due. */
  async checkIfDue(db: SqlClient): Promise<JobCheck | null> {
    if (this.now() - this.checkedAt < JOB_CHECK_EVERY_MS) return null;
    return this.check(db);
  }

  /** Reads the jobs' statistics and runs again each job that failed or is overdue. */
  async check(db: SqlClient): Promise<JobCheck> {
    this.checkedAt = this.now();
    const jobs = await readJobs(db);
    const reran: JobRerun[] = [];
    for (const j of jobs) {
      const why = this.due(j);
      if (!why) continue;
      const started = this.now();
      let error: string | null = null;
      try {
        await runJob(db, j.jobId);
      } catch (err) {
        error = (err as Error).message;
      }
      // a failed run is run again once, and at every check until that succeeds; an overdue job once a schedule interval
      if (why === 'failed' && error === null) this.rerunForFailure.set(j.jobId, j.lastRunStartedAt!);
      if (why === 'overdue') this.rerunWhenOverdue.set(j.jobId, started);
      reran.push({ jobId: j.jobId, proc: j.proc, hypertable: j.hypertable, why, schedulerError: why === 'failed' ? j.lastError : null, ok: error === null, error, ms: this.now() - started, at: started });
    }
    this.last = { at: this.checkedAt, jobs, reran };
    return this.last;
  }

  private due(j: JobState): JobRerun['why'] | null {
    if (j.lastRunStatus === 'Failed' && j.lastRunStartedAt !== null && this.rerunForFailure.get(j.jobId) !== j.lastRunStartedAt) return 'failed';
    if (j.scheduled && j.nextStart !== null && j.nextStart + OVERDUE_AFTER_MS < this.now()) {
      const ran = this.rerunWhenOverdue.get(j.jobId);
      if (ran === undefined || this.now() - ran >= j.scheduleIntervalMs) return 'overdue';
    }
    return null;
  }
}

const ms = (col: string) => `(extract(epoch from ${col}) * 1000)::float8`;

/**
 * The jobs on ccpulse's hypertables in this database's schema, and TimescaleDB's pruning of its own job
 * history (failing, it would let the history of every failure grow without end), with their statistics
 * and last error.
 */
export async function readJobs(db: SqlClient): Promise<JobState[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT j.job_id, j.proc_name, j.hypertable_name, j.scheduled, ${ms('j.schedule_interval')} AS interval_ms,
            s.last_run_status, ${ms('s.last_run_started_at')} AS last_started, ${ms('s.next_start')} AS next_start,
            coalesce(s.total_failures, 0)::float8 AS failures,
            (SELECT e.err_message FROM timescaledb_information.job_errors e
             WHERE e.job_id = j.job_id AND s.last_run_status = 'Failed' ORDER BY e.start_time DESC LIMIT 1) AS last_error
     FROM timescaledb_information.jobs j LEFT JOIN timescaledb_information.job_stats s ON s.job_id = j.job_id
     WHERE (j.hypertable_name IN ('events', 'rollups') AND j.hypertable_schema = current_schema())
        OR j.proc_name = 'policy_job_stat_history_retention'
     ORDER BY j.job_id`,
  );
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return rows.map((r) => ({
    jobId: Number(r.job_id),
    proc: r.proc_name as string,
    hypertable: (r.hypertable_name as string | null) ?? null,
    scheduled: Boolean(r.scheduled),
    scheduleIntervalMs: Number(r.interval_ms),
    lastRunStatus: (r.last_run_status as string | null) ?? null,
    // a run that never happened shows as -infinity in job_stats
    lastRunStartedAt: finite(num(r.last_started)),
    nextStart: finite(num(r.next_start)),
    totalFailures: Number(r.failures),
    lastError: (r.last_error as string | null) ?? null,
  }));
}

const finite = (v: number | null) => (v !== null && Number.isFinite(v) ? v : null);

/**
 * Runs a job now, in this session. run_job commits as it goes (a compression policy commits after each
 * chunk), so it is called on its own, outside any transaction.
 */
export async function runJob(db: SqlClient, jobId: number): Promise<void> {
  await db.query(`CALL run_job($1::int)`, [jobId]);
}
