import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../stream/engine.js';
import type { Storage } from '../../storage/storage.js';
import { EventLoopMonitor } from '../../observe/event-loop.js';

/**
 * GET /healthz: liveness, and enough of the pipeline's state to see it is moving. Answered from memory
 * only: nothing here awaits storage or the ingest path, so it is as quick as the event loop.
 */
export const healthRoute: FastifyPluginAsync<{ engine: Engine; startedAt: number; detailed: boolean }> = async (app, { engine, startedAt, detailed }) => {
  const loop = new EventLoopMonitor();
  app.addHook('onClose', async () => loop.stop());
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
    // What a crash now would replay (log position − the last stored checkpoint's), and how the last start went.
    checkpointLag: engine.processor.position - engine.checkpointer.committedPosition,
    recovery: { replayed: engine.replayed, ...engine.recovery },
    // Admission: the backlog of admitted events, the measured drain rate, and refusals (503) so far.
    ingest: engine.eventLog.admission.snapshot(),
    eventLoopDelayMs: loop.snapshot(),
    // The recommender's evaluations so far and what they cost the main thread.
    ...(engine.recommender ? { recommender: engine.recommender.cost() } : {}),
    memoryMb: memoryMb(engine.storage),
  }));
};

function memoryMb(storage: Storage) {
  const m = process.memoryUsage();
  const mb = (b: number) => Math.round(b / 1048576);
  // heap* and external are this (the main) thread's; external includes PGlite's WebAssembly memory when
  // it runs on this thread. The embedded databases' own threads report theirs under `threads`.
  const threads = storage.threadMemory?.();
  return { rss: mb(m.rss), heapUsed: mb(m.heapUsed), heapTotal: mb(m.heapTotal), external: mb(m.external), ...(threads ? { threads } : {}) };
}
