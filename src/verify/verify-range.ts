import type { LoggedEvent } from '../contract/event.js';
import { diffCells, type CellDifference } from '../metrics/recompute.js';
import type { RollupCell } from '../storage/storage.js';
import { BatchCells } from './batch-cells.js';
import { chunkIndexOf, chunksOf, type Chunk } from './chunks.js';
import { DifferenceList } from './difference-list.js';
import type { VerifyReads } from './log-reads.js';
import { TouchRegistry } from './touch-registry.js';

/** The stream's side of one chunk, as of one log position (committed cells plus pending deltas). */
export interface StreamSnapshot {
  position: number;
  cells: RollupCell[];
  /** Positions dead-lettered but not yet in storage, as of `position`. */
  deadSeqs: number[];
}

export interface VerifyRangeOptions {
  tenant: string;
  /** [from, to) on minute edges. */
  from: number;
  to: number;
  /** Inactivity timeout (ms) per channel: the explicit ones, and the default for every other channel. */
  timeouts: { channels: Map<string, number>; defaultMs: number };
  /** Event time verified per step (memory holds one chunk's cells). */
  chunkMs: number;
  /** Rows per read (tests set it to 2 so that every read spans pages). */
  pageSize: number;
  /** Appeals whose stories are read together. */
  appealBatch: number;
  /**
   * Event time whose appeal ids one read scans (default 5 min): each read holds the log's thread, and so
   * the appends behind it, for as long as it runs, so it is kept short whatever the chunk.
   */
  scanMs?: number;
  maxDifferences: number;
  /**
   * Event time whose raw events are archived (src/archive/): no longer in the log, so nothing to
   * recompute from. Chunks wholly inside are skipped, and cells inside are left out of the comparison
   * (the rollups are kept: the stream's side is still there, the batch side is not).
   */
  archived?: ReadonlyArray<{ from: number; to: number }>;
}

export interface VerifyRangeDeps {
  reads: VerifyReads;
  /** The stream side of [from, to), taken atomically with its log position. */
  snapshot(from: number, to: number): Promise<StreamSnapshot>;
}

export interface VerifyRangeResult {
  /** Log position of the first chunk's comparison (each chunk is compared at the position of its own snapshot). */
  position: number;
  /** Log position of the last chunk's comparison. */
  lastPosition: number;
  events: number;
  cells: number;
  appealsTold: number;
  differences: CellDifference[];
  totalDifferences: number;
  truncated: boolean;
}

/**
 * The independent check, in bounded memory: recompute every cell of [from, to) from the raw events by
 * whole appeal stories (tellAppealStory, nothing of the stream's state) and compare with the stream.
 *
 * Which appeals can put anything into a cell of chunk [a, b)? A contribution sits at one of the appeal's
 * event times or at an inactivity expiry (last event of a segment + its channel's timeout). So:
 *  - appeals with an event in [a, b): the chunk's scan;
 *  - appeals whose expiry lands in [a, b) from a last event before a: if that event is before `from`,
 *    it is the appeal's latest event before `from`, not a close or miss, and within its channel's
 *    timeout of `from` (the lookback, per channel, done once); otherwise the appeal was told in an
 *    earlier chunk, which registered it with this one (TouchRegistry);
 *  - appeals with events logged while verify ran (between the previous chunk's position and this
 *    one's) at a time before b: their stories may have changed where nothing else would look.
 * Each is told whole (read by appeal id, however far before or after the range its events are), as of
 * the chunk's log position, with the events dead-lettered by then left out, exactly as the stream left
 * them out; its contributions inside the chunk are summed and compared with the stream's cells.
 */
