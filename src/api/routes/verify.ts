import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { BUCKET_MS } from '../../metrics/appeal-story.js';
import type { Engine } from '../../stream/engine.js';
import { Errors } from '../errors.js';
import { ErrorSchema } from '../schemas.js';

const Query = Type.Object(
  {
    from: Type.Optional(Type.String({ description: 'ISO 8601 or epoch ms; default: an hour before `to`' })),
    to: Type.Optional(Type.String({ description: 'ISO 8601 or epoch ms; default: now' })),
  },
  { additionalProperties: false },
);

const Difference = Type.Object({
  queue: Type.String(),
  channel: Type.String(),
  operator: Type.String(),
  bucket: Type.String(),
  field: Type.String(),
  stream: Type.Unknown(),
  batch: Type.Unknown(),
});

/** GET /v1/verify: recompute [from, to) from the raw events and compare with the streamed rollups. */
export const verifyRoute: FastifyPluginAsync<{ engine: Engine }> = async (app, { engine }) => {
  app.get<{ Querystring: Static<typeof Query> }>(
    '/v1/verify',
    {
      schema: {
        querystring: Query,
        response: {
          200: Type.Object({ from: Type.String(), to: Type.String(), position: Type.Number(), events: Type.Number(), cells: Type.Number(), differences: Type.Array(Difference) }),
          '4xx': ErrorSchema,
        },
      },
    },
    async (req) => {
      const time = (v: string | undefined, fallback: number, path: string) => {
        if (v === undefined) return fallback;
        const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
        if (Number.isNaN(ms)) throw Object.assign(new Errors.BAD_REQUEST(`${path}: must be ISO 8601 or epoch milliseconds`), { details: [{ path, message: 'must be ISO 8601 or epoch milliseconds' }] });
        return ms;
      };
      const to = Math.ceil(time(req.query.to, engine.now(), '/to') / BUCKET_MS) * BUCKET_MS;
      const from = Math.floor(time(req.query.from, to - 3_600_000, '/from') / BUCKET_MS) * BUCKET_MS;
      if (from >= to) throw Object.assign(new Errors.BAD_REQUEST('/from: must be before to'), { details: [{ path: '/from', message: 'must be before to' }] });
      const r = await engine.verify(req.tenant, from, to);
      return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), ...r };
    },
  );
};
