/**
 * The server's archive: one run (archive-run.ts) a while after the start, then every hour, one at a
 * time. It is slow-path work kept off the hot path by its shape rather than a thread of its own: reads
 * of a few thousand events at a time, each an await (on the embedded store they queue on the log's
 * thread behind appends, as verify's reads do), gzip on libuv's pool, hashing a page at a time; the one
 * long step left is the embedded store's removal of a day (one DELETE, then a VACUUM, on the log's
 * thread: docs/STORAGE.md says what it costs).
 */
import type { Logger } from 'pino';
import type { Storage } from '../storage/storage.js';
import { runArchive, type ArchiveRunResult } from './archive-run.js';
import { openArchiveTarget, type ArchiveDestination } from './target.js';

export const ARCHIVE_EVERY_MS = 3_600_000;
/** The first run waits for the start to settle (recovery, the first checkpoints). */
export const ARCHIVE_FIRST_AFTER_MS = 60_000;

export interface ArchiveJobOptions {
  storage: Storage;
  /** A directory, or a ClickHouse database (target.ts). */
  to: ArchiveDestination;
  olderThanMs: number;
  log?: Logger;
  now?: () => number;
}

export class ArchiveJob {
  private running: Promise<ArchiveRunResult | null> | null = null;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private readonly abort = new AbortController();

  constructor(private readonly o: ArchiveJobOptions) {}

  /** Schedules the runs: the first after `firstAfterMs`, then every `everyMs`. */
  start(firstAfterMs = ARCHIVE_FIRST_AFTER_MS, everyMs = ARCHIVE_EVERY_MS): this {
    const tick = () => void this.runNow();
    const first = setTimeout(() => {
      tick();
      const every = setInterval(tick, everyMs);
      every.unref();
      this.timers.push(every);
    }, firstAfterMs);
    first.unref();
    this.timers.push(first);
    return this;
  }

  /** One run now; null when one is already running (it is not started twice) or the job has stopped. */
  runNow(): Promise<ArchiveRunResult | null> {
    if (this.running || this.stopped) return Promise.resolve(null);
    const { storage, to, olderThanMs, log } = this.o;
    const run = (async () => {
      const target = await openArchiveTarget(to);
      try {
        return await runArchive({
      storage,
      target,
      olderThanMs,
      signal: this.abort.signal,
      now: (this.o.now ?? Date.now)(),
      onDay: (d) => {
        const day = new Date(d.day).toISOString().slice(0, 10);
        if (d.status === 'archived') log?.info({ day, events: d.events, file: d.file, sha256: d.sha256 }, 'archived a day of raw events');
        else if (d.status === 'refused' || d.status === 'failed') log?.warn({ day, reason: d.reason }, `archive ${d.status} a day; it stays in the store and is tried again next time`);
      },
        });
      } finally {
        await target.close();
      }
    })().catch((err: Error) => {
      log?.warn({ err: err.message }, 'archive run failed; trying again next time');
      return null;
    });
    this.running = run.finally(() => (this.running = null));
    return this.running;
  }

  /** No more runs; the one in progress, if any, ends after its current day, and is waited for. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    for (const t of this.timers) clearTimeout(t);
    await this.running;
  }
}
