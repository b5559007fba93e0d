import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../stream/engine.js';
import { ErrorSchema, LiveSnapshotSchema, NoQuery } from '../schemas.js';

/** GET /v1/live: the current state per queue × channel and the last 15 and 60 minutes' metrics. */
export const liveRoute: FastifyPluginAsync<{ engine: Engine }> = async (app, { engine }) => {
  app.get('/v1/live', { config: { role: 'read' }, schema: { querystring: NoQuery, response: { 200: LiveSnapshotSchema, '4xx': ErrorSchema } } }, async (req) =>
    engine.snapshot(req.tenant),
  );
};
