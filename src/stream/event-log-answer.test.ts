import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../config/config.js';
import { openPgliteStorage } from '../storage/pglite/index.js';
import type { Storage } from '../storage/storage.js';
import { Engine } from './engine.js';

/**
 * A request is answered only after its events have left the admission backlog: a client that posts its
 * next batch as soon as the 202 comes finds the room the first one made. (Answered a few microtasks
 * before the bookkeeping, a producer sending 5,000 events at a time was refused its second batch.)
 */
describe('the log answers after its bookkeeping', () => {
  let storage: Storage;
  let engine: Engine;
  beforeAll(async () => {
    storage = await openPgliteStorage({});
    engine = await Engine.start({ storage, config: DEFAULT_CONFIG });
  });
  afterAll(async () => {
    await engine?.stop();
    await storage?.close();
  });

  it('has nothing of an answered request in the backlog, so back-to-back batches over the floor are all admitted', async () => {
    const t0 = Date.now() - 60_000;
    for (let b = 0; b < 4; b++) {
      const events = Array.from({ length: 5_000 }, (_, i) => ({ id: `e${b}-${i}`, type: 'APPEAL_NEW' as const, ts: t0 + b * 5_000 + i, appealId: `a${b}-${i}`, channel: 'voice', queue: 'q' }));
      const outcome = await engine.append('default', events);
      expect(outcome.accepted).toBe(5_000);
      expect(engine.eventLog.admission.backlogEvents).toBe(0);
    }
  });
});
