import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Errors } from './errors.js';
import type { KeyRing, Principal } from './keys/key-ring.js';
import { allows, type KeyRole } from './keys/roles.js';
import { cookieValue, SESSION_COOKIE, type SessionStore } from './keys/sessions.js';

declare module 'fastify' {
  interface FastifyRequest {
    tenant: string;
    /** The public id of the key the request came with (directly or through a session): '' in open mode. */
    keyId: string;
    /** What the key may do: admin in open mode. */
    role: KeyRole;
    /** The key's name, for GET /v1/session. */
    keyName: string;
    /** The dashboard session the request came with, if any. */
    sessionId: string | undefined;
  }
  interface FastifyContextConfig {
    /** The role a /v1 route needs (src/api/keys/roles.ts); a route that declares none needs admin. */
    role?: KeyRole;
    /** Reached without a key (POST /v1/session: the key is in its body). */
    public?: boolean;
  }
}

export const DEFAULT_TENANT = 'default';

const BEARER = /^bearer +(.+?) *$/i;

/** The key a request presents: Authorization: Bearer, else X-Api-Key, else ?apiKey= ; only ever a string. */
function presentedKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  const bearer = typeof auth === 'string' ? BEARER.exec(auth)?.[1] : undefined;
  if (bearer !== undefined) return bearer;
  const header = req.headers['x-api-key'];
  if (header !== undefined) return typeof header === 'string' ? header : undefined;
  const query = req.query as Record<string, unknown> | undefined;
  if (query && Object.hasOwn(query, 'apiKey')) return typeof query.apiKey === 'string' ? query.apiKey : undefined;
  return undefined;
}

export interface AuthSetup {
  ring: KeyRing;
  sessions: SessionStore;
  /** No key asked: every request is the default tenant's admin (the laptop setup, --no-auth). */
  open: boolean;
}

/**
 * Who a request is, set before any preHandler (the rate limiter keys on req.tenant and req.keyId): the
 * tenant comes from the API key, never from the body. A /v1 request presents a key (Authorization:
 * Bearer, X-Api-Key, or ?apiKey= for older clients) or the dashboard's session cookie; no or an unknown
 * key is a 401, a key whose role does not reach the route's a 403 naming the role needed. Routes outside
 * /v1 (the dashboard's files, /healthz, /readyz, /metrics with its own token) take no key. In open mode
 * every request is the default tenant, as admin.
 */
export function installTenantResolution(app: FastifyInstance, auth: AuthSetup): void {
  app.decorateRequest('tenant', DEFAULT_TENANT);
  app.decorateRequest('keyId', '');
  app.decorateRequest('role', 'admin');
  app.decorateRequest('keyName', '');
  app.decorateRequest('sessionId', undefined);
  app.addHook('onRequest', async (req: FastifyRequest) => {
    // the matched route, not the raw URL: /%761/live routes to /v1/live and must not slip past
    const route = req.routeOptions.url ?? '';
    if (!route.startsWith('/v1/')) return;
    const key = presentedKey(req);
    const query = req.query as Record<string, unknown> | undefined;
    if (query && Object.hasOwn(query, 'apiKey')) delete query.apiKey;
    if (auth.open) return;
    const cfg = req.routeOptions.config;
    let who: Principal | null = null;
    if (key !== undefined) who = await auth.ring.resolve(key);
    else {
      const sid = cookieValue(req.headers.cookie, SESSION_COOKIE);
      const keyId = sid === undefined ? null : auth.sessions.keyIdOf(sid);
      who = keyId === null ? null : auth.ring.principalOf(keyId);
      if (who) req.sessionId = sid;
    }
    if (!who) {
      if (cfg.public) return;
      throw new Errors.UNAUTHORIZED();
    }
    req.tenant = who.tenant;
    req.keyId = who.keyId;
    req.role = who.role;
    req.keyName = who.name;
    const need = cfg.role ?? 'admin'; // the safe default: a route that says nothing is admin's
    if (!cfg.public && !allows(who.role, need)) throw new Errors.FORBIDDEN(`this needs a key with the ${need} role (this key's role is ${who.role})`);
  });
}
