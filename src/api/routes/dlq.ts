import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../stream/engine.js';
import { badRequest, Errors, type ErrorDetail } from '../errors.js';
import { intParam } from '../query.js';
import { NoQuery, ErrorSchema } from '../schemas.js';

const DeadLetterSchema = Type.Object({
  id: Type.Number(),
  tenant: Type.String(),
  eventId: Type.Union([Type.String(), Type.Null()]),
  seq: Type.Union([Type.Number(), Type.Null()]),
  step: Type.String({ description: 'the pipeline step that gave up' }),
  reason: Type.String(),
  payload: Type.Unknown({ description: 'the original event' }),
  createdAt: Type.Number(),
  replayedAt: Type.Union([Type.Number(), Type.Null()]),
});

const ListQuery = Type.Object(
  {
    limit: Type.Optional(Type.String({ description: 'a whole number from 1 to 10000; default 100' })),
    afterId: Type.Optional(Type.String({ description: 'list dead letters with a greater id (paging); default 0' })),
  },
  { additionalProperties: false },
);
const LIMIT = { min: 1, max: 10_000 };
const AFTER_ID = { min: 0, max: Number.MAX_SAFE_INTEGER };
const ID = { min: 1, max: Number.MAX_SAFE_INTEGER };
const ReplayBody = Type.Object(
  { ids: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), { minItems: 1, maxItems: 10_000, uniqueItems: true })) },
  { additionalProperties: false },
);

/** The dead-letter queue: events that were valid but could not be processed, with why, and their replay. */
export const dlqRoute: FastifyPluginAsync<{ engine: Engine }> = async (app, { engine }) => {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/v1/dlq',
    { config: { role: 'read' }, schema: { querystring: ListQuery, response: { 200: Type.Object({ items: Type.Array(DeadLetterSchema) }), '4xx': ErrorSchema } } },
    async (req) => {
      const errors: ErrorDetail[] = [];
      const limit = intParam(req.query.limit, '/limit', LIMIT, errors);
      const afterId = intParam(req.query.afterId, '/afterId', AFTER_ID, errors);
      if (errors.length) throw badRequest(errors);
      return { items: await engine.deadLetters({ tenant: req.tenant, limit: limit ?? 100, afterId }) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/dlq/:id',
    { config: { role: 'read' }, schema: { params: Type.Object({ id: Type.String() }), querystring: NoQuery, response: { 200: DeadLetterSchema, '4xx': ErrorSchema } } },
    async (req) => {
      const errors: ErrorDetail[] = [];
      const id = intParam(req.params.id, '/id', ID, errors);
      if (id === undefined) throw badRequest(errors);
      await engine.checkpointer.commit();
      const d = await engine.storage.getDeadLetter(id);
      if (!d || d.tenant !== req.tenant) throw new Errors.NOT_FOUND(`no dead letter ${req.params.id}`);
      return d;
    },
  );

  app.post<{ Body: Static<typeof ReplayBody> }>(
    '/v1/dlq/replay',
    {
      schema: {
        querystring: NoQuery,
        body: ReplayBody,
        response: { 200: Type.Object({ replayed: Type.Number(), accepted: Type.Number(), duplicates: Type.Number() }), '4xx': ErrorSchema },
      },
    },
    async (req) => {
      const { unknown, ...result } = await engine.replayDeadLetters(req.tenant, req.body?.ids ?? 'all');
      if (unknown.length) throw new Errors.NOT_FOUND(`no dead letter ${unknown.join(', ')}; nothing was replayed`);
      return result;
    },
  );
};
