/**
 * One archive run (`ccpulse archive`, and the server's hourly job): every day of the log that ended
 * before the cutoff and that the stream has wholly applied is written to its file, the file read back
 * and checked, and only then removed from the hot store (which checks its own copy against the file's
 * count and checksum, and records the day in the same transaction). Each step can be repeated: a run
 * killed anywhere leaves a day in the log (or held apart, on PostgreSQL: a rerun finishes it), or in a
 * recorded, checked file; a file written but not recorded is written again by the next run.
 *
 * Reading a day never holds the store for long: pages of `span` seqs, each one await (the embedded
 * store's reads queue behind appends on the log's thread, as verify's do), compression on libuv's
 * thread pool, the checksum a page at a time.
 */
import { canonicalLine, DayDigest, sameDigest, type DayDigestResult } from '../storage/archive-format.js';
import { ArchiveMismatchError, DAY_MS, type HeldDay, type Storage } from '../storage/storage.js';
import { CHECKPOINT_NAME } from '../stream/checkpointer.js';
import { ArchiveFileError, FileArchive } from './day-file.js';
import type { ArchiveTarget } from './target.js';

/** Seqs per page read from the store. */
export const ARCHIVE_SPAN = 5_000;

export interface ArchiveRunOptions {
  storage: Storage;
  /** Where the days go (target.ts); or `dir`, an archive directory (created if missing). */
  target?: ArchiveTarget;
  dir?: string;
  /** Days that ended more than this long before `now` go. */
  olderThanMs: number;
  now: number;
  /** Only say what would be archived: nothing is written or removed (days are read, to count and checksum them). */
  dryRun?: boolean;
  span?: number;
  /** Runs between writing a day and reading it back, given where it is (tests: a disk or a table that alters what it was given). */
  afterWrite?: (where: string) => Promise<void>;
  /** Told each day's outcome as soon as it is known. */
  onDay?: (r: DayOutcome) => void;
  /** Aborted: the run ends after the day in progress (a shutdown does not wait for every day). */
  signal?: AbortSignal;
}

export type DayOutcome =
  | { day: number; status: 'archived'; part: number; file: string; events: number; sha256: string }
  | { day: number; status: 'would archive'; part: number; file: string; events: number; sha256: string }
  /** Events of the day not yet applied by the stream (above its checkpoint): it stays, for a later run. */
  | { day: number; status: 'open' }
  /** The file or the store's check failed: nothing of the day left the hot store. */
  | { day: number; status: 'refused' | 'failed'; reason: string };

export interface ArchiveRunResult {
  /** The archive's place (ArchiveTarget.where). */
  where: string;
  cutoff: number;
  /** The checkpoint's log position: events above it are not applied yet. */
  position: number;
  days: DayOutcome[];
}

export async function runArchive(o: ArchiveRunOptions): Promise<ArchiveRunResult> {
  const { storage } = o;
  if (!o.target && o.dir === undefined) throw new Error('runArchive needs a target or a dir');
  const target = o.target ?? new FileArchive(o.dir!);
  const span = o.span ?? ARCHIVE_SPAN;
  const cutoff = o.now - o.olderThanMs;
  // only what the stream has applied and checkpointed may go: recovery replays the log after the checkpoint
  const position = (await storage.loadCheckpoint(CHECKPOINT_NAME))?.position ?? 0;
  if (!o.dryRun) {
    await target.prepare();
    // a run killed between a record and its mark, in an earlier run: the target's list made whole
    await target.markRecorded((await storage.listArchivedDays()).map((a) => a.file));
  }
  // days a killed run left held apart are finished first, whatever the cutoff now says: they are out of the log
  const held = new Map((await storage.listHeldDays()).map((h) => [h.day, h]));
  const days = [...new Set([...held.keys(), ...(await storage.listLogDays(cutoff))])].sort((a, b) => a - b);
  const outcomes: DayOutcome[] = [];
  for (const day of days) {
    if (o.signal?.aborted) break; // what is left goes next time: every day is whole in one place or the other
    const outcome = await archiveOneDay(o, target, day, held.get(day), position, span);
    if (!outcome) continue;
    outcomes.push(outcome);
    o.onDay?.(outcome);
  }
  return { where: target.where, cutoff, position, days: outcomes };
}

async function archiveOneDay(o: ArchiveRunOptions, target: ArchiveTarget, day: number, heldBefore: HeldDay | undefined, position: number, span: number): Promise<DayOutcome | null> {
  const { storage } = o;
  const part = (await storage.listArchivedDays({ from: day, to: day + DAY_MS })).filter((a) => a.day === day).length + 1;
  if (o.dryRun) {
    const file = target.nameOf(day, part);
    const d = heldBefore ?? (await storage.describeLogDay(day, position));
    if (d === null) return null;
    if (d === 'open') return { day, status: 'open' };
    const digest = new DayDigest();
    for await (const page of pagesOf(storage, d, span)) for (const e of page) digest.add(e, canonicalLine(e));
    const { events, sha256 } = digest.result();
    return { day, status: 'would archive', part, file, events, sha256 };
  }
  const held = heldBefore ?? (await storage.holdLogDay(day, position));
  if (held === null) return null;
  if (held === 'open') return { day, status: 'open' };
  let written: DayDigestResult;
  let file = target.nameOf(day, part);
  try {
    ({ name: file, digest: written } = await target.write(day, part, pagesOf(storage, held, span)));
    await o.afterWrite?.(target.locate(file));
    const readBack = await target.readBack(file);
    if (!sameDigest(written, readBack)) {
      throw new ArchiveFileError(`${file} reads back as ${readBack.events} events (sha256 ${readBack.sha256.slice(0, 12)}…), not the ${written.events} written (sha256 ${written.sha256.slice(0, 12)}…)`);
    }
    const record = await storage.removeHeldDay(held, { file, part, digest: readBack });
    // the day is archived whatever happens to this mark: a mark that fails is made by the next run's start
    await target.markRecorded([file]).catch(() => {});
    return { day, status: 'archived', part, file, events: record.events, sha256: record.sha256 };
  } catch (err) {
    if (err instanceof ArchiveMismatchError || err instanceof ArchiveFileError) return { day, status: 'refused', reason: (err as Error).message };
    return { day, status: 'failed', reason: (err as Error).message };
  }
}

/** A held day's events, page by page in seq order (see Storage.readHeldDay). */
async function* pagesOf(storage: Storage, held: HeldDay, span: number) {
  for (let after = held.minSeq - 1; after < held.maxSeq; after += span) yield await storage.readHeldDay(held, after, span);
}
