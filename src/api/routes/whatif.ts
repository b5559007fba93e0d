import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { WhatIfAction } from '../../recommend/whatif/whatif.js';
import type { Engine } from '../../stream/engine.js';
import { badRequest, Errors, type ErrorDetail } from '../errors.js';
import { NoQuery, ErrorSchema } from '../schemas.js';

const Name = Type.String({ minLength: 1, maxLength: 128 });
const Where = Type.Object({ queue: Name, channel: Name }, { additionalProperties: false });
const MAX_N = 10_000;
/**
 * Contacts one request may simulate in all (runs × the hour's arrivals and campaign calls): about a
 * second of the what-if thread. Past it the runs are fewer (the reply says how many ran); a pace that
 * alone would pass it is refused.
 */
const MAX_SIMULATED = 250_000;
const N = Type.Integer({ minimum: 1, maximum: MAX_N, description: 'operators' });
const Body = Type.Object(
  {
    actions: Type.Array(
      Type.Union([
        Type.Object({ action: Type.Union([Type.Literal('add'), Type.Literal('release')]), queue: Name, channel: Name, n: N }, { additionalProperties: false }),
        Type.Object({ action: Type.Literal('move'), from: Where, to: Where, n: N }, { additionalProperties: false }),
        Type.Object(
          { action: Type.Literal('pace'), campaign: Name, factor: Type.Number({ minimum: 0, maximum: 5, description: 'the pace now times this: 0.8 a fifth slower, 1.25 a quarter faster, 0 paused' }) },
          { additionalProperties: false },
        ),
      ]),
      { maxItems: 100, description: 'none: the hour ahead as things stand' },
    ),
    runs: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, description: 'simulations of the hour (default 16): more is a tighter band, and slower; fewer run on a center whose hour holds more than 250,000 / runs contacts (the reply says how many ran)' })),
  },
  { additionalProperties: false },
);

const BandSchema = Type.Object({ p10: Type.Number(), p50: Type.Number(), p90: Type.Number() });
const CampaignReply = Type.Object({
  id: Type.String(),
  queue: Type.String(),
  channel: Type.String(),
  pace: Type.Object({ answeredPerHour: Type.Number(), factor: Type.Number() }),
  answered: BandSchema,
  dropPct: Type.Union([BandSchema, Type.Null()]),
  dropCapPct: Type.Number(),
  steps: Type.Array(Type.Object({ minute: Type.Number(), answered: BandSchema, dropPct: Type.Union([BandSchema, Type.Null()]) })),
  finish: Type.Optional(Type.Object({ remaining: Type.Number(), eta: Type.Union([Type.String(), Type.Null()]), deadline: Type.String(), onTime: Type.Boolean() })),
});
const Reply = Type.Object({
  at: Type.String(),
  horizonMinutes: Type.Number(),
  runs: Type.Number(),
  streams: Type.Array(
    Type.Object({
      queue: Type.String(),
      channel: Type.String(),
      operators: Type.Object({ now: Type.Number(), withActions: Type.Number() }),
      steps: Type.Array(
        Type.Object({
          minute: Type.Number(),
          slPct: Type.Union([BandSchema, Type.Null()]),
          waiting: BandSchema,
          abandonPct: Type.Union([BandSchema, Type.Null()]),
        }),
      ),
    }),
  ),
  campaigns: Type.Array(CampaignReply, { description: 'the outbound campaigns answering calls now' }),
});

/**
 * POST /v1/whatif: what the next hour looks like with these actions (add, release or move operators,
 * change a campaign's pace),
 * simulated from the center as it stands now, several times over: SL, waiting and abandons per queue ×
 * channel in 5-minute steps, each with its 10th–90th percentile band. See src/recommend/whatif.
 */
export const whatIfRoute: FastifyPluginAsync<{ engine: Engine }> = async (app, { engine }) => {
  app.post<{ Body: Static<typeof Body> }>('/v1/whatif', { config: { role: 'read' }, schema: { querystring: NoQuery, body: Body, response: { 200: Reply, '4xx': ErrorSchema } } }, async (req) => {
    if (!engine.recommender) throw new Errors.NOT_FOUND('what-if needs the recommendations, switched off on this server (recommend.enabled = false)');
    const streams = engine.recommender.whatIfStreams(req.tenant);
    const known = new Set(streams.map((s) => `${s.queue}\u0001${s.channel}`));
    const running = new Map(engine.recommender.whatIfCampaigns(req.tenant).map((c) => [c.id, c]));
    const errors: ErrorDetail[] = [];
    const check = (q: string, c: string, path: string) => {
      if (!known.has(`${q}\u0001${c}`)) errors.push({ path, message: `"${q}" × "${c}" is not on the live board (a queue × channel with traffic)` });
    };
    req.body.actions.forEach((a, i) => {
      if (a.action === 'pace') {
        const c = running.get(a.campaign);
        if (!c) errors.push({ path: `/actions/${i}/campaign`, message: `campaign "${a.campaign}" answered no call in the last 15 minutes: there is no pace to change` });
        else if (c.answeredPerHour * a.factor > MAX_SIMULATED)
          errors.push({ path: `/actions/${i}/factor`, message: `${a.factor} × its pace (${Math.round(c.answeredPerHour)} answered an hour) is more calls than a what-if simulates (${MAX_SIMULATED.toLocaleString('en')} an hour)` });
      } else if (a.action === 'move') {
        check(a.from.queue, a.from.channel, `/actions/${i}/from`);
        check(a.to.queue, a.to.channel, `/actions/${i}/to`);
      } else check(a.queue, a.channel, `/actions/${i}/queue`);
    });
    // each operator is simulated in every run: 100 actions of 10,000 would be a million of them (the
    // thread runs out of memory, or holds both slots for minutes)
    const added = req.body.actions.reduce((sum, a) => sum + (a.action === 'add' ? a.n : 0), 0);
    if (added > MAX_N) errors.push({ path: '/actions', message: `may add at most ${MAX_N} operators in all (these add ${added})` });
    if (errors.length) throw badRequest(errors);
    const paces = new Map<string, number>();
    for (const a of req.body.actions) if (a.action === 'pace') paces.set(a.campaign, a.factor);
    let perRun = 0;
    for (const s of streams) perRun += Math.max(0, ...s.perHourBySlot) + s.waiting;
    for (const c of running.values()) perRun += c.answeredPerHour * (paces.get(c.id) ?? 1);
    const runs = Math.max(1, Math.min(req.body.runs ?? 16, Math.floor(MAX_SIMULATED / Math.max(1, perRun))));
    const at = engine.now();
    const result = await engine.whatIf(req.tenant, req.body.actions as WhatIfAction[], runs);
    const iso = (t: number) => new Date(t).toISOString();
    return {
      at: iso(at),
      ...result,
      campaigns: result.campaigns.map((c) => ({ ...c, ...(c.finish ? { finish: { ...c.finish, eta: c.finish.eta === null ? null : iso(c.finish.eta), deadline: iso(c.finish.deadline) } } : {}) })),
    };
  });
};
