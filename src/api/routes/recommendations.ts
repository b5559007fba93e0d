import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Item } from '../../recommend/lifecycle/lifecycle.js';
import type { Engine } from '../../stream/engine.js';
import { badRequest, Errors, type ErrorDetail } from '../errors.js';
import { intParam, nameParam } from '../query.js';
import { NoQuery, ErrorSchema } from '../schemas.js';
import { parseTime } from '../history-params.js';

/** An item of advice or an alert as the API shows it (times ISO 8601). */
export const RecommendationSchema = Type.Object({
  id: Type.String({ description: 'r followed by a number' }),
  key: Type.String({ description: 'the condition: kind and what it is about (one item per condition at a time)' }),
  kind: Type.String({ description: 'staffing-add, staffing-release, sl-under-target, long-wait, abandon-high, off-forecast, channel-silent' }),
  state: Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('resolved')]),
  severity: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')]),
  reason: Type.String({ description: 'plain language, with the numbers' }),
  data: Type.Record(Type.String(), Type.Unknown(), { description: 'the numbers behind the reason' }),
  openedAt: Type.String(),
  updatedAt: Type.String(),
  acknowledgedAt: Type.Optional(Type.String()),
  acknowledgedBy: Type.Optional(Type.String()),
  resolvedAt: Type.Optional(Type.String()),
});

export type RecommendationView = Static<typeof RecommendationSchema>;

const iso = (ms: number) => new Date(ms).toISOString();

export function viewOf(i: Item): RecommendationView {
  const v: RecommendationView = {
    id: i.id,
    key: i.key,
    kind: i.kind,
    state: i.state,
    severity: i.severity,
    reason: i.reason,
    data: i.data,
    openedAt: iso(i.openedAt),
    updatedAt: iso(i.updatedAt),
  };
  if (i.acknowledgedAt !== undefined) v.acknowledgedAt = iso(i.acknowledgedAt);
  if (i.acknowledgedBy !== undefined) v.acknowledgedBy = i.acknowledgedBy;
  if (i.resolvedAt !== undefined) v.resolvedAt = iso(i.resolvedAt);
  return v;
}

const ListQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ description: 'history: items alive at any time in [from, to); ISO 8601 or epoch ms' })),
    to: Type.Optional(Type.String({ description: 'history: exclusive; default now' })),
    limit: Type.Optional(Type.String({ description: 'history: a whole number from 1 to 10000; default 1000' })),
  },
  { additionalProperties: false },
);
const AckBody = Type.Union([
  Type.Object({ by: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'who acknowledges (shown to others)' })) }, { additionalProperties: false }),
  Type.Null(),
]);
const LIMIT = { min: 1, max: 10_000 };
const ID_MAX_LENGTH = 20;
/** The longest history range one request may ask for (a year): beyond it, page by time. */
const MAX_RANGE_MS = 366 * 86_400_000;

/**
 * Advice and alerts. GET /v1/recommendations: the open board (open and acknowledged items), or with
 * `from` the history of the range (resolved items too). POST /v1/recommendations/:id/ack: someone has
 * seen it; the item stays until its condition clears.
 */
export const recommendationsRoute: FastifyPluginAsync<{ engine: Engine }> = async (app, { engine }) => {
  const recommender = () => {
    if (!engine.recommender) throw new Errors.NOT_FOUND('recommendations are switched off on this server (recommend.enabled = false)');
    return engine.recommender;
  };

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/v1/recommendations',
    { config: { role: 'read' }, schema: { querystring: ListQuery, response: { 200: Type.Object({ items: Type.Array(RecommendationSchema) }), '4xx': ErrorSchema } } },
    async (req) => {
      const errors: ErrorDetail[] = [];
      const { from: fromText, to: toText } = req.query;
      const to = toText === undefined ? engine.now() : parseTime(toText, '/to', errors);
      const from = fromText === undefined ? undefined : parseTime(fromText, '/from', errors);
      const limit = intParam(req.query.limit, '/limit', LIMIT, errors);
      if (fromText === undefined && (toText !== undefined || limit !== undefined)) errors.push({ path: '/from', message: 'required with to or limit (history); without them the open board is answered' });
      if (errors.length === 0 && from !== undefined && from >= to) errors.push({ path: '/from', message: 'must be before to' });
      if (errors.length === 0 && from !== undefined && to - from > MAX_RANGE_MS) errors.push({ path: '/from', message: 'the range may span at most 366 days; ask for it in parts' });
      if (errors.length) throw badRequest(errors);
      const r = recommender();
      const items = from === undefined ? r.board(req.tenant) : await r.history(req.tenant, from, to, limit ?? 1_000);
      return { items: items.map(viewOf) };
    },
  );

  app.post<{ Params: { id: string }; Body: Static<typeof AckBody> }>(
    '/v1/recommendations/:id/ack',
    { config: { role: 'read' }, schema: { params: Type.Object({ id: Type.String() }), querystring: NoQuery, body: AckBody, response: { 200: RecommendationSchema, '4xx': ErrorSchema } } },
    async (req) => {
      const errors: ErrorDetail[] = [];
      const id = nameParam(req.params.id, '/id', ID_MAX_LENGTH, errors);
      if (id !== undefined && !/^r[1-9]\d*$/.test(id)) errors.push({ path: '/id', message: 'must be r followed by a number (e.g. r12)' });
      // stored with the item: a NUL cannot be (PostgreSQL), and a failed save is retried ahead of every later one
      const by = nameParam(req.body?.by, '/by', 128, errors);
      if (errors.length) throw badRequest(errors);
      const item = await recommender().acknowledge(req.tenant, id!, by ?? 'anonymous');
      if (!item) throw new Errors.NOT_FOUND(`no open recommendation ${id} (unknown, or resolved already)`);
      return viewOf(item);
    },
  );
};
