import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { NAME_MAX_LENGTH } from '../../contract/event.js';
import { finishForecast } from '../../recommend/campaigns/pacing.js';
import type { Engine } from '../../stream/engine.js';
import { badRequest, type ErrorDetail } from '../errors.js';
import { nameParam } from '../query.js';
import { ErrorSchema, NoQuery } from '../schemas.js';
import { parseTime } from '../history-params.js';

const Body = Type.Object(
  {
    queue: Type.Optional(Type.String({ minLength: 1, maxLength: NAME_MAX_LENGTH.queue })),
    listSize: Type.Integer({ minimum: 1, maximum: 100_000_000, description: 'contacts on the list' }),
    deadline: Type.String({ description: 'ISO 8601 or epoch ms: when the list should be done' }),
    dropCapPct: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100, description: 'the most dropped calls allowed, % of answered; default recommend.campaignDropCapPct' })),
    answerRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'share of dialled contacts that answer: with it, the finish time is forecast' })),
  },
  { additionalProperties: false },
);

const CampaignSchema = Type.Object({
  id: Type.String(),
  queue: Type.Optional(Type.String()),
  listSize: Type.Number(),
  deadline: Type.String(),
  dropCapPct: Type.Number(),
  answerRate: Type.Optional(Type.Number()),
  registeredAt: Type.String(),
  /** Answered calls so far (since ccpulse first saw the campaign's events) and over the last 15 minutes. */
  progress: Type.Object({
    answered: Type.Number(),
    answeredLast15m: Type.Number(),
    droppedLast15m: Type.Number({ description: 'answered calls no agent took, over the last 15 minutes' }),
    dropPctLast15m: Type.Union([Type.Number(), Type.Null()], { description: 'those as % of answered (the cap’s measure); null with none answered' }),
  }),
  finish: Type.Union([Type.Object({ remaining: Type.Number(), eta: Type.Union([Type.String(), Type.Null()]), onTime: Type.Boolean() }), Type.Null()], {
    description: 'at the pace of the last 15 minutes: answered calls to go and when they are done (null: nothing answered lately); null without an answerRate',
  }),
});

/**
 * Outbound campaigns. PUT /v1/campaigns/:id registers one (or replaces its registration): what the
 * events do not say — list size, deadline, its own drop cap, the answer rate — for pacing advice against
 * its cap and a finish-time forecast against its deadline. GET /v1/campaigns lists them with progress.
 */
export const campaignsRoute: FastifyPluginAsync<{ engine: Engine; defaultDropCapPct: number }> = async (app, { engine, defaultDropCapPct }) => {
  const view = (tenant: string, c: Awaited<ReturnType<typeof engine.storage.listCampaigns>>[number]) => {
    const p = engine.recommender?.campaignProgress(tenant, c.id) ?? { answeredTotal: 0, answeredLast15: 0, droppedLast15: 0 };
    const finish = finishForecast(c, p, engine.now());
    return {
      id: c.id,
      ...(c.queue !== undefined ? { queue: c.queue } : {}),
      listSize: c.listSize,
      deadline: new Date(c.deadline).toISOString(),
      dropCapPct: c.dropCapPct,
      ...(c.answerRate !== undefined ? { answerRate: c.answerRate } : {}),
      registeredAt: new Date(c.registeredAt).toISOString(),
      progress: {
        answered: p.answeredTotal,
        answeredLast15m: p.answeredLast15,
        droppedLast15m: p.droppedLast15,
        dropPctLast15m: p.answeredLast15 > 0 ? Math.round((1000 * p.droppedLast15) / p.answeredLast15) / 10 : null,
      },
      finish: finish && { remaining: finish.remaining, eta: finish.eta === null ? null : new Date(finish.eta).toISOString(), onTime: finish.onTime },
    };
  };

  app.put<{ Params: { id: string }; Body: Static<typeof Body> }>(
    '/v1/campaigns/:id',
    { schema: { params: Type.Object({ id: Type.String() }), querystring: NoQuery, body: Body, response: { 200: CampaignSchema, '4xx': ErrorSchema } } },
    async (req) => {
      const errors: ErrorDetail[] = [];
      const id = nameParam(req.params.id, '/id', NAME_MAX_LENGTH.campaignId, errors);
      const queue = req.body.queue === undefined ? undefined : nameParam(req.body.queue, '/queue', NAME_MAX_LENGTH.queue, errors);
      const deadline = parseTime(req.body.deadline, '/deadline', errors);
      if (errors.length) throw badRequest(errors);
      const c = {
        tenant: req.tenant,
        id: id!,
        ...(queue !== undefined ? { queue } : {}),
        listSize: req.body.listSize,
        deadline,
        dropCapPct: req.body.dropCapPct ?? defaultDropCapPct,
        ...(req.body.answerRate !== undefined ? { answerRate: req.body.answerRate } : {}),
        registeredAt: engine.now(),
      };
      await engine.putCampaign(c);
      return view(req.tenant, c);
    },
  );

  app.get('/v1/campaigns', { config: { role: 'read' }, schema: { querystring: NoQuery, response: { 200: Type.Object({ items: Type.Array(CampaignSchema) }), '4xx': ErrorSchema } } }, async (req) => ({
    items: (await engine.storage.listCampaigns(req.tenant)).map((c) => view(req.tenant, c)),
  }));
};