export async function verifyRange(deps: VerifyRangeDeps, o: VerifyRangeOptions): Promise<VerifyRangeResult> {
  const timeoutOf = (channel: string) => o.timeouts.channels.get(channel) ?? o.timeouts.defaultMs;
  const chunks = chunksOf(o.from, o.to, o.chunkMs);
  const touches = new TouchRegistry();
  const differences = new DifferenceList(o.maxDifferences);
  let firstPosition: number | null = null;
  let previous: number | null = null;
  let events = 0;
  let cells = 0;
  let appealsTold = 0;

  const archived = o.archived ?? [];
  const inArchive = (bucket: number) => archived.some((r) => bucket >= r.from && bucket < r.to);
  for (const chunk of chunks) {
    if (archived.some((r) => chunk.from >= r.from && chunk.to <= r.to)) {
      touches.take(chunk.index);
      continue;
    }
    const snap = await deps.snapshot(chunk.from, chunk.to);
    const p = snap.position;
    if (firstPosition === null) {
      firstPosition = p;
      await deps.reads.refreshEventStatistics(p);
    }
    const candidates = touches.take(chunk.index);
    if (previous !== null && p > previous) {
      for await (const e of pages((after: number) => deps.reads.newEventsPage({ tenant: o.tenant, afterSeq: after, maxSeq: p, before: chunk.to, limit: o.pageSize }), (e) => e.seq, previous, o.pageSize)) {
        candidates.add(e.appealId);
      }
    }
    const scanMs = o.scanMs ?? 5 * 60_000;
    for (let from = chunk.from; from < chunk.to; from += scanMs) {
      const window = { from, to: Math.min(from + scanMs, chunk.to) };
      const read = (after: string | null) => deps.reads.appealIdsInRange({ tenant: o.tenant, ...window, maxSeq: p, after, limit: o.pageSize });
      for await (const id of pages(read, (id) => id, null as string | null, o.pageSize)) candidates.add(id);
    }
    if (chunk.index === 0) {
      const q = { tenant: o.tenant, at: o.from, maxSeq: p, pendingDead: snap.deadSeqs, timeouts: o.timeouts, windowMs: o.chunkMs, pageSize: o.pageSize };
      for (const id of await appealsMaybeOpenAt(deps.reads, q)) candidates.add(id);
    }

    const dead = { pending: new Set(snap.deadSeqs), stored: await deps.reads.hasDeadLetters(o.tenant) };
    const batch = new BatchCells(chunk);
    const ids = [...candidates];
    candidates.clear();
    for (let i = 0; i < ids.length; i += o.appealBatch) {
      const group = ids.slice(i, i + o.appealBatch);
      for (const [appealId, story] of await readStories(deps.reads, o, group, p, dead)) {
        appealsTold++;
        for (const bucket of batch.tell(story, timeoutOf)) {
          const later = chunkIndexOf(bucket, o.from, o.to, o.chunkMs);
          if (later > chunk.index) touches.add(later, appealId);
        }
      }
    }
    const recomputed = batch.result().filter((c) => !inArchive(c.bucket));
    events += batch.events;
    cells += recomputed.length;
    differences.add(diffCells(archived.length ? snap.cells.filter((c) => !inArchive(c.bucket)) : snap.cells, recomputed));
    previous = p;
  }

  return {
    position: firstPosition ?? 0,
    lastPosition: previous ?? 0,
    events,
    cells,
    appealsTold,
    differences: differences.items,
    totalDifferences: differences.total,
    truncated: differences.truncated,
  };
}

/** Whole stories of these appeals as of position p, read in pages, dead letters left out (also the drill-down's, src/appeals/). */
export async function readStories(
  reads: VerifyReads,
  o: { tenant: string; pageSize: number },
  appealIds: string[],
  p: number,
  dead: { pending: Set<number>; stored: boolean },
): Promise<Map<string, LoggedEvent[]>> {
  const stories = new Map<string, LoggedEvent[]>(appealIds.map((id) => [id, []]));
  let after = 0;
  for (;;) {
    const page = await reads.appealEventsPage({ tenant: o.tenant, appealIds, maxSeq: p, afterSeq: after, limit: o.pageSize });
    if (page.length === 0) break;
    after = page[page.length - 1].seq;
    const storedDead = dead.stored ? new Set(await reads.deadLetteredAmong({ tenant: o.tenant, seqs: page.map((e) => e.seq) })) : null;
    for (const e of page) {
      if (dead.pending.has(e.seq) || storedDead?.has(e.seq)) continue;
      stories.get(e.appealId!)?.push(e);
    }
    if (page.length < o.pageSize) break;
  }
  return stories;
}

