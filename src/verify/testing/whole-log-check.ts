import type { CcEvent, LoggedEvent } from '../../contract/event.js';
import { recomputeCells } from '../../metrics/recompute.js';
import type { RollupCell, Storage } from '../../storage/storage.js';
import type { VerifyReads } from '../log-reads.js';
import { verifyRange, type StreamSnapshot, type VerifyRangeResult } from '../verify-range.js';

export const MIN = 60_000;
/** The timeouts the tests use: short, so stories cross chunks and the range in a few hours. */
export const TIMEOUTS = { channels: new Map([['voice', 20 * MIN], ['email', 3 * 60 * MIN]]), defaultMs: 60 * MIN };
export const timeoutOf = (c: string) => TIMEOUTS.channels.get(c) ?? TIMEOUTS.defaultMs;

export type DeadFate = 'no' | 'stored' | 'pending';

export interface WholeLogCase {
  tenant: string;
  /** In log order. */
  events: CcEvent[];
  /** Events from this index on are logged while verify runs, `perSnapshot` before each chunk's snapshot. */
  laterFrom?: number;
  perSnapshot?: number;
  /** Whether the event at this log index is dead-lettered, and if so whether storage has it yet. */
  deadFate?: (index: number) => DeadFate;
  from: number;
  to: number;
  chunkMs: number;
  pageSize: number;
  appealBatch: number;
  scanMs?: number;
  /** Makes the stream side wrong by one offered appeal in the first cell (to show a test can fail). */
  corrupt?: boolean;
}

/**
 * Runs verifyRange on a real database with, as its "stream side", the old whole-log recomputation
 * (recomputeCells over every logged event but the dead-lettered ones, as of each chunk's position):
 * anything verify's batch side misses or counts twice is a difference.
 */
export async function checkAgainstWholeLog(storage: Storage, reads: VerifyReads, c: WholeLogCase): Promise<VerifyRangeResult> {
  const { tenant } = c;
  const laterFrom = c.laterFrom ?? c.events.length;
  const logged: LoggedEvent[] = [];
  const append = async (batch: CcEvent[]) => {
    if (!batch.length) return;
    const seqs = await storage.append(batch.map((event) => ({ tenant, event })));
    batch.forEach((e, i) => logged.push({ ...e, tenant, seq: seqs[i]! }));
  };
  await append(c.events.slice(0, laterFrom));
  let later = c.events.slice(laterFrom);
  const stored = new Set<number>();
  let commitId = 0;
  const fateOf = (i: number) => c.deadFate?.(i) ?? 'no';

  const snapshot = async (from: number, to: number): Promise<StreamSnapshot> => {
    const n = c.perSnapshot ?? 2;
    await append(later.slice(0, n));
    later = later.slice(n);
    const toStore = logged.filter((e, i) => fateOf(i) === 'stored' && !stored.has(e.seq));
    if (toStore.length) {
      await storage.commitCheckpoint({
        name: `verify-${tenant}`, commitId: ++commitId, position: 0, state: '{}', upserts: [], deletes: [], rollupDeltas: [],
        deadLetters: toStore.map(({ tenant: _t, seq, ...e }) => ({ tenant, eventId: e.id, seq, step: 'test', reason: 'test', payload: e })),
      });
      for (const e of toStore) stored.add(e.seq);
    }
    const position = Math.max(0, ...logged.map((e) => e.seq));
    const live = logged.filter((_, i) => fateOf(i) === 'no');
    const cells: RollupCell[] = [...recomputeCells(live, timeoutOf).values()].filter((x) => x.bucket >= from && x.bucket < to);
    if (c.corrupt && cells.length) cells[0] = { ...cells[0], counters: { ...cells[0].counters, offered: cells[0].counters.offered + 1 } };
    return { position, cells, deadSeqs: logged.filter((_, i) => fateOf(i) === 'pending').map((e) => e.seq) };
  };

  return verifyRange(
    { reads, snapshot },
    { tenant, from: c.from, to: c.to, timeouts: TIMEOUTS, chunkMs: c.chunkMs, pageSize: c.pageSize, appealBatch: c.appealBatch, scanMs: c.scanMs, maxDifferences: 1000 },
  );
}
