import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { ScrapeSources } from '../../observe/prometheus.js';
import { EXPORT_FORMATS } from '../../jobs/export-format.js';
import { jobStarter } from '../../jobs/job-starter.js';
import { JobBook, TooManyJobsError, type Job, type JobFormat } from '../../jobs/job-book.js';
import { VerifyFailedError } from '../../verify/verifier.js';
import { isTimeZone } from '../../config/config.js';
import { verifyView } from './verify.js';
import type { Engine } from '../../stream/engine.js';
import { badRequest, Errors, type ErrorDetail } from '../errors.js';
import { HISTORY_PARAMS, historyParams, parseTime } from '../history-params.js';
import { ErrorSchema, NoQuery } from '../schemas.js';
import { historyRules } from '../../settings/rules.js';

/** An export's range may hold up to this many intervals (a year by the minute). */
const MAX_INTERVALS = 600_000;
/** A verify job's range, as GET /v1/verify takes it. */
const MAX_VERIFY_MS = 31 * 86_400_000;
const CONTENT_TYPES: ReadonlyMap<JobFormat, string> = new Map([
  ['json', 'application/json; charset=utf-8'],
  ['csv', 'text/csv; charset=utf-8'],
  ['xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
]);

const Body = Type.Object(
  {
    kind: Type.Union([Type.Literal('export'), Type.Literal('verify')], {
      description: 'export: the rows of GET /v1/metrics for the same parameters, written to a file (format required); verify: GET /v1/verify over from–to (up to 31 days), its answer as JSON',
    }),
    format: Type.Optional(Type.Union(EXPORT_FORMATS.map((f) => Type.Literal(f)))),
    ...HISTORY_PARAMS,
    from: Type.String({ description: 'ISO 8601 or epoch ms' }),
    to: Type.String({ description: 'ISO 8601 or epoch ms, exclusive' }),
    timeZone: Type.Optional(Type.String({ maxLength: 64, description: 'with interval 1d: days on this clock (IANA, e.g. Europe/Moscow), not UTC days' })),
  },
  { additionalProperties: false },
);

const JobSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  format: Type.String(),
  state: Type.String({ description: 'queued, running, done, failed' }),
  params: Type.Record(Type.String(), Type.String()),
  progress: Type.Object({ percent: Type.Number(), rows: Type.Number() }),
  createdAt: Type.String(),
  startedAt: Type.Union([Type.String(), Type.Null()]),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  /** Where to fetch the file once done. */
  download: Type.Union([Type.String(), Type.Null()]),
  bytes: Type.Union([Type.Number(), Type.Null()]),
});
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) }, { additionalProperties: false });

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
const view = (j: Job) => ({
  id: j.id,
  kind: j.kind,
  format: j.format,
  state: j.state,
  params: j.params,
  progress: { percent: Math.floor(j.progress.fraction * 1000) / 10, rows: j.progress.rows },
  createdAt: iso(j.createdAt)!,
  startedAt: iso(j.startedAt),
  finishedAt: iso(j.finishedAt),
  error: j.error,
  download: j.state === 'done' ? `/v1/jobs/${j.id}/download` : null,
  bytes: j.state === 'done' ? j.file!.bytes : null,
});

/**
 * Background jobs (src/jobs): POST /v1/jobs starts an export of history rows (CSV or XLSX) on a thread
 * of its own, or a verify of up to a month on the verify thread, GET /v1/jobs/:id follows it, GET /v1/jobs/:id/download fetches the file, DELETE cancels
 * it or forgets it. A tenant sees only its own jobs.
 */
