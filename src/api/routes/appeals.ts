import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { BUCKET_MS } from '../../metrics/appeal-story.js';
import { NAME_MAX_LENGTH } from '../../contract/event.js';
import type { Engine } from '../../stream/engine.js';
import { APPEALS_DEFAULTS, OPEN_AT_END, type Outcome } from '../../appeals/appeals-page.js';
import { decodeCursor, type AppealsCursor } from '../../appeals/cursor.js';
import { COUNTED_AS } from '../../appeals/segment-items.js';
import { VerifyFailedError } from '../../verify/verifier.js';
import { badRequest, Errors, type ErrorDetail } from '../errors.js';
import { intParam, nameParam } from '../query.js';
import { ErrorSchema, ArchivedDaysSchema } from '../schemas.js';
import { MAX_NAME } from '../../settings/schema.js';
import { parseTime } from '../history-params.js';

/** A drill-down is into a number of the dashboard: an hour, a shift, a day at most. */
const MAX_RANGE_MS = 86_400_000;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1_000;
const OUTCOMES: readonly Outcome[] = [...COUNTED_AS, OPEN_AT_END];

const Query = Type.Object(
  {
    from: Type.String({ description: 'ISO 8601 with a zone, or epoch ms' }),
    to: Type.String({ description: 'ISO 8601 with a zone, or epoch ms; exclusive; at most a day after from' }),
    queue: Type.Optional(Type.String()),
    channel: Type.Optional(Type.String()),
    operator: Type.Optional(Type.String({ description: "this operator's numbers (as grouped by operator): the appeals they took part in" })),
    team: Type.Optional(Type.String({ description: "a team's numbers (as grouped by team): the appeals its operators took part in" })),
    outcome: Type.Optional(
      Type.String({ description: `the number the appeals are behind: ${OUTCOMES.join(', ')} (${OPEN_AT_END}: open at \`to\`, the "Open at end" of queue × channel rows)` }),
    ),
    minWaitSec: Type.Optional(
      Type.String({ description: "only waits whose histogram bin starts at this many seconds or later (with outcome=queued and the row's longestWaitSec: the longest wait's appeals)" }),
    ),
    limit: Type.Optional(Type.String({ description: `items per page, 1–${MAX_LIMIT}; default ${DEFAULT_LIMIT}` })),
    after: Type.Optional(Type.String({ description: 'the `next` of the previous page' })),
  },
  { additionalProperties: false },
);

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Item = Type.Object({
  appealId: Type.String(),
  segment: Type.Number(),
  queue: Type.String(),
  channel: Type.String(),
  operators: Type.Array(Type.String()),
  state: Type.String(),
  waitSec: Type.Union([Type.Number(), Type.Null()]),
  handleSec: Type.Union([Type.Number(), Type.Null()]),
  sl: Nullable(Type.String()),
  slTargetSec: Type.Number(),
  counts: Type.Array(
    Type.Object({
      as: Type.String(),
      queue: Type.String(),
      channel: Type.String(),
      operator: Type.Optional(Type.String()),
      minute: Type.String(),
      waitSec: Type.Optional(Type.Number({ description: "the lower edge of the wait's histogram bin, for a count that carries a wait" })),
    }),
  ),
  events: Type.Array(Type.Object({ id: Type.String(), type: Type.String(), ts: Type.String(), queue: Type.String(), channel: Type.String(), operatorId: Nullable(Type.String()) })),
});

/**
 * GET /v1/appeals: the appeals behind a number of GET /v1/metrics (drill-down), each segment with its
 * events in order. Read from the log on the verify thread (src/appeals/), a page at a time.
 */
