/**
 * A day's archive file: gzip-compressed NDJSON, one canonical line per event in seq order
 * (storage/archive-format.ts), named after the day (UTC) and its part. Written under a temporary name,
 * fsynced, renamed into place and the directory fsynced: after a crash the file is either whole under
 * its name or not there (a stale temporary file is removed by the next run). Read back line by line
 * through a stream, so a day of any size takes little memory.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { canonicalLine, DayDigest, parseLine, type DayDigestResult } from '../storage/archive-format.js';
import type { RawLogEvent } from '../storage/storage.js';
import type { ArchiveTarget } from './target.js';

/** `events-2026-11-20.ndjson.gz`, and `events-2026-11-20.part2.ndjson.gz` for a day's later parts. */
export function dayFileName(day: number, part: number): string {
  return `events-${new Date(day).toISOString().slice(0, 10)}${part > 1 ? `.part${part}` : ''}.ndjson.gz`;
}

const TMP_PREFIX = '.writing-';

/** The archive file could not be written or does not read back as written: nothing left the hot store. */
export class ArchiveFileError extends Error {
  override name = 'ArchiveFileError';
}

/**
 * Writes the events `pages` yields (in seq order) to `dir/name`, durably (see above), and returns the
 * digest of what was written.
 */
export async function writeDayFile(dir: string, name: string, pages: AsyncIterable<RawLogEvent[]>): Promise<DayDigestResult> {
  const digest = new DayDigest();
  const tmp = join(dir, `${TMP_PREFIX}${name}`);
  async function* text(): AsyncGenerator<string> {
    for await (const page of pages) {
      if (page.length === 0) continue;
      const lines = page.map((e) => {
        const line = canonicalLine(e);
        digest.add(e, line);
        return line;
      });
      yield `${lines.join('\n')}\n`;
    }
  }
  // compression runs on libuv's thread pool; each page is one await, so the event loop keeps turning
  await pipeline(Readable.from(text()), createGzip(), createWriteStream(tmp));
  await fsync(tmp, 'r+');
  await rename(tmp, join(dir, name));
  await fsync(dir, 'r');
  return digest.result();
}

/** The digest of a file as it reads back; ArchiveFileError when it cannot be read whole (truncated, corrupt, out of order). */
export async function readDayFileDigest(path: string): Promise<DayDigestResult> {
  const digest = new DayDigest();
  const source = gunzipped(path);
  const failed = new Promise<never>((_, reject) => source.on('error', reject));
  try {
    const lines = createInterface({ input: source, crlfDelay: Infinity });
    await Promise.race([
      (async () => {
        for await (const line of lines) digest.add(parseLine(line), line);
      })(),
      failed,
    ]);
  } catch (err) {
    throw new ArchiveFileError(`${path} does not read back whole: ${(err as Error).message}`, { cause: err });
  } finally {
    source.destroy();
  }
  failed.catch(() => {});
  return digest.result();
}

/** Every event of a file, in order (a reader of the archive: tests, a restore). */
export async function* readDayFile(path: string): AsyncGenerator<RawLogEvent> {
  const source = gunzipped(path);
  for await (const line of createInterface({ input: source, crlfDelay: Infinity })) yield parseLine(line);
}

/** Removes what an interrupted write left behind (its temporary files); a whole file under its own name is kept. */
export async function removeStaleWrites(dir: string): Promise<number> {
  const stale = (await readdir(dir)).filter((f) => f.startsWith(TMP_PREFIX));
  for (const f of stale) await rm(join(dir, f), { force: true });
  return stale.length;
}

/** The file's bytes uncompressed; an error reading the file (missing, unreadable) fails the stream too. */
function gunzipped(path: string): Readable {
  const file = createReadStream(path);
  const gunzip = createGunzip();
  file.on('error', (err) => gunzip.destroy(err));
  return file.pipe(gunzip);
}

/** The archive as files in a directory, one a day (part). */
export class FileArchive implements ArchiveTarget {
  constructor(readonly dir: string) {}

  get where(): string {
    return this.dir;
  }

  async prepare(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await removeStaleWrites(this.dir);
  }

  nameOf(day: number, part: number): string {
    return dayFileName(day, part);
  }

  async write(day: number, part: number, pages: AsyncIterable<RawLogEvent[]>) {
    const name = dayFileName(day, part);
    return { name, digest: await writeDayFile(this.dir, name, pages) };
  }

  readBack(name: string): Promise<DayDigestResult> {
    return readDayFileDigest(this.locate(name));
  }

  read(name: string): AsyncGenerator<RawLogEvent> {
    return readDayFile(this.locate(name));
  }

  locate(name: string): string {
    return join(this.dir, name);
  }

  async markRecorded(): Promise<void> {}

  async close(): Promise<void> {}
}

async function fsync(path: string, flags: 'r' | 'r+'): Promise<void> {
  const fh = await open(path, flags);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
