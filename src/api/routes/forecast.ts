import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { NAME_MAX_LENGTH } from '../../contract/event.js';
import type { Engine } from '../../stream/engine.js';
import { badRequest, Errors, type ErrorDetail } from '../errors.js';
import { nameParam } from '../query.js';
import { ErrorSchema } from '../schemas.js';

const Query = Type.Object(
  {
    queue: Type.Optional(Type.String({ description: 'only this queue' })),
    channel: Type.Optional(Type.String({ description: 'only this channel' })),
  },
  { additionalProperties: false },
);

const Slot = Type.Object({ from: Type.String({ description: 'the 15-minute slot’s start, ISO 8601' }), arrivals: Type.Number({ description: 'appeals expected in the slot' }) });
const Reply = Type.Object({
  at: Type.String(),
  items: Type.Array(
    Type.Object({
      queue: Type.String(),
      channel: Type.String(),
      basis: Type.String({ description: 'prior, recent, seasonal or blend: what the forecast rests on now' }),
      past: Type.Array(Slot, { description: 'what the forecast expected of each 15-minute slot of the last hours, as of the slot’s first minute (kept since the server started)' }),
      ahead: Type.Array(Slot, { description: 'the hour ahead, four 15-minute slots' }),
    }),
  ),
});

/**
 * GET /v1/forecast: each queue × channel's arrivals forecast as the recommender follows it, for the
 * dashboard's trend charts (arrivals against what was expected, and the hour ahead).
 */
export const forecastRoute: FastifyPluginAsync<{ engine: Engine }> = async (app, { engine }) => {
  app.get<{ Querystring: Static<typeof Query> }>('/v1/forecast', { config: { role: 'read' }, schema: { querystring: Query, response: { 200: Reply, '4xx': ErrorSchema } } }, async (req) => {
    const errors: ErrorDetail[] = [];
    const queue = nameParam(req.query.queue, '/queue', NAME_MAX_LENGTH.queue, errors);
    const channel = nameParam(req.query.channel, '/channel', NAME_MAX_LENGTH.channel, errors);
    if (errors.length) throw badRequest(errors);
    if (!engine.recommender) throw new Errors.NOT_FOUND('the forecast is the recommender’s, switched off on this server (recommend.enabled = false)');
    const iso = (t: number) => new Date(t).toISOString();
    const items = engine.recommender
      .forecasts(req.tenant)
      .filter((f) => (queue === undefined || f.queue === queue) && (channel === undefined || f.channel === channel))
      .sort((a, b) => (a.queue === b.queue ? (a.channel < b.channel ? -1 : 1) : a.queue < b.queue ? -1 : 1))
      .map((f) => ({
        queue: f.queue,
        channel: f.channel,
        basis: f.basis,
        past: f.past.map((x) => ({ from: iso(x.from), arrivals: Math.round(x.arrivals * 100) / 100 })),
        ahead: f.ahead.map((x) => ({ from: iso(x.from), arrivals: Math.round(x.arrivals * 100) / 100 })),
      }));
    return { at: iso(engine.now()), items };
  });
};
