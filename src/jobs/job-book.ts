import type { StageMeter } from '../observe/stage-meter.js';
import type { Logger } from 'pino';
/**
 * Background jobs (issue #11): heavy work — exports of long ranges, verify over weeks — run off the request path, a few at
 * a time, each on a thread of its own, so that no report slows the live view. A job is asked for with
 * POST /v1/jobs, followed with GET /v1/jobs/:id (its progress), and its file fetched when it is done.
 * Jobs and their files live as long as the process, and a finished one for `keepMs` after it ends:
 * a restart forgets them (the file was a copy of what the store still holds: ask again).
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ExportFormat } from './export-format.js';
import type { ExportProgress, ExportSpec } from './export-run.js';

/** What a job does: an export of history rows to a file, or a verify of a range (its answer as JSON). */
export type JobSpec = ({ kind: 'export' } & Omit<ExportSpec, 'path'>) | { kind: 'verify'; tenant: string; from: number; to: number };
export type JobFormat = ExportFormat | 'json';

export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface Job {
  id: string;
  tenant: string;
  kind: JobSpec['kind'];
  format: JobFormat;
  /** What was asked for, as given (shown back). */
  params: Record<string, string>;
  state: JobState;
  progress: ExportProgress;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  error: string | null;
  /** The file, once done: its name for the download, where it is, its size. */
  file: { name: string; path: string; bytes: number } | null;
  /** The work itself (not shown). */
  spec: JobSpec;
}

/** A running job's work: resolves with the rows written, rejects with why; `cancel` stops it. */
export interface RunningWork {
  done: Promise<{ rows: number; bytes: number }>;
  cancel(): void;
}

export type StartWork = (job: Job, path: string, onProgress: (p: ExportProgress) => void) => Promise<RunningWork>;

export class TooManyJobsError extends Error {}

/** Finished jobs a tenant keeps (with their files) besides those of the last keepMs: the newest. */
export const MAX_FINISHED = 20;

export interface JobBookOptions {
  dir: string;
  /** Jobs running at once (each on a thread). */
  concurrency: number;
  /** Jobs a tenant may have queued or running. */
  perTenant: number;
  /** How long a finished job and its file are kept. */
  keepMs: number;
  start: StartWork;
  now?: () => number;
  /** Times each job as the `export` stage (for /metrics). */
  meter?: StageMeter;
  /** Where a failed job is reported (once, when it fails; its caller sees the error in the job). */
  log?: Pick<Logger, 'warn'>;
}