/**
 * Appeals that may be open at `at`: those whose last event before it may expire at or after it (the
 * verify's lookback from `from`; the drill-down's "Open at end"). Only an appeal's latest event before
 * `at` can (an earlier one's expiry is cut by the next event, so falls before `at`), and only if it
 * does not end a segment and lies within its channel's timeout of `at`. So the lookback walks back from
 * `at` in windows of windowMs, per window one row per appeal (its latest event there): the first window
 * an appeal shows up in holds its latest event. A window older than some channels' timeouts reads only
 * the channels that reach it; an appeal whose later events were thus not read is taken as a candidate
 * when it need not be, which costs a story told, never a cell wrong. A dead-lettered event may hide the
 * true latest event, so appeals with a dead letter in the lookback are taken as well.
 */
export async function appealsMaybeOpenAt(
  reads: VerifyReads,
  q: { tenant: string; at: number; maxSeq: number; pendingDead: number[]; timeouts: { channels: ReadonlyMap<string, number>; defaultMs: number }; windowMs: number; pageSize: number },
): Promise<Set<string>> {
  const found = new Set<string>();
  const seen = new Set<string>();
  const timeoutOf = (channel: string) => q.timeouts.channels.get(channel) ?? q.timeouts.defaultMs;
  const longest = Math.max(q.timeouts.defaultMs, ...q.timeouts.channels.values());
  for (let end = q.at; end > q.at - longest; ) {
    // the channels whose timeout reaches back into this window (all, while the default one does);
    // past the default timeout only a few channels are read, so a window may span more time
    const all = q.at - q.timeouts.defaultMs < end;
    const start = Math.max(end - (all ? q.windowMs : 8 * q.windowMs), all ? q.at - q.timeouts.defaultMs : -Infinity, q.at - longest);
    const channels = all ? null : [...q.timeouts.channels].filter(([, ms]) => q.at - ms < end).map(([c]) => c);
    const window = { from: start, to: end };
    end = start;
    const read = (after: string | null) => reads.latestInWindowPage({ tenant: q.tenant, ...window, maxSeq: q.maxSeq, channels, after, limit: q.pageSize });
    for await (const r of pages(read, (r) => r.appealId, null as string | null, q.pageSize)) {
      if (seen.has(r.appealId)) continue;
      seen.add(r.appealId);
      if (r.openChannels?.some((c) => r.ts >= q.at - timeoutOf(c))) found.add(r.appealId);
    }
  }
  const inLookback = (ts: number) => ts >= q.at - longest && ts < q.at;
  for (const e of await reads.eventsAt({ tenant: q.tenant, seqs: q.pendingDead })) if (e.appealId !== null && inLookback(e.ts)) found.add(e.appealId);
  for await (const d of pages((after: number) => reads.deadLettersPage({ tenant: q.tenant, maxSeq: q.maxSeq, afterId: after, limit: q.pageSize }), (d) => d.id, 0, q.pageSize)) {
    if (d.appealId !== null && inLookback(d.ts)) found.add(d.appealId);
  }
  return found;
}

/** Keyset pagination: read(after) with the key of the previous page's last row, until a short page. */
export async function* pages<T, K>(read: (after: K) => Promise<T[]>, keyOf: (row: T) => K, start: K, limit: number): AsyncGenerator<T> {
  for (let after = start; ; ) {
    const rows = await read(after);
    yield* rows;
    if (rows.length < limit) return;
    after = keyOf(rows[rows.length - 1]);
  }
}