export const appealsRoute: FastifyPluginAsync<{ engine: Engine }> = async (app, { engine }) => {
  app.get<{ Querystring: Static<typeof Query> }>(
    '/v1/appeals',
    {
      config: { role: 'read' }, schema: {
        querystring: Query,
        response: {
          // documentation of the answer: it is serialized on the verify thread (see appeals-page.ts)
          200: Type.Object({
            from: Type.String(),
            to: Type.String(),
            items: Type.Array(Item),
            next: Nullable(Type.String()),
            archived: ArchivedDaysSchema,
          }),
          '4xx': ErrorSchema,
        },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const errors: ErrorDetail[] = [];
      const toRaw = parseTime(q.to, '/to', errors);
      const fromRaw = parseTime(q.from, '/from', errors);
      // whole minutes, widened as /v1/metrics widens them: the same cells, so the same numbers
      const from = Math.floor(fromRaw / BUCKET_MS) * BUCKET_MS;
      const to = Math.ceil(toRaw / BUCKET_MS) * BUCKET_MS;
      if (!errors.length && fromRaw >= toRaw) errors.push({ path: '/from', message: 'must be before to' });
      else if (!errors.length && to - from > MAX_RANGE_MS) errors.push({ path: '/to', message: 'the range may span at most 1 day (24 hours) after from' });
      const queue = nameParam(q.queue, '/queue', NAME_MAX_LENGTH.queue, errors);
      const channel = nameParam(q.channel, '/channel', NAME_MAX_LENGTH.channel, errors);
      const operator = nameParam(q.operator, '/operator', NAME_MAX_LENGTH.operatorId, errors);
      const teamName = nameParam(q.team, '/team', MAX_NAME, errors);
      let team: string[] | undefined;
      if (teamName !== undefined) {
        team = engine.settings.rulesOf(req.tenant).teams.filter(([, t]) => t === teamName).map(([op]) => op);
        if (operator !== undefined) errors.push({ path: '/team', message: 'give operator or team, not both' });
        else if (!team.length) errors.push({ path: '/team', message: 'no team of that name in the settings' });
      }
      let outcome: Outcome | undefined;
      if (q.outcome !== undefined) {
        outcome = OUTCOMES.find((o) => o === q.outcome);
        if (!outcome) errors.push({ path: '/outcome', message: `must be one of ${OUTCOMES.join(', ')}` });
        else if (outcome === OPEN_AT_END && (operator !== undefined || teamName !== undefined)) {
          errors.push({ path: '/outcome', message: 'open appeals are counted per queue and channel, not per operator or team' });
        }
      }
      const minWaitSec = intParam(q.minWaitSec, '/minWaitSec', { min: 0, max: 86_400 }, errors);
      if (minWaitSec !== undefined && outcome === OPEN_AT_END) errors.push({ path: '/minWaitSec', message: 'applies to waits, not to the appeals open at the end' });
      const limit = intParam(q.limit, '/limit', { min: 1, max: MAX_LIMIT }, errors) ?? DEFAULT_LIMIT;
      let after: AppealsCursor | null = null;
      if (q.after !== undefined) {
        after = decodeCursor(q.after);
        if (!after) errors.push({ path: '/after', message: 'must be the `next` of a previous answer' });
        else if (!errors.length && !(after.window >= from && after.window < to && (after.window - from) % APPEALS_DEFAULTS.scanMs === 0)) {
          errors.push({ path: '/after', message: 'belongs to another range: send the same from and to as the page it came from' });
        }
      }
      if (errors.length) throw badRequest(errors);

      let answer;
      try {
        answer = await engine.appeals({ tenant: req.tenant, from, to, queue, channel, operator, team, outcome, minWaitSec, limit, after });
      } catch (err) {
        if (err instanceof VerifyFailedError) throw new Errors.OVERLOADED(err.message);
        throw err;
      }
      const archived = answer.archived.map((a) => ({ ...a, day: new Date(a.day).toISOString().slice(0, 10) }));
      const head = JSON.stringify({ from: new Date(from).toISOString(), to: new Date(to).toISOString() });
      // the items come serialized from the verify thread: only the frame is written here
      const json = `${head.slice(0, -1)},"items":${answer.page.itemsJson},"next":${JSON.stringify(answer.page.next)},"archived":${JSON.stringify(archived)}}`;
      return reply.type('application/json; charset=utf-8').send(json);
    },
  );
};
