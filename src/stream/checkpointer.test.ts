import { expect, it } from 'vitest';
import type { Storage } from '../storage/storage.js';
import { Checkpointer } from './checkpointer.js';
import { StreamProcessor } from './processor.js';
import { RwLock } from './rw-lock.js';

it('dead letters taken by a checkpoint stay visible to reconciliation until the commit is known to be stored', async () => {
  const p = new StreamProcessor({
    inactivityTimeoutOf: () => 3_600_000,
    slPolicyOf: () => ({ targetSec: 20, shortAbandonSec: 5, abandonsCount: true }),
    knownQueues: ['sales'],
  });
  p.apply([{ tenant: 't', seq: 1, id: 'e1', type: 'APPEAL_NEW', ts: Date.UTC(2026, 0, 1), appealId: 'a', queue: 'ghost', channel: 'voice' }]);
  expect(p.pendingDeadLetterSeqs()).toEqual([1]);

  // a database that fails the first commit, and holds the second until released
  let release!: () => void;
  let calls = 0;
  const storage = {
    commitCheckpoint: async () => {
      if (++calls === 1) throw new Error('connection lost');
      await new Promise<void>((r) => (release = r));
    },
  } as unknown as Storage;
  const cp = new Checkpointer(storage, p, new RwLock(), 1_000);
  await expect(cp.commit()).rejects.toThrow('connection lost');
  expect(p.pendingDeadLetterSeqs()).toEqual([]); // taken from the processor...
  expect(cp.uncommittedDeadLetterSeqs()).toEqual([1]); // ...and in doubt
  const retry = cp.commit();
  await new Promise((r) => setTimeout(r, 10));
  expect(cp.uncommittedDeadLetterSeqs()).toEqual([1]); // in flight
  release();
  await retry;
  expect(cp.uncommittedDeadLetterSeqs()).toEqual([]); // stored
});
