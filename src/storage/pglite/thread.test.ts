import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CcEvent } from '../../contract/event.js';
import { LOG_UPKEEP_EVERY_MS, type Storage } from '../storage.js';
import { sqlOverPort } from '../sql-port.js';
import { openPgliteStorage } from './index.js';
import { DEFAULT_MEMORY_LIMITS } from './memory-limits.js';

const dir = mkdtempSync(join(tmpdir(), 'ccpulse-thread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2026, 10, 21, 10);
const events = (from: number, n: number, attrs: Record<string, unknown> = {}) =>
  Array.from({ length: n }, (_, i) => ({
    tenant: 't',
    event: { id: `e${from + i}`, type: 'APPEAL_NEW', ts: T0 + from + i, appealId: `a${from + i}`, channel: 'voice', queue: 'q', attrs } as CcEvent,
  }));

describe('the embedded databases on their threads', () => {
  let s: Storage;
  const limits = { ...DEFAULT_MEMORY_LIMITS, workerHeapMb: 48 };
  beforeAll(async () => {
    s = await openPgliteStorage({ dataDir: join(dir, 'db'), thread: true, limits, vacuumEveryMs: 1_000 });
  }, 120_000);
  afterAll(() => s?.close());

  it('report their memory: V8 heap and WebAssembly memory, within the cap', () => {
    const threads = s.threadMemory!();
    expect(threads.map((t) => t.thread)).toEqual(['log', 'store']);
    for (const t of threads) {
      expect(t.heapUsedMb).toBeGreaterThan(0);
      expect(t.wasmMb).toBeGreaterThanOrEqual(128);
      expect(t.wasmMb).toBeLessThanOrEqual(limits.wasmMaxMb);
    }
  });

  it('a result larger than a thread’s heap fails that call with CCP_STORAGE_MEMORY; the database is opened again on a new thread, all its data kept', async () => {
    const big = 'x'.repeat(4000);
    for (let b = 0; b < 10; b++) await s.append(events(b * 1000, 1000, { big }));
    // ~40 MB of rows: more than the log thread's 48 MB heap holds as JavaScript objects
    await expect(s.readLog(0, 10_000)).rejects.toMatchObject({ code: 'CCP_STORAGE_MEMORY', statusCode: 503 });
    const page = await s.readLog(9_990, 100);
    expect(page.map((e) => e.id)).toEqual(Array.from({ length: 10 }, (_, i) => `e${9_990 + i}`));
    // positions go on increasing (PostgreSQL's sequence skips a few after a crash: positions are not dense)
    const [p1, p2] = (await s.append(events(10_000, 2))) as number[];
    expect(p1).toBeGreaterThan(page.at(-1)!.seq);
    expect(p2).toBeGreaterThan(p1);
    expect(await s.append(events(0, 1))).toEqual([null]); // still known: the log survived its thread
  }, 180_000);

  it('the store is vacuumed between calls (PGlite has no autovacuum), and the calls go on', async () => {
    const commit = (commitId: number) =>
      s.commitCheckpoint({ name: 'c', commitId, position: commitId, state: JSON.stringify({ n: commitId }), upserts: [{ key: 'k', value: JSON.stringify('v'.repeat(10_000)) }], deletes: [], rollupDeltas: [], deadLetters: [] });
    const vacuums = () => s.threadMemory!().find((t) => t.thread === 'store')!.vacuums ?? 0;
    const before = vacuums();
    let commitId = 0;
    for (const deadline = Date.now() + 60_000; vacuums() <= before && Date.now() < deadline; ) {
      await commit(++commitId);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(vacuums()).toBeGreaterThan(before);
    await commit(++commitId);
    expect(await s.loadCheckpoint('c')).toMatchObject({ commitId, position: commitId });
  }, 90_000);

  it('the log’s block ranges are summarized as it grows (PGlite has no autovacuum), so reads by seq or ts skip the rest of the log', async () => {
    const summarized = () => s.threadMemory!().find((t) => t.thread === 'log')!.summarizedRanges ?? 0;
    const before = summarized();
    for (let b = 0; b < 8; b++) await s.append(events(100_000 + b * 5_000, 5_000)); // a few ranges of 128 pages
    // until an upkeep round has run after the last append: the count has grown and then held for two rounds
    // (a round that ran while the appends went on left the last ranges for the next one)
    let last = summarized();
    let stableSince = Date.now();
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 200));
      const now = summarized();
      if (now !== last) [last, stableSince] = [now, Date.now()];
      else if (now > before && Date.now() - stableSince > 2.5 * LOG_UPKEEP_EVERY_MS) break;
    }
    expect(summarized()).toBeGreaterThan(before);
    // nothing left for anyone else to summarize
    const log = sqlOverPort((s.sqlAccess!().log as { port: import('node:worker_threads').MessagePort }).port);
    const [{ n }] = await log.query<{ n: number }>(`SELECT (brin_summarize_new_values('events_seq_brin') + brin_summarize_new_values('events_ts_brin'))::int AS n`);
    expect(n).toBe(0);
    // and the planner's statistics were taken as the log grew (ANALYZE sets reltuples; never analyzed, it is -1)
    const [{ reltuples }] = await log.query<{ reltuples: number }>(`SELECT reltuples::float8 AS reltuples FROM pg_class WHERE oid = 'events'::regclass`);
    expect(reltuples).toBeGreaterThan(20_000);
    log.close();
  }, 90_000);
});
