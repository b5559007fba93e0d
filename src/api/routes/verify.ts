import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { BUCKET_MS } from '../../metrics/appeal-story.js';
import type { Engine } from '../../stream/engine.js';
import { badRequest, Errors, type ErrorDetail } from '../errors.js';
import { VerifyFailedError } from '../../verify/verifier.js';
import { parseTime } from '../history-params.js';
import { ArchivedDaysSchema, ErrorSchema } from '../schemas.js';

/** The longest range one request may verify (a month takes the batch path minutes: see src/verify/). */
const MAX_RANGE_MS = 31 * 86_400_000;

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
      config: { role: 'read' }, schema: {
        querystring: Query,
        response: {
          200: Type.Object({
            from: Type.String(),
            to: Type.String(),
            /** The log position of the first chunk's comparison; each chunk is compared at the position of its own. */
            position: Type.Number(),
            lastPosition: Type.Number(),
            /** Raw events of the range the recomputation read, and the appeals whose stories it told. */
            events: Type.Number(),
            appeals: Type.Number(),
            cells: Type.Number(),
            /** The first differences (at most 1,000), in time order; totalDifferences counts them all. */
            differences: Type.Array(Difference),
            totalDifferences: Type.Number(),
            truncated: Type.Boolean(),
            /**
             * Days (UTC) of the range whose raw events are archived (docs/STORAGE.md "Archive"): their cells
             * are not recomputed, and so not compared (the rollups, and /v1/metrics, still have them).
             */
            archived: ArchivedDaysSchema,
          }),
          '4xx': ErrorSchema,
        },
      },
    },
    async (req) => {
      const errors: ErrorDetail[] = [];
      const toRaw = req.query.to === undefined ? engine.now() : parseTime(req.query.to, '/to', errors);
      const fromRaw = req.query.from === undefined ? toRaw - 3_600_000 : parseTime(req.query.from, '/from', errors);
      const to = Math.ceil(toRaw / BUCKET_MS) * BUCKET_MS;
      const from = Math.floor(fromRaw / BUCKET_MS) * BUCKET_MS;
      if (!errors.length && from >= to) errors.push({ path: '/from', message: 'must be before to' });
      if (!errors.length && to - from > MAX_RANGE_MS) errors.push({ path: '/from', message: 'the range may span at most 31 days' });
      if (errors.length) throw badRequest(errors);
      let r;
      try {
        r = await engine.verify(req.tenant, from, to);
      } catch (err) {
        if (err instanceof VerifyFailedError) throw new Errors.OVERLOADED(err.message);
        throw err;
      }
      return verifyView(r, from, to);
    },
  );
};

/** A verify's answer as the API shows it (GET /v1/verify, and a verify job's file). */
export function verifyView(r: Awaited<ReturnType<Engine['verify']>>, from: number, to: number) {
  const { appealsTold, archived, ...rest } = r;
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    ...rest,
    appeals: appealsTold,
    archived: archived.map((a) => ({ ...a, day: new Date(a.day).toISOString().slice(0, 10) })),
  };
}
