import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { BUCKET_MS } from '../../metrics/appeal-story.js';
import { buildHistory, GROUP_KEYS, TooManyRowsError, type GroupKey } from '../../metrics/history.js';
import type { Engine } from '../../stream/engine.js';
import { Errors, withDetails, type ErrorDetail } from '../errors.js';
import { ErrorSchema, MetricsRowSchema } from '../schemas.js';

const Query = Type.Object(
  {
    from: Type.Optional(Type.String({ description: 'ISO 8601 or epoch ms; default: `to` minus one hour' })),
    to: Type.Optional(Type.String({ description: 'ISO 8601 or epoch ms, exclusive; default: now' })),
    queue: Type.Optional(Type.String()),
    channel: Type.Optional(Type.String()),
    operator: Type.Optional(Type.String()),
    groupBy: Type.Optional(Type.String({ description: 'comma list of queue, channel, operator; default: queue,channel' })),
    interval: Type.Optional(Type.String({ description: 'row interval: 1m, 5m, 15m, 1h, 1d, …; default: one row per group' })),
  },
  { additionalProperties: false },
);

const MAX_ROWS = 20_000;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** GET /v1/metrics: history from the rollups. */
export const metricsRoute: FastifyPluginAsync<{ engine: Engine }> = async (app, { engine }) => {
  app.get<{ Querystring: Static<typeof Query> }>(
    '/v1/metrics',
    { schema: { querystring: Query, response: { 200: Type.Object({ rows: Type.Array(MetricsRowSchema) }), '4xx': ErrorSchema } } },
    async (req) => {
      const q = req.query;
      const errors: ErrorDetail[] = [];
      const to = q.to === undefined ? engine.now() : parseTime(q.to, '/to', errors);
      const from = q.from === undefined ? to - 3_600_000 : parseTime(q.from, '/from', errors);
      if (!errors.length && from >= to) errors.push({ path: '/from', message: 'must be before to' });
      const groupBy = (q.groupBy ?? (q.operator ? 'operator' : 'queue,channel')).split(',').map((s) => s.trim()).filter(Boolean);
      for (const g of groupBy) if (!GROUP_KEYS.includes(g as GroupKey)) errors.push({ path: '/groupBy', message: `unknown key "${g}"; use queue, channel, operator` });
      let intervalMs: number | undefined;
      if (q.interval !== undefined) {
        const m = /^(\d+)([mhd])$/.exec(q.interval);
        if (!m || Number(m[1]) === 0) errors.push({ path: '/interval', message: 'must look like 1m, 5m, 15m, 1h or 1d' });
        else intervalMs = Number(m[1]) * UNIT_MS[m[2]];
      }
      if (!errors.length && intervalMs && (to - from) / intervalMs > MAX_ROWS) {
        errors.push({ path: '/interval', message: `too small for the range: more than ${MAX_ROWS} rows` });
      }
      if (errors.length) throw withDetails(new Errors.BAD_REQUEST(errors.map((e) => `${e.path}: ${e.message}`).join('; ')), errors);

      const level = q.operator !== undefined || groupBy.includes('operator') ? 'operator' : 'queue';
      // Cells are whole minutes: widen the range to minute edges so a partial minute is not lost.
      const fromB = Math.floor(from / BUCKET_MS) * BUCKET_MS;
      const toB = Math.ceil(to / BUCKET_MS) * BUCKET_MS;
      const { cells, qaAtFrom } = await engine.rollups({ tenant: req.tenant, from: fromB, to: toB, level, queue: q.queue, channel: q.channel, operator: q.operator });
      try {
        const rows = buildHistory(
          cells,
          qaAtFrom,
          { from: fromB, to: toB, groupBy: groupBy as GroupKey[], intervalMs, level, finalBefore: engine.processor.finalBefore(req.tenant), maxRows: MAX_ROWS },
          engine.slPolicyOf,
        );
        return { rows };
      } catch (err) {
        if (err instanceof TooManyRowsError) throw withDetails(new Errors.BAD_REQUEST(`/interval: ${err.message}`), [{ path: '/interval', message: err.message }]);
        throw err;
      }
    },
  );
};

export function parseTime(v: string, path: string, errors: ErrorDetail[]): number {
  const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (Number.isNaN(ms)) errors.push({ path, message: 'must be ISO 8601 (e.g. 2026-11-21T10:00:00Z) or epoch milliseconds' });
  else if (ms < TIME_MIN || ms > TIME_MAX) errors.push({ path, message: 'must be between 2000-01-01 and 2100-01-01' });
  return ms;
}

const TIME_MIN = Date.UTC(2000, 0, 1);
const TIME_MAX = Date.UTC(2100, 0, 1);
