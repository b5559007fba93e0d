import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Errors } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    tenant: string;
    /** A stable, non-secret id of the key presented (a prefix of its digest); '' without keys. What rate limits are keyed on. */
    keyId: string;
  }
}

export const DEFAULT_TENANT = 'default';

/**
 * Keys are compared by their SHA-256, looked up in a Map built once: a key is never used as a property
 * name (`__proto__`, `constructor` or `toString` are not keys unless configured), and how long a lookup
 * takes says nothing about how much of a key was right. The digest is of the UTF-16 code units, so two
 * keys that differ only in an unpaired surrogate stay different.
 */
const digest = (key: string) => createHash('sha256').update(Buffer.from(key, 'utf16le')).digest('base64');

export function keyTable(apiKeys: Record<string, string>): ReadonlyMap<string, string> {
  return new Map(Object.entries(apiKeys).map(([key, tenant]) => [digest(key), tenant]));
}

/** 96 bits of the key's digest, base64url: names a key in limits (and logs) without revealing it. */
const keyIdOf = (hashed: string) => hashed.slice(0, 16).replace(/\+/g, '-').replace(/\//g, '_');

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

/**
 * The tenant comes from the API key, never from the body. With no keys configured (the embedded,
 * single-center setup) every request belongs to the default tenant. EventSource cannot send headers,
 * so the key may also come as ?apiKey= on any /v1 route; it is taken out of the query before the
 * route's own parameters are checked.
 */
export function installTenantResolution(app: FastifyInstance, apiKeys: Record<string, string>): void {
  const tenants = keyTable(apiKeys);
  const open = tenants.size === 0;
  app.decorateRequest('tenant', DEFAULT_TENANT);
  app.decorateRequest('keyId', '');
  app.addHook('onRequest', async (req: FastifyRequest) => {
    // the matched route, not the raw URL: /%761/live routes to /v1/live and must not slip past
    const route = req.routeOptions.url ?? '';
    if (!route.startsWith('/v1/')) return;
    const key = presentedKey(req);
    const query = req.query as Record<string, unknown> | undefined;
    if (query && Object.hasOwn(query, 'apiKey')) delete query.apiKey;
    if (open) return;
    const hashed = key ? digest(key) : undefined;
    const tenant = hashed ? tenants.get(hashed) : undefined;
    if (tenant === undefined) throw new Errors.UNAUTHORIZED();
    req.tenant = tenant;
    req.keyId = keyIdOf(hashed!);
  });
}
