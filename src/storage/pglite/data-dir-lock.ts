import { linkSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DataDirError, fsReason } from './data-dir.js';

/**
 * One writer per data directory. Two servers on one embedded database would both write it and their
 * logs would diverge, so `ccpulse start` takes this lock before it opens PGlite and releases it on exit.
 *
 * The lock is a directory, `DATA/ccpulse.lock/`, holding numbered generations: `1`, `2`, … The highest
 * one says who holds the directory (PID, host, boot, process start time) or that it was released. It is
 * never deleted, so the numbers only grow. To take the directory, a process reads the highest
 * generation N; if its holder is alive, it refuses; otherwise (released, or its process is gone) it
 * creates N + 1 with an exclusive, atomic create (a hard link of a complete file: no one ever reads a
 * half-written lock). Of two processes racing for the same stale lock, exactly one creates N + 1; the
 * other finds it, sees a live holder and refuses. Older generations are then removed.
 *
 * A holder is alive if a process with its PID exists and started when the holder did (Linux: the start
 * time in /proc/PID/stat), so a PID reused by another process after a `kill -9` does not keep the lock.
 * A lock written on another host cannot be checked from here and counts as held.
 */

export interface LockHolder {
  pid: number;
  host: string;
  /** Linux: /proc/sys/kernel/random/boot_id (a reboot frees every lock). */
  bootId?: string;
  /** Linux: the process start time, in clock ticks since boot (field 22 of /proc/PID/stat). */
  startTicks?: number;
  /** ISO 8601: when the lock was taken (or released). */
  since: string;
  nonce: string;
  released?: boolean;
}

export class DataDirInUseError extends DataDirError {
  override name = 'DataDirInUseError';
  constructor(
    readonly dir: string,
    readonly holder: LockHolder,
  ) {
    const elsewhere = holder.host !== hostname() ? ` on host ${holder.host}; if it no longer runs there, delete ${join(dir, LOCK_DIR)}` : '';
    super(`the data directory ${dir} is in use by another ccpulse (PID ${holder.pid}${elsewhere})`);
  }
}

export interface DataDirLock {
  readonly dir: string;
  readonly holder: LockHolder;
  /** Marks the lock released. Synchronous and idempotent; also runs when the process exits. */
  release(): void;
}

export const LOCK_DIR = 'ccpulse.lock';

