import { mkdir, open, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/** A data directory that cannot be used: its message names the directory and what is wrong with it. */
export class DataDirError extends Error {
  override name = 'DataDirError';
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is a file, not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'name too long',
};

/** A file-system error as a few words (its code decides), never a stack. */
export function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  return (code && REASONS[code]) ?? (err as Error)?.message ?? String(err);
}

/**
 * Makes sure `dir` can hold the data: creates it (and its missing parents) and writes, syncs and
 * removes a probe file in it. Runs before the database is opened, so a directory that is not usable
 * fails in milliseconds with its name, not later with a stack. Gives up after `timeoutMs` (a hung
 * network mount). Parents are created one at a time: Node's recursive mkdir never returns for a path
 * under /proc.
 */
export async function prepareDataDir(dir: string, opts: { timeoutMs?: number } = {}): Promise<void> {
  const abs = resolve(dir);
  const timeoutMs = opts.timeoutMs ?? 5_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DataDirError(`the data directory ${abs} did not answer within ${timeoutMs / 1000} s (a hung network mount?)`)), timeoutMs);
  });
  try {
    await Promise.race([check(abs), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function check(abs: string): Promise<void> {
  // Walk up to the nearest existing ancestor, then create the missing ones top down.
  const missing: string[] = [];
  for (let p = abs; ; p = dirname(p)) {
    try {
      const st = await stat(p);
      if (!st.isDirectory()) {
        throw new DataDirError(p === abs ? `the data directory ${abs} is a file, not a directory` : `cannot create the data directory ${abs}: ${p} is a file, not a directory`);
      }
      break;
    } catch (err) {
      if (err instanceof DataDirError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: an ancestor is a file; walking on up finds it and names it
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dirname(p) === p) throw new DataDirError(`cannot use the data directory ${abs}: ${fsReason(err)} (${p})`);
      missing.unshift(p);
    }
  }
  for (const p of missing) {
    try {
      await mkdir(p);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      // ENOENT although the parent exists: a file system that takes no new directories (/proc, /sys)
      const why = code === 'ENOENT' ? `${dirname(p)} does not take new directories` : `${fsReason(err)}${p === abs ? '' : ` (at ${p})`}`;
      throw new DataDirError(`cannot create the data directory ${abs}: ${why}`);
    }
  }
  const probe = join(abs, `.ccpulse-write-probe-${process.pid}`);
  try {
    const fh = await open(probe, 'w');
    try {
      await fh.writeFile('ccpulse checks that it can write here\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await unlink(probe);
  } catch (err) {
    await unlink(probe).catch(() => {});
    throw new DataDirError(`cannot write in the data directory ${abs}: ${fsReason(err)}`);
  }
}
