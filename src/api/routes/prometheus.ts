import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { Prometheus } from '../../observe/prometheus.js';
import { Errors } from '../errors.js';

/**
 * GET /metrics: the Prometheus text format (src/observe/prometheus.ts). No label names a tenant, but the
 * figures are every tenant's together: with API keys configured (several tenants) it asks for its own
 * token (`metricsKey`, Prometheus's `authorization` credentials), never a tenant's key; without keys
 * (one center) it is open, as /healthz is.
 */
export const prometheusRoute: FastifyPluginAsync<{ prometheus: Prometheus; tenants: number; metricsKey: string }> = async (app, { prometheus, tenants, metricsKey }) => {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  const want = metricsKey ? digest(metricsKey) : null;
  app.get('/metrics', async (req, reply) => {
    if (tenants > 0) {
      if (!want) throw new Errors.FORBIDDEN('with API keys configured, /metrics needs its own token: set metricsKey (CCPULSE_METRICS_KEY) and give it to Prometheus as a bearer token');
      const m = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
      // compared as digests, in constant time: the token's length is not told either
      if (!m || !timingSafeEqual(digest(m[1]), want)) throw new Errors.METRICS_TOKEN_REQUIRED();
    }
    const text = await prometheus.registry.metrics();
    return reply.type(prometheus.registry.contentType).send(text);
  });
};
