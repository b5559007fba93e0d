import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../stream/engine.js';

/** GET /healthz: liveness, and enough of the pipeline's state to see it is moving. */
export const healthRoute: FastifyPluginAsync<{ engine: Engine; startedAt: number; detailed: boolean }> = async (app, { engine, startedAt, detailed }) => {
  // With API keys (several tenants) the pipeline's counts are not for everyone: liveness only.
  app.get('/healthz', async () => (!detailed ? { status: 'ok', storage: engine.storage.backend, uptimeSec: Math.round((Date.now() - startedAt) / 1000) } : {
    status: 'ok',
    storage: engine.storage.backend,
    position: engine.processor.position,
    uptimeSec: Math.round((Date.now() - startedAt) / 1000),
    openAppeals: engine.processor.openAppeals,
    processed: engine.processor.stats.processed,
    deadLettered: engine.processor.stats.deadLettered,
    late: engine.processor.stats.late,
    lateWaiting: engine.processor.lateWaiting,
    clampedFuture: engine.processor.stats.clampedFuture,
    lastCheckpointMs: Math.round(engine.checkpointer.lastCommitMs * 10) / 10,
  }));
};