export class JobBook {
  private readonly jobs = new Map<string, Job>();
  private readonly queue: string[] = [];
  private readonly running = new Map<string, RunningWork>();
  /** Jobs whose work is being started (a checkpoint, a thread): cancelled meanwhile, they are stopped once started. */
  private readonly starting = new Set<string>();
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly opts: JobBookOptions) {
    this.now = opts.now ?? Date.now;
  }

  submit(tenant: string, spec: JobSpec, params: Record<string, string>, fileName: string): Job {
    this.keepLatestFinished(tenant);
    const format: JobFormat = spec.kind === 'export' ? spec.format : 'json';
    this.expire();
    const active = [...this.jobs.values()].filter((j) => j.tenant === tenant && (j.state === 'queued' || j.state === 'running')).length;
    if (active >= this.opts.perTenant) throw new TooManyJobsError(`${active} jobs of this tenant are queued or running; at most ${this.opts.perTenant}: wait for one to finish, or cancel one`);
    const id = randomUUID();
    const job: Job = { id, tenant, kind: spec.kind, format, params, spec, state: 'queued', progress: { fraction: 0, rows: 0 }, createdAt: this.now(), startedAt: null, finishedAt: null, error: null, file: { name: fileName, path: join(this.opts.dir, `${id}.${format}`), bytes: 0 } };
    this.jobs.set(id, job);
    this.queue.push(id);
    this.pump();
    return job;
  }

  /** A tenant's job; another tenant's is as absent as one that never was. */
  get(tenant: string, id: string): Job | undefined {
    this.expire();
    const j = this.jobs.get(id);
    return j && j.tenant === tenant ? j : undefined;
  }

  list(tenant: string): Job[] {
    this.expire();
    return [...this.jobs.values()].filter((j) => j.tenant === tenant).sort((a, b) => b.createdAt - a.createdAt);
  }

  /** Cancels a queued or running job, or forgets a finished one and its file. */
  remove(tenant: string, id: string): boolean {
    const j = this.get(tenant, id);
    if (!j) return false;
    if (j.state === 'queued') this.queue.splice(this.queue.indexOf(id), 1);
    const work = this.running.get(id);
    work?.done.catch(() => undefined);
    work?.cancel();
    // a job still starting keeps its place until its start returns (run() then cancels it): no more than `concurrency` at once
    if (work && !this.starting.has(id)) this.running.delete(id);
    this.forget(j);
    this.pump();
    return true;
  }

  close(): void {
    this.closed = true;
    for (const w of this.running.values()) {
      w.done.catch(() => undefined);
      w.cancel();
    }
    this.running.clear();
    for (const j of this.jobs.values()) this.forget(j);
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.opts.concurrency && this.queue.length) {
      const job = this.jobs.get(this.queue.shift()!);
      if (job) void this.run(job);
    }
  }

  /** Jobs waiting and running now (for /metrics). */
  load(): { queued: number; running: number } {
    return { queued: this.queue.length, running: this.running.size };
  }

  private async run(job: Job): Promise<void> {
    const meter = this.opts.meter;
    meter?.begin();
    let ok = false;
    try {
      ok = await this.runJob(job);
    } finally {
      meter?.end(ok);
    }
  }

  /** Runs a job to its end; whether it succeeded. */
  private async runJob(job: Job): Promise<boolean> {
    job.state = 'running';
    job.startedAt = this.now();
    const placeholder: RunningWork = { done: new Promise(() => {}), cancel: () => undefined };
    this.running.set(job.id, placeholder); // counted while the thread starts
    this.starting.add(job.id);
    let work: RunningWork;
    try {
      work = await this.opts.start(job, job.file!.path, (p) => (job.progress = p));
    } catch (err) {
      if (this.jobs.has(job.id)) this.finish(job, err);
      else this.release(job.id);
      return false;
    } finally {
      this.starting.delete(job.id);
    }
    if (!this.jobs.has(job.id) || this.closed) {
      // cancelled while it started: its end is of no interest, but must be taken (an unheard rejection ends the process)
      work.done.catch(() => undefined);
      work.cancel();
      this.release(job.id);
      return true;
    }
    this.running.set(job.id, work);
    try {
      const { rows, bytes } = await work.done;
      if (!this.jobs.has(job.id)) return true;
      job.progress = { fraction: 1, rows };
      job.file!.bytes = bytes;
      this.finish(job, null);
      return true;
    } catch (err) {
      if (this.jobs.has(job.id)) this.finish(job, err);
      return false;
    }
  }

  /** A cancelled job's place, given back. */
  private release(id: string): void {
    this.running.delete(id);
    this.pump();
  }

  private finish(job: Job, err: unknown): void {
    this.running.delete(job.id);
    job.finishedAt = this.now();
    if (err) {
      job.state = 'failed';
      job.error = err instanceof Error ? err.message : String(err);
      this.opts.log?.warn({ err, job: job.id, kind: job.kind, tenant: job.tenant }, 'job failed');
      rmSync(job.file!.path, { force: true });
      job.file = null;
    } else job.state = 'done';
    this.pump();
  }

  private forget(j: Job): void {
    this.jobs.delete(j.id);
    if (j.state !== 'done' && j.state !== 'failed') j.state = 'cancelled';
    if (j.file) rmSync(j.file.path, { force: true });
  }

  /** A tenant keeps its last MAX_FINISHED finished jobs (and files); older ones go, so a loop of exports cannot fill the disk. */
  private keepLatestFinished(tenant: string): void {
    const finished = [...this.jobs.values()].filter((j) => j.tenant === tenant && j.finishedAt !== null).sort((a, b) => b.finishedAt! - a.finishedAt!);
    for (const j of finished.slice(MAX_FINISHED - 1)) this.forget(j);
  }

  /** Finished jobs older than keepMs go, with their files. */
  private expire(): void {
    const before = this.now() - this.opts.keepMs;
    for (const j of this.jobs.values()) if (j.finishedAt !== null && j.finishedAt < before) this.forget(j);
  }
}
