import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { MAX_CONCURRENCY, staffingCalc, StaffingInputError, STAFFING_MODELS, type StaffingModel } from '../../recommend/staffing/index.js';
import { badRequest, type ErrorDetail } from '../errors.js';
import { NoQuery, ErrorSchema } from '../schemas.js';

/**
 * The body is StaffingCalcInput field for field. The schema checks types only; the domains (positive,
 * at most MAX_AGENTS, a target in (0, 100) …) are checked by staffingCalc itself, which names the field,
 * so the API and the CLI refuse the same inputs with the same words.
 */
export const StaffingCalcBody = Type.Object(
  {
    model: Type.Unsafe<StaffingModel>({ enum: [...STAFFING_MODELS], description: STAFFING_MODELS.join(', ') }),
    callsPerInterval: Type.Number({ description: 'contacts offered in one interval, ≥ 0' }),
    intervalSec: Type.Number({ description: 'interval length, seconds (1800 for half-hours)' }),
    ahtSec: Type.Number({ description: 'mean handle time, seconds; for chat, of a chat served alone' }),
    agents: Type.Integer({ description: 'productive agents (operators, for chat) to evaluate, 1 to 10000' }),
    slSec: Type.Number({ description: 'service-level threshold, seconds' }),
    patienceSec: Type.Optional(Type.Number({ description: 'mean patience, seconds: required by erlang-a, optional for chat, ignored by erlang-c' })),
    concurrency: Type.Optional(Type.Integer({ description: 'chats per operator, 1 to 20 (chat only; required there)' })),
    slowdown: Type.Optional(
      Type.Union([Type.Number(), Type.Array(Type.Number(), { maxItems: MAX_CONCURRENCY })], {
        description: 'chat only: one efficiency factor in (0, 1], or one speed factor per concurrency level',
      }),
    ),
    targetSlPct: Type.Optional(Type.Number({ description: 'service-level target, percent in (0, 100): asks for requiredAgents and scheduledAgents' })),
    maxOccupancy: Type.Optional(Type.Number({ description: 'occupancy cap for requiredAgents, in (0, 1]' })),
    shrinkage: Type.Optional(Type.Number({ description: 'shrinkage for scheduledAgents, in [0, 1)' })),
  },
  { additionalProperties: false },
);

export const StaffingCalcResultSchema = Type.Object({
  pWait: Type.Number({ description: 'probability an arriving contact waits, 0–1' }),
  asaSec: Type.Union([Type.Number(), Type.Null()], { description: 'mean wait of answered contacts, seconds; null when the queue is unstable' }),
  slPct: Type.Number({ description: 'percent of offered contacts answered within slSec' }),
  abandonPct: Type.Number({ description: 'percent of offered contacts that abandon (0 for erlang-c)' }),
  occupancy: Type.Number({ description: 'busy agents (chat: busy slots) over those staffed, 0–1' }),
  requiredAgents: Type.Optional(Type.Integer({ description: 'productive agents needed for targetSlPct; only with targetSlPct' })),
  scheduledAgents: Type.Optional(Type.Integer({ description: 'headcount to schedule after shrinkage; only with targetSlPct' })),
});

/** The JSON Pointer of a field staffingCalc names: `ahtSec` → /ahtSec, `slowdown[1]` → /slowdown/1, the whole input → /. */
export function fieldPointer(field: string): string {
  if (field === 'input') return '/';
  return `/${field.replace(/\[(\d+)\]/g, '/$1')}`;
}

/** A StaffingInputError as the detail of a 400: its message without the `field: ` prefix it starts with. */
export function staffingErrorDetail(err: StaffingInputError): ErrorDetail {
  const prefix = `${err.field}: `;
  return { path: fieldPointer(err.field), message: err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message };
}

/**
 * POST /v1/staffing/calc: a queue's service level, waits, abandonment and occupancy at a staffing, and
 * with a targetSlPct the agents it needs. Pure computation (no engine, no storage); behind the same API
 * keys as every /v1 route.
 */
export const staffingRoute: FastifyPluginAsync = async (app) => {
  app.post<{ Body: Static<typeof StaffingCalcBody> }>(
    '/v1/staffing/calc',
    { config: { role: 'read' }, schema: { querystring: NoQuery, body: StaffingCalcBody, response: { 200: StaffingCalcResultSchema, '4xx': ErrorSchema } } },
    async (req) => {
      try {
        return staffingCalc(req.body);
      } catch (err) {
        if (err instanceof StaffingInputError) throw badRequest([staffingErrorDetail(err)]);
        throw err;
      }
    },
  );
};
