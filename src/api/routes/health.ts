import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../stream/engine.js';

/** GET /healthz: liveness, and enough of the pipeline's state to see it is moving. */
export const healthRoute: FastifyPluginAsync<{ engine: Engine; startedAt: number }> = async (app, { engine, startedAt }) => {
  app.get('/healthz', async () => ({
    status: 'ok',
    storage: engine.storage.backend,
    position: engine.processor.position,
    uptimeSec: Math.round((Date.now() - startedAt) / 1000),
    openAppeals: engine.processor.openAppeals,
    processed: engine.processor.stats.processed,
    deadLettered: engine.processor.stats.deadLettered,
    late: engine.processor.stats.late,
    lateWaiting: engine.processor.lateWaiting,
    watermark: engine.processor.maxEventTs ? new Date(engine.processor.watermark).toISOString() : null,
    clampedFuture: engine.stats.clampedFuture,
    lastCheckpointMs: Math.round(engine.checkpointer.lastCommitMs * 10) / 10,
  }));
};
