import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Errors } from '../errors.js';
import type { KeyInfo, KeyRing } from '../keys/key-ring.js';
import { ROLES } from '../keys/roles.js';
import { ErrorSchema, NoQuery } from '../schemas.js';
import { DEFAULT_TENANT } from '../tenant.js';

const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
const KeyInfoSchema = Type.Object({
  id: Type.String(),
  tenant: Type.String(),
  role: RoleSchema,
  name: Type.String(),
  last4: Type.String({ description: 'the last four characters of the key, to tell keys apart (empty for config-file keys)' }),
  createdAt: Type.String({ description: 'ISO 8601; empty for config-file keys' }),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  fromConfig: Type.Boolean(),
});
const CreateBody = Type.Object(
  {
    role: RoleSchema,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

const shown = (k: KeyInfo) => ({
  id: k.id, tenant: k.tenant, role: k.role, name: k.name, last4: k.last4,
  createdAt: k.createdAt ? new Date(k.createdAt).toISOString() : '',
  revokedAt: k.revokedAt === null ? null : new Date(k.revokedAt).toISOString(),
  fromConfig: k.fromConfig === true,
});

/**
 * The operator's tenant: an admin key of the default tenant manages the keys of every tenant (the
 * provider who runs ccpulse for several centers); an admin key of another tenant only its own.
 */
const isOperator = (req: FastifyRequest) => req.tenant === DEFAULT_TENANT;

/** API keys (issue #14): list, create (the secret is in that answer only), revoke; admin only. */
export const keysRoute: FastifyPluginAsync<{ ring: KeyRing }> = async (app, { ring }) => {
  app.get('/v1/keys', { config: { role: 'admin' }, schema: { querystring: NoQuery, response: { 200: Type.Object({ items: Type.Array(KeyInfoSchema) }), '4xx': ErrorSchema } } }, async (req) => ({
    items: ring.list(isOperator(req) ? undefined : req.tenant).map(shown),
  }));

  app.post<{ Body: Static<typeof CreateBody> }>(
    '/v1/keys',
    { config: { role: 'admin' }, schema: { querystring: NoQuery, body: CreateBody, response: { 201: Type.Intersect([KeyInfoSchema, Type.Object({ key: Type.String() })]), '4xx': ErrorSchema } } },
    async (req, reply) => {
      const tenant = req.body.tenant ?? req.tenant;
      if (tenant !== req.tenant && !isOperator(req)) throw new Errors.FORBIDDEN(`a key of tenant ${req.tenant} can make keys of its own tenant only`);
      if (!ring.hasStorage) throw new Errors.CONFLICT('this server has no key store');
      const { key, info } = await ring.create({ tenant, role: req.body.role, name: req.body.name ?? '' });
      req.log.info({ keyId: info.id, tenant, role: info.role }, 'API key created');
      return reply.status(201).send({ ...shown(info), key });
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>('/v1/keys/:id', { config: { role: 'admin' }, schema: { params: IdParams, querystring: NoQuery } }, async (req, reply) => {
    const k = ring.list(isOperator(req) ? undefined : req.tenant).find((x) => x.id === req.params.id);
    if (!k) throw new Errors.NOT_FOUND(`no key ${req.params.id}`);
    if (k.fromConfig) throw new Errors.CONFLICT(`the key ${k.id} is given in the config file (apiKeys): remove it there and restart`);
    if (k.revokedAt !== null) throw new Errors.CONFLICT(`the key ${k.id} is revoked already`);
    await ring.revoke(k.id);
    req.log.info({ keyId: k.id, tenant: k.tenant }, 'API key revoked');
    return reply.status(204).send();
  });
};
