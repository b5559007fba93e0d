import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TENANT } from '../api/tenant.js';
import { DEFAULT_CONFIG } from '../config/config.js';
import { openPgliteStorage } from '../storage/pglite/index.js';
import { Engine } from '../stream/engine.js';
import { endEarlierRuns, startDemo } from './demo.js';

const seg = (phase: 'waiting' | 'handling', operatorId?: string) => ({ queue: 'sales', channel: 'voice', phase, startedAt: 0, queuedAt: 0, expiresAt: 9e15, ...(operatorId ? { operatorId } : {}) });

describe('the demo after a restart', () => {
  it("ends an earlier run's open appeals (waiting: missed, in handling: closed by their operator), never its own or one posted by hand", () => {
    const events = endEarlierRuns(
      [
        { appealId: 'demo-abc.k1-a1', open: seg('waiting') },
        { appealId: 'demo-abc.k1-a2', open: seg('handling', 'op007') },
        { appealId: 'x9.k0-a3', open: seg('waiting') }, // a run from before runs were named demo-
        { appealId: 'demo-new.k2-a1', open: seg('waiting') }, // this run's own
        { appealId: 'e2e-probe-1', open: seg('waiting') }, // posted by hand
        { appealId: '__proto__', open: seg('waiting') },
      ],
      'demo-new.k2',
      1_000,
    );
    expect(events).toEqual([
      { id: 'demo-new.k2-end-demo-abc.k1-a1', type: 'APPEAL_MISSED', ts: 1_000, appealId: 'demo-abc.k1-a1', queue: 'sales', channel: 'voice' },
      { id: 'demo-new.k2-end-demo-abc.k1-a2', type: 'APPEAL_CLOSED', ts: 1_000, appealId: 'demo-abc.k1-a2', queue: 'sales', channel: 'voice', operatorId: 'op007' },
      { id: 'demo-new.k2-end-x9.k0-a3', type: 'APPEAL_MISSED', ts: 1_000, appealId: 'x9.k0-a3', queue: 'sales', channel: 'voice' },
    ]);
  });

  it('resumes cleanly: once the next run starts, nothing the earlier one left open is still open', async () => {
    const storage = await openPgliteStorage({});
    const engine = await Engine.start({ storage, config: DEFAULT_CONFIG });
    const log = pino({ level: 'silent' });
    const runOf = (id: string) => /^(demo-[^-]+)-a\d+$/.exec(id)?.[1];
    try {
      const first = startDemo(engine, log);
      // the first run's warm-up (20 simulated minutes) leaves appeals open
      await expect.poll(() => engine.processor.openAppealsOf(DEFAULT_TENANT, Date.now()).length, { timeout: 20_000 }).toBeGreaterThan(0);
      first.stop();
      await new Promise((r) => setTimeout(r, 300));
      const earlier = new Set(engine.processor.openAppealsOf(DEFAULT_TENANT, Date.now()).map((a) => runOf(a.appealId)));
      expect(earlier.size).toBe(1);
      const second = startDemo(engine, log);
      try {
        await expect
          .poll(() => engine.processor.openAppealsOf(DEFAULT_TENANT, Date.now()).filter((a) => earlier.has(runOf(a.appealId))).length, { timeout: 20_000 })
          .toBe(0);
      } finally {
        second.stop();
      }
    } finally {
      await engine.stop();
      await storage.close();
    }
  }, 60_000);
});
