/**
 * Where archived days go: files in a directory (gzip NDJSON, day-file.ts), or a table in a ClickHouse
 * database (clickhouse-target.ts) when one is configured — an analytic store the old events stay
 * queryable in. The run (archive-run.ts) is the same for both: write a day, read it back and compare
 * its count and checksum with what was written, and only then let the hot store remove and record it
 * under the name the target gave it.
 */
import type { DayDigestResult } from '../storage/archive-format.js';
import type { RawLogEvent } from '../storage/storage.js';

export interface ArchiveTarget {
  /** For people and logs: the directory, or ClickHouse's host:port/database (never a password). */
  readonly where: string;
  /** Ready to write: creates what is missing and clears what an interrupted write left behind. */
  prepare(): Promise<void>;
  /** The name a day's part would be written under (a dry run says it). */
  nameOf(day: number, part: number): string;
  /**
   * Writes a day's part from its pages (seq order) and returns the name it is recorded under and the
   * digest of what was written. Writing a part again replaces (files) or stands beside (ClickHouse, under
   * a new attempt) an earlier attempt no record names.
   */
  write(day: number, part: number, pages: AsyncIterable<RawLogEvent[]>): Promise<{ name: string; digest: DayDigestResult }>;
  /** The digest of what is held under `name`, as it reads back; ArchiveFileError when it cannot be read whole. */
  readBack(name: string): Promise<DayDigestResult>;
  /** Every event held under a recorded name, in seq order (a reader of the archive: tests, a restore). */
  read(name: string): AsyncGenerator<RawLogEvent>;
  /** The hot store recorded these names: a target that keeps its own list of them (ClickHouse) adds them; files need none. */
  markRecorded(names: readonly string[]): Promise<void>;
  /** Where a test may tamper with what was written (a file's path; the name otherwise). */
  locate(name: string): string;
  close(): Promise<void>;
}

/** The archive as configured: a directory, or a ClickHouse URL. */
export type ArchiveDestination = { dir: string } | { clickhouseUrl: string };

export async function openArchiveTarget(to: ArchiveDestination): Promise<ArchiveTarget> {
  if ('dir' in to) {
    const { FileArchive } = await import('./day-file.js');
    return new FileArchive(to.dir);
  }
  const { ClickhouseArchive } = await import('./clickhouse-target.js');
  return new ClickhouseArchive(to.clickhouseUrl);
}
