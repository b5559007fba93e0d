import type { FastifyPluginAsync } from 'fastify';
import type { Prometheus } from '../../observe/prometheus.js';

/**
 * GET /metrics: the Prometheus text format (src/observe/prometheus.ts). Like /healthz it needs no key:
 * it holds no tenant's data (no label names a tenant), only the process's and the pipeline's figures.
 */
export const prometheusRoute: FastifyPluginAsync<{ prometheus: Prometheus }> = async (app, { prometheus }) => {
  app.get('/metrics', async (_req, reply) => {
    const text = await prometheus.registry.metrics();
    return reply.type(prometheus.registry.contentType).send(text);
  });
};
