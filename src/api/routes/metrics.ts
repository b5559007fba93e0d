import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { TooManyRowsError } from '../../metrics/history.js';
import type { Engine } from '../../stream/engine.js';
import { badRequest, type ErrorDetail } from '../errors.js';
import { historyParams, HistoryQuerySchema } from '../history-params.js';
import { ErrorSchema, MetricsRowSchema } from '../schemas.js';

const MAX_ROWS = 20_000;

/** GET /v1/metrics: history from the rollups. */
export const metricsRoute: FastifyPluginAsync<{ engine: Engine }> = async (app, { engine }) => {
  app.get<{ Querystring: Static<typeof HistoryQuerySchema> }>(
    '/v1/metrics',
    { config: { role: 'read' }, schema: { querystring: HistoryQuerySchema, response: { 200: Type.Object({ rows: Type.Array(MetricsRowSchema) }), '4xx': ErrorSchema } } },
    async (req, reply) => {
      const errors: ErrorDetail[] = [];
      const p = historyParams(req.query, engine.now(), MAX_ROWS, errors);
      if (errors.length) throw badRequest(errors);
      const { queue, channel, operator } = p;
      const shape = { ...p.shape, finalBefore: engine.processor.finalBefore(req.tenant), maxRows: MAX_ROWS };
      try {
        const json = await engine.historyJson({ tenant: req.tenant, queue, channel, operator }, shape);
        // already serialized (on the history thread): sent as it is
        return reply.type('application/json; charset=utf-8').send(json);
      } catch (err) {
        if (err instanceof TooManyRowsError) throw badRequest([{ path: '/interval', message: err.message }]);
        throw err;
      }
    },
  );
};

export { parseTime } from '../history-params.js';
