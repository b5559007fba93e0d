import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { NAME_MAX_LENGTH, OPERATOR_STATUSES, type OperatorStatus } from '../../contract/event.js';
import { BUCKET_MS } from '../../metrics/appeal-story.js';
import type { Engine } from '../../stream/engine.js';
import { badRequest, type ErrorDetail } from '../errors.js';
import { nameParam } from '../query.js';
import { ErrorSchema } from '../schemas.js';

const Query = Type.Object(
  {
    queue: Type.Optional(Type.String({ description: 'only operators based on this queue or handling an appeal there' })),
    status: Type.Optional(Type.String({ description: `only operators in this status: ${OPERATOR_STATUSES.join(', ')}` })),
  },
  { additionalProperties: false },
);

const Minutes = Type.Object({ ready: Type.Number(), busy: Type.Number(), acw: Type.Number(), break: Type.Number() });
const Operator = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.String(), Type.Null()]),
  since: Type.Union([Type.String(), Type.Null()], { description: 'when the status began (event time)' }),
  queue: Type.Union([Type.String(), Type.Null()], { description: 'where based: the queue the status names, else where last handled' }),
  channel: Type.Union([Type.String(), Type.Null()]),
  handling: Type.Number({ description: 'appeals in handling now' }),
  handlingOn: Type.Array(Type.Object({ queue: Type.String(), channel: Type.String() })),
  handledToday: Type.Number({ description: 'appeals handled (closed after an answer) since the start of the center’s day (config timeZone)' }),
  ahtSec: Type.Union([Type.Number(), Type.Null()], { description: 'average handle time of those, seconds' }),
  occupancyPct: Type.Union([Type.Number(), Type.Null()], { description: 'busy and after-call work over ready, busy and after-call work, today; null before any' }),
  minutesToday: Minutes,
});
const Reply = Type.Object({ at: Type.String(), dayStart: Type.String(), items: Type.Array(Operator) });

/**
 * GET /v1/operators: the operators table. Who is in which status since when and where, what each
 * handles now (the live view), their time in each status today (the live view's status accounting) and
 * what they handled today with its handle time (the history, by operator).
 */
export const operatorsRoute: FastifyPluginAsync<{ engine: Engine }> = async (app, { engine }) => {
  app.get<{ Querystring: Static<typeof Query> }>('/v1/operators', { config: { role: 'read' }, schema: { querystring: Query, response: { 200: Reply, '4xx': ErrorSchema } } }, async (req) => {
    const errors: ErrorDetail[] = [];
    const queue = nameParam(req.query.queue, '/queue', NAME_MAX_LENGTH.queue, errors);
    const status = req.query.status;
    if (status !== undefined && !(OPERATOR_STATUSES as readonly string[]).includes(status)) errors.push({ path: '/status', message: `must be one of ${OPERATOR_STATUSES.join(', ')}` });
    if (errors.length) throw badRequest(errors);

    const now = engine.now();
    const live = engine.processor.live.operatorsOf(req.tenant, now);
    const dayStart = engine.processor.live.dayOf(now);
    const json = await engine.historyJson(
      { tenant: req.tenant },
      { from: dayStart, to: Math.ceil(now / BUCKET_MS) * BUCKET_MS, groupBy: ['operator'], level: 'operator', finalBefore: engine.processor.finalBefore(req.tenant), maxRows: 100_000 },
    );
    const handled = new Map<string, { ha: number; ahtSec: number | null }>();
    for (const r of (JSON.parse(json) as { rows: Array<{ operator?: string; ha: number; ahtSec: number | null }> }).rows) {
      if (r.operator !== undefined) handled.set(r.operator, { ha: r.ha, ahtSec: r.ahtSec });
    }
    const minutes = (ms: number | undefined) => Math.round((ms ?? 0) / 6_000) / 10;
    const items = live
      .filter((o) => (status === undefined || o.status === status) && (queue === undefined || o.queue === queue || o.handlingOn.some((h) => h.queue === queue)))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((o) => {
        const ms = o.today.ms;
        const working = (ms.busy ?? 0) + (ms.acw ?? 0);
        const present = working + (ms.ready ?? 0);
        const h = handled.get(o.id);
        return {
          id: o.id,
          status: o.status as OperatorStatus | null,
          since: o.since === null ? null : new Date(o.since).toISOString(),
          queue: o.queue,
          channel: o.channel,
          handling: o.handling,
          handlingOn: o.handlingOn,
          handledToday: h?.ha ?? 0,
          ahtSec: h?.ahtSec ?? null,
          occupancyPct: present > 0 ? Math.round((1000 * working) / present) / 10 : null,
          minutesToday: { ready: minutes(ms.ready), busy: minutes(ms.busy), acw: minutes(ms.acw), break: minutes(ms.break) },
        };
      });
    return { at: new Date(now).toISOString(), dayStart: new Date(dayStart).toISOString(), items };
  });
};
