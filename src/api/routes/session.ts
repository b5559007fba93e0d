import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Errors } from '../errors.js';
import type { KeyRing } from '../keys/key-ring.js';
import { ROLES } from '../keys/roles.js';
import { SESSION_COOKIE, type SessionStore } from '../keys/sessions.js';
import { ErrorSchema, NoQuery } from '../schemas.js';

const SignIn = Type.Object({ key: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false });
const Who = Type.Object({
  tenant: Type.String(),
  role: Type.Union(ROLES.map((r) => Type.Literal(r))),
  name: Type.String(),
  keyId: Type.String(),
  /** No keys on this server (--no-auth): nobody signs in. */
  open: Type.Boolean(),
});

/** The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it), Secure over https. */
function cookie(req: FastifyRequest, value: string, maxAgeSec: number): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSec}${req.protocol === 'https' ? '; Secure' : ''}`;
}

const who = (req: FastifyRequest, open: boolean) => ({ tenant: req.tenant, role: req.role, name: req.keyName, keyId: req.keyId, open });

/**
 * The dashboard's sign-in (issue #14): POST a key, get a session cookie (a random id kept in this
 * process's memory, never the key), which then stands for the key on every /v1 call and the live stream.
 * An ingest key cannot sign in: it sees nothing.
 */
export const sessionRoute: FastifyPluginAsync<{ ring: KeyRing; sessions: SessionStore; open: boolean }> = async (app, { ring, sessions, open }) => {
  app.post<{ Body: Static<typeof SignIn> }>(
    '/v1/session',
    { config: { public: true }, schema: { querystring: NoQuery, body: SignIn, response: { 200: Who, '4xx': ErrorSchema } } },
    async (req, reply: FastifyReply) => {
      if (open) return who(req, true);
      const p = await ring.resolve(req.body.key);
      if (!p) throw new Errors.UNAUTHORIZED();
      if (p.role === 'ingest') throw new Errors.FORBIDDEN('an ingest key only sends events: sign in with a read or admin key');
      const s = sessions.create(p.keyId);
      reply.header('set-cookie', cookie(req, s.id, s.maxAgeSec));
      return { tenant: p.tenant, role: p.role, name: p.name, keyId: p.keyId, open: false };
    },
  );

  app.get('/v1/session', { config: { role: 'read' }, schema: { querystring: NoQuery, response: { 200: Who, '4xx': ErrorSchema } } }, async (req) => who(req, open));

  app.delete('/v1/session', { config: { public: true }, schema: { querystring: NoQuery } }, async (req, reply) => {
    if (req.sessionId) sessions.end(req.sessionId);
    reply.header('set-cookie', cookie(req, '', 0));
    return reply.status(204).send();
  });
};