export const jobsRoute: FastifyPluginAsync<{ engine: Engine; concurrency?: number; perTenant?: number; scrape?: Pick<ScrapeSources, 'jobs'> }> = async (
  app,
  { engine, concurrency = 1, perTenant = 4, scrape },
) => {
  const dir = exportsDir();
  const verify = async (tenant: string, from: number, to: number) => {
    try {
      return verifyView(await engine.verify(tenant, from, to), from, to);
    } catch (err) {
      if (err instanceof VerifyFailedError) throw new Error(`verify failed: ${err.message}; run it again later`);
      throw err;
    }
  };
  const book = new JobBook({
    dir,
    concurrency,
    perTenant,
    keepMs: 24 * 3_600_000,
    start: jobStarter(engine.storage, () => engine.checkpointer.commit(), verify),
    meter: engine.telemetry.stages.of('export'),
    log: app.log,
  });
  if (scrape) scrape.jobs = () => book.load();
  app.addHook('onClose', async () => {
    book.close();
    rmSync(dir, { recursive: true, force: true });
  });

  app.post<{ Body: Static<typeof Body> }>('/v1/jobs', { config: { role: 'read' }, schema: { querystring: NoQuery, body: Body, response: { 202: JobSchema, '4xx': ErrorSchema } } }, async (req, reply) => {
    const { kind, format, timeZone, ...params } = req.body;
    const errors: ErrorDetail[] = [];
    const day = (t: number) => new Date(t).toISOString().slice(0, 10);
    const shown = Object.fromEntries(Object.entries(params).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
    let submit: () => Job;
    if (kind === 'verify') {
      for (const f of ['format', 'queue', 'channel', 'operator', 'groupBy', 'interval', 'timeZone'] as const) {
        if (req.body[f] !== undefined) errors.push({ path: `/${f}`, message: 'not taken by a verify job (it checks the whole range: every queue, channel and operator)' });
      }
      const from = parseTime(params.from, '/from', errors);
      const to = parseTime(params.to, '/to', errors);
      if (!errors.length && from >= to) errors.push({ path: '/from', message: 'must be before to' });
      if (!errors.length && to - from > MAX_VERIFY_MS) errors.push({ path: '/to', message: 'at most 31 days after from' });
      if (errors.length) throw badRequest(errors);
      // whole minutes, as GET /v1/verify takes them
      const f = Math.floor(from / 60_000) * 60_000;
      const t = Math.ceil(to / 60_000) * 60_000;
      submit = () => book.submit(req.tenant, { kind: 'verify', tenant: req.tenant, from: f, to: t }, shown, `ccpulse-verify-${day(f)}-${day(t - 1)}.json`);
    } else {
      if (format === undefined) errors.push({ path: '/format', message: 'required for an export: csv or xlsx' });
      const p = historyParams(params, engine.now(), MAX_INTERVALS, errors);
      if (timeZone !== undefined) {
        if (params.interval !== '1d') errors.push({ path: '/timeZone', message: 'only with interval 1d (days on that clock)' });
        else if (!isTimeZone(timeZone)) errors.push({ path: '/timeZone', message: 'not a time zone this server knows (IANA names such as UTC, Europe/Moscow)' });
      }
      if (errors.length) throw badRequest(errors);
      const shape = { ...p.shape, finalBefore: engine.processor.finalBefore(req.tenant) };
      const query = { tenant: req.tenant, queue: p.queue, channel: p.channel, operator: p.operator, groupBy: shape.groupBy, intervalMs: shape.intervalMs, level: shape.level, ...historyRules(engine.settings.rulesOf(req.tenant), shape.groupBy) };
      const dayZone = timeZone !== undefined ? { dayZone: timeZone } : {};
      if (timeZone !== undefined) shown.timeZone = timeZone;
      submit = () => book.submit(req.tenant, { kind: 'export', query, shape, format: format!, ...dayZone }, shown, `ccpulse-${day(shape.from)}-${day(shape.to - 1)}.${format}`);
    }
    let job: Job;
    try {
      job = submit();
    } catch (err) {
      if (err instanceof TooManyJobsError) {
        reply.header('retry-after', '10');
        throw new Errors.TOO_MANY_JOBS(err.message);
      }
      throw err;
    }
    reply.header('location', `/v1/jobs/${job.id}`);
    return reply.status(202).send(view(job));
  });

  app.get('/v1/jobs', { config: { role: 'read' }, schema: { querystring: NoQuery, response: { 200: Type.Object({ items: Type.Array(JobSchema) }), '4xx': ErrorSchema } } }, async (req) => ({
    items: book.list(req.tenant).map(view),
  }));

  const found = (tenant: string, id: string) => {
    const j = book.get(tenant, id);
    if (!j) throw new Errors.NOT_FOUND(`/id: no job ${JSON.stringify(id.slice(0, 64))} (jobs are kept a day after they end, and not across a restart)`);
    return j;
  };

  app.get<{ Params: Static<typeof IdParams> }>('/v1/jobs/:id', { config: { role: 'read' }, schema: { params: IdParams, querystring: NoQuery, response: { 200: JobSchema, '4xx': ErrorSchema } } }, async (req) => view(found(req.tenant, req.params.id)));

  app.get<{ Params: Static<typeof IdParams> }>('/v1/jobs/:id/download', { config: { role: 'read' }, schema: { params: IdParams, querystring: NoQuery } }, async (req, reply) => {
    const j = found(req.tenant, req.params.id);
    if (j.state !== 'done' || !j.file) throw new Errors.CONFLICT(`the job is ${j.state}${j.state === 'running' ? ` (${view(j).progress.percent} %)` : ''}${j.error ? `: ${j.error}` : ''}; its file is there once it is done`);
    // opened before anything is said of it: a file removed meanwhile (the job deleted, expired or evicted)
    // is a 404 here, and once open its removal no longer matters
    let handle: FileHandle;
    try {
      handle = await open(j.file.path, 'r');
    } catch {
      throw new Errors.NOT_FOUND(`job ${req.params.id}'s file is gone (the job was removed or expired): run it again`);
    }
    reply.header('content-type', CONTENT_TYPES.get(j.format)!);
    reply.header('content-disposition', `attachment; filename="${j.file.name}"`);
    reply.header('content-length', String(j.file.bytes));
    return reply.send(handle.createReadStream());
  });

  app.delete<{ Params: Static<typeof IdParams> }>('/v1/jobs/:id', { config: { role: 'read' }, schema: { params: IdParams, querystring: NoQuery } }, async (req, reply) => {
    found(req.tenant, req.params.id);
    book.remove(req.tenant, req.params.id);
    return reply.status(204).send();
  });
};

/**
 * This process's directory for export files, named with its PID; directories of processes no longer
 * running (killed with -9: their onClose never ran) are removed first, with what they held.
 */
function exportsDir(): string {
  const prefix = 'ccpulse-exports-';
  for (const name of readdirSync(tmpdir())) {
    const pid = /^ccpulse-exports-(\d+)-/.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || isRunning(Number(pid))) continue;
    rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
  return mkdtempSync(join(tmpdir(), `${prefix}${process.pid}-`));
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // someone else's, alive
  }
}