/** Takes the lock of `dir` (which must exist) or throws DataDirInUseError naming the live holder. */
export async function acquireDataDirLock(dir: string): Promise<DataDirLock> {
  const abs = resolve(dir);
  const lockDir = join(abs, LOCK_DIR);
  try {
    mkdirSync(lockDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new DataDirError(`cannot create the lock ${lockDir}: ${fsReason(err)}`);
    if (!statSync(lockDir).isDirectory()) throw new DataDirError(`${lockDir} is in the way of ccpulse's lock: it should be a directory; move it away`);
  }
  const me = selfIdentity();
  for (let attempt = 0; attempt < 100; attempt++) {
    const top = topGeneration(lockDir);
    if (top > 0) {
      const holder = readGeneration(lockDir, top);
      if (holder === 'gone') continue;
      if (holder === 'incomplete') {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if (holder !== 'corrupt' && !holder.released && isAlive(holder)) throw new DataDirInUseError(abs, holder);
    }
    const gen = top + 1;
    if (!createExclusive(lockDir, String(gen), JSON.stringify(me))) continue; // someone else took N + 1 first: look again
    if (topGeneration(lockDir) !== gen) {
      // we read a generation that was already superseded (and removed): a newer one decides
      tryUnlink(join(lockDir, String(gen)));
      continue;
    }
    for (const name of safeReaddir(lockDir)) {
      if (/^\d+$/.test(name) && Number(name) < gen) tryUnlink(join(lockDir, name));
      else if (name.startsWith('tmp-') && isOld(join(lockDir, name))) tryUnlink(join(lockDir, name)); // left by a crash
    }
    return holdLock(abs, lockDir, gen, me);
  }
  throw new DataDirError(`could not take the lock ${lockDir}: it kept changing under us`);
}

/** Who holds `dir` now (a live holder), or null. */
export function dataDirLockHolder(dir: string): LockHolder | null {
  const lockDir = join(resolve(dir), LOCK_DIR);
  const top = topGeneration(lockDir);
  if (top === 0) return null;
  const h = readGeneration(lockDir, top);
  return typeof h === 'object' && !h.released && isAlive(h) ? h : null;
}

function holdLock(dir: string, lockDir: string, gen: number, holder: LockHolder): DataDirLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    const file = join(lockDir, String(gen));
    try {
      // Only the holder rewrites its own generation; the swap is atomic, readers see one or the other.
      const mine = readGeneration(lockDir, gen);
      if (typeof mine !== 'object' || mine.nonce !== holder.nonce) return;
      const tmp = join(lockDir, `tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
      writeFileSync(tmp, JSON.stringify({ ...holder, since: new Date().toISOString(), released: true }));
      renameSync(tmp, file);
    } catch {
      // a lock that cannot be marked released is taken over as soon as this process is gone
    }
  };
  process.on('exit', release);
  return { dir, holder, release };
}

function selfIdentity(): LockHolder {
  return {
    pid: process.pid,
    host: hostname(),
    bootId: bootId(),
    startTicks: ownStartTicks(),
    since: new Date().toISOString(),
    nonce: randomBytes(12).toString('hex'),
  };
}

function isAlive(h: LockHolder): boolean {
  if (h.host !== hostname()) return true; // cannot be checked from here
  const boot = bootId();
  if (h.bootId && boot && h.bootId !== boot) return false; // the machine restarted since
  const st = procStat(h.pid);
  if (st === 'absent') return signalable(h.pid) === 'EPERM'; // /proc mounted with hidepid hides other users' processes
  if (st) {
    if (st.state === 'Z' || st.state === 'X') return false; // exited, not yet reaped
    return h.startTicks === undefined || st.startTicks === h.startTicks; // otherwise: the PID was reused
  }
  return signalable(h.pid) !== 'ESRCH';
}

/** Whether a process with this PID exists, as kill(pid, 0) tells: 'yes', 'EPERM' (it does, another user's), 'ESRCH' (none). */
function signalable(pid: number): 'yes' | 'EPERM' | 'ESRCH' {
  if (!Number.isInteger(pid) || pid <= 0) return 'ESRCH';
  try {
    process.kill(pid, 0);
    return 'yes';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? 'EPERM' : 'ESRCH';
  }
}

/** Linux: state and start time of a process; 'absent' if there is none; undefined where /proc cannot tell. */
function procStat(pid: number): { state: string; startTicks: number } | 'absent' | undefined {
  if (process.platform !== 'linux' || !Number.isInteger(pid) || pid <= 0) return undefined;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : undefined;
  }
  // "PID (COMMAND) STATE PPID …": the command may hold spaces and parentheses; fields follow the last ')'
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const startTicks = Number(fields[19]);
  return Number.isFinite(startTicks) ? { state: fields[0], startTicks } : undefined;
}

function ownStartTicks(): number | undefined {
  const st = procStat(process.pid);
  return typeof st === 'object' ? st.startTicks : undefined;
}

function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function topGeneration(lockDir: string): number {
  let top = 0;
  for (const name of safeReaddir(lockDir)) if (/^\d+$/.test(name)) top = Math.max(top, Number(name));
  return top;
}

function readGeneration(lockDir: string, gen: number): LockHolder | 'gone' | 'corrupt' | 'incomplete' {
  const file = join(lockDir, String(gen));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw new DataDirError(`cannot read the lock ${file}: ${fsReason(err)}`);
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    if (Number.isInteger(h?.pid) && typeof h.host === 'string' && typeof h.nonce === 'string') return h;
  } catch {
    /* below */
  }
  // Locks are created whole (see createExclusive), so this is damage, not a lock being written; but
  // where hard links are not supported a fresh lock is written in place: give it a moment.
  try {
    return Date.now() - statSync(file).mtimeMs < 2_000 ? 'incomplete' : 'corrupt';
  } catch {
    return 'gone';
  }
}

/** Creates lockDir/name holding `content`, atomically and only if it does not exist yet. */
function createExclusive(lockDir: string, name: string, content: string): boolean {
  const target = join(lockDir, name);
  const tmp = join(lockDir, `tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    writeFileSync(tmp, content);
  } catch (err) {
    throw new DataDirError(`cannot write the lock ${lockDir}: ${fsReason(err)}`);
  }
  try {
    linkSync(tmp, target);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw new DataDirError(`cannot write the lock ${target}: ${fsReason(err)}`);
  } finally {
    tryUnlink(tmp);
  }
  // no hard links on this file system: an exclusive create, then the content
  try {
    writeFileSync(target, content, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new DataDirError(`cannot write the lock ${target}: ${fsReason(err)}`);
  }
}

function isOld(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs > 60_000;
  } catch {
    return false;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new DataDirError(`cannot read the lock ${dir}: ${fsReason(err)}`);
  }
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}
