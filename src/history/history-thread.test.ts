import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../config/config.js';
import { openPgliteStorage } from '../storage/pglite/index.js';
import type { Storage } from '../storage/storage.js';
import { HistoryThread } from './history-thread.js';

/**
 * Closing the history thread fails the questions in flight. The engine holds its read lock across a
 * history question, and the last checkpoint at stop needs the write lock: a question left hanging by
 * the closed thread hung the server's shutdown (found by the SIGTERM test once the recommender started
 * asking history questions of its own).
 */
describe('HistoryThread.close', () => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await openPgliteStorage({ thread: true });
  });
  afterAll(() => storage?.close());

  it('fails the questions in flight instead of leaving them unanswered', async () => {
    const thread = new HistoryThread(() => storage.historyAccess!());
    const t0 = Date.UTC(2026, 10, 30);
    const sl = DEFAULT_CONFIG.sl.default;
    const question = thread.answer({
      query: { tenant: 'default', from: t0, to: t0 + 3_600_000, level: 'queue', groupBy: ['queue'], sl: { default: sl, queues: [], channels: [] } },
      pending: [],
      pendingQa: [],
      shape: { from: t0, to: t0 + 3_600_000, groupBy: ['queue'], level: 'queue' },
    });
    const failed = expect(question).rejects.toThrow(/stopped/);
    await thread.close();
    await failed;
  });
});
