import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { SlPolicySchema, ThresholdsSchema } from '../../config/config.js';
import type { SettingsView } from '../../settings/book.js';
import { settingsProblems, TenantSettingsSchema } from '../../settings/schema.js';
import type { Engine } from '../../stream/engine.js';
import { badRequest, Errors } from '../errors.js';
import { ErrorSchema, NoQuery } from '../schemas.js';

/** A settings document is small: a few thousand queues at most. */
const BODY_LIMIT = 1024 * 1024;

const RuleSettingsSchema = Type.Object({
  sl: Type.Object({ default: SlPolicySchema, queues: Type.Record(Type.String(), SlPolicySchema), channels: Type.Record(Type.String(), SlPolicySchema) }),
  slTargetPct: Type.Record(Type.String(), Type.Number()),
  thresholds: Type.Record(Type.String(), Type.Partial(ThresholdsSchema)),
  chatConcurrency: Type.Record(Type.String(), Type.Integer()),
});

const SettingsViewSchema = Type.Object({
  version: Type.Integer({ description: 'give it back with PUT; 0 while nothing was saved' }),
  updatedAt: Type.Union([Type.String(), Type.Null()]),
  settings: TenantSettingsSchema,
  effective: RuleSettingsSchema,
  configured: RuleSettingsSchema,
});

const PutBody = Type.Object(
  {
    version: Type.Integer({ minimum: 0, description: 'the version read with GET: the save is refused (409) if someone saved since' }),
    settings: TenantSettingsSchema,
  },
  { additionalProperties: false },
);

const shown = (v: SettingsView) => ({ ...v, updatedAt: v.updatedAt === null ? null : new Date(v.updatedAt).toISOString() });

/**
 * A tenant's settings (src/settings): per-queue SL targets and thresholds, short abandons, alert
 * thresholds, chat concurrency. GET shows what was saved, what the config file says and what is in effect;
 * PUT saves a whole new document at the version read, in effect at once (no restart).
 */
export const settingsRoute: FastifyPluginAsync<{ engine: Engine }> = async (app, { engine }) => {
  app.get('/v1/settings', { config: { role: 'read' }, schema: { querystring: NoQuery, response: { 200: SettingsViewSchema, '4xx': ErrorSchema } } }, async (req) => shown(engine.settings.view(req.tenant)));

  app.put<{ Body: Static<typeof PutBody> }>(
    '/v1/settings',
    { bodyLimit: BODY_LIMIT, schema: { querystring: NoQuery, body: PutBody, response: { 200: SettingsViewSchema, '4xx': ErrorSchema } } },
    async (req) => {
      const problems = settingsProblems(req.body.settings);
      if (problems.length) throw badRequest(problems);
      const r = await engine.settings.save(req.tenant, req.body.settings, req.body.version, engine.now());
      if (!r.saved) {
        throw new Errors.CONFLICT(`/version: the settings were saved since version ${req.body.version}; they are at version ${r.currentVersion} now: read them again (GET /v1/settings) and redo the change`);
      }
      return shown(r.view);
    },
  );
};
