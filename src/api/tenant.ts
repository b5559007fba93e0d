import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Errors } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    tenant: string;
  }
}

export const DEFAULT_TENANT = 'default';

/**
 * The tenant comes from the API key, never from the body. With no keys configured (the embedded,
 * single-center setup) every request belongs to the default tenant. EventSource cannot send headers,
 * so the key may also come as ?apiKey= .
 */
export function installTenantResolution(app: FastifyInstance, apiKeys: Record<string, string>): void {
  const open = Object.keys(apiKeys).length === 0;
  app.decorateRequest('tenant', DEFAULT_TENANT);
  app.addHook('onRequest', async (req: FastifyRequest) => {
    if (open) return;
    // the matched route, not the raw URL: /%761/live routes to /v1/live and must not slip past
    const route = req.routeOptions.url ?? '';
    if (!route.startsWith('/v1/')) return;
    const auth = req.headers.authorization;
    const key =
      (auth?.startsWith('Bearer ') ? auth.slice(7) : undefined) ??
      (req.headers['x-api-key'] as string | undefined) ??
      (req.query as Record<string, string> | undefined)?.apiKey;
    const tenant = key ? apiKeys[key] : undefined;
    if (!tenant) throw new Errors.UNAUTHORIZED();
    req.tenant = tenant;
  });
}
