import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, dataDirLockHolder, DataDirInUseError, LOCK_DIR, type DataDirLock } from './data-dir-lock.js';

const root = mkdtempSync(join(tmpdir(), 'ccpulse-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => {
  const d = join(root, `d${n++}`);
  mkdirSync(d);
  return d;
};

const held: DataDirLock[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  held.splice(0).forEach((l) => l.release());
  children.splice(0).forEach((c) => c.kill('SIGKILL'));
});
const acquire = async (dir: string) => {
  const l = await acquireDataDirLock(dir);
  held.push(l);
  return l;
};

const LOCK_MODULE = new URL('./data-dir-lock.ts', import.meta.url).href;

/**
 * A separate process that, on "go" on its stdin, tries to take the lock of `dir`, prints "won" or
 * "lost <message>", then holds on until it is killed (or, with `crash`, kills itself with SIGKILL at
 * once, leaving a stale lock behind).
 */
function contender(dir: string, opts: { crash?: boolean } = {}) {
  const code = `
    const { acquireDataDirLock } = await import(${JSON.stringify(LOCK_MODULE)});
    process.stdout.write('ready\\n');
    process.stdin.once('data', async () => {
      try {
        await acquireDataDirLock(${JSON.stringify(dir)});
        process.stdout.write('won\\n');
        ${opts.crash ? "process.kill(process.pid, 'SIGKILL');" : ''}
      } catch (err) {
        process.stdout.write('lost ' + err.message + '\\n');
      }
    });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const line = (re: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const m = out.split('\n').find((l) => re.test(l));
        if (m !== undefined) return resolve(m);
        if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`contender ended: ${out}`));
        setTimeout(check, 10);
      };
      check();
    });
  return {
    child,
    ready: () => line(/^ready$/),
    go: () => child.stdin!.write('go\n'),
    result: () => line(/^(won|lost)/),
    exited: () => new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r()))),
  };
}

/** Start time of a live process, as the lock records it (Linux). */
const startTicks = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
};
const bootId = () => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
/** Writes a lock generation as another process would have left it. */
const plant = (dir: string, gen: number, holder: Record<string, unknown>) => {
  mkdirSync(join(dir, LOCK_DIR), { recursive: true });
  writeFileSync(join(dir, LOCK_DIR, String(gen)), JSON.stringify({ host: hostname(), since: new Date().toISOString(), nonce: `planted-${gen}`, ...holder }));
};

describe('data directory lock', () => {
  it('is held by one owner at a time: a second taker is refused with the holder’s PID; release frees it', async () => {
    const dir = freshDir();
    const lock = await acquire(dir);
    expect(dataDirLockHolder(dir)).toMatchObject({ pid: process.pid });
    await expect(acquireDataDirLock(dir)).rejects.toThrow(DataDirInUseError);
    await expect(acquireDataDirLock(dir)).rejects.toThrow(`the data directory ${dir} is in use by another ccpulse (PID ${process.pid})`);
    lock.release();
    expect(dataDirLockHolder(dir)).toBeNull();
    await acquire(dir);
    expect(readdirSync(join(dir, LOCK_DIR)).filter((f) => /^\d+$/.test(f))).toEqual(['2']); // older generations removed
  });

  it('is taken over from a process that died holding it (kill -9)', async () => {
    const dir = freshDir();
    const dead = contender(dir, { crash: true });
    await dead.ready();
    dead.go();
    expect(await dead.result()).toBe('won');
    await dead.exited();
    expect(JSON.parse(readFileSync(join(dir, LOCK_DIR, '1'), 'utf8'))).toMatchObject({ pid: dead.child.pid });
    await acquire(dir);
    expect(dataDirLockHolder(dir)).toMatchObject({ pid: process.pid });
  });

  it('refuses while another live process holds it', async () => {
    const dir = freshDir();
    const other = contender(dir);
    await other.ready();
    other.go();
    expect(await other.result()).toBe('won');
    await expect(acquireDataDirLock(dir)).rejects.toThrow(`(PID ${other.child.pid})`);
  });

  describe.runIf(process.platform === 'linux')('liveness of the holder', () => {
    it('a live process with the holder’s PID but another start time (the PID was reused) does not hold it', async () => {
      const dir = freshDir();
      plant(dir, 1, { pid: process.ppid, bootId: bootId(), startTicks: startTicks(process.ppid) + 1 });
      await acquire(dir);
      expect(dataDirLockHolder(dir)).toMatchObject({ pid: process.pid });
    });

    it('the same process (PID and start time) does hold it', async () => {
      const dir = freshDir();
      plant(dir, 1, { pid: process.ppid, bootId: bootId(), startTicks: startTicks(process.ppid) });
      await expect(acquireDataDirLock(dir)).rejects.toThrow(`(PID ${process.ppid})`);
    });

    it('a lock from before the last reboot is stale', async () => {
      const dir = freshDir();
      plant(dir, 3, { pid: process.ppid, bootId: 'another-boot', startTicks: startTicks(process.ppid) });
      const lock = await acquire(dir);
      expect(readdirSync(join(dir, LOCK_DIR))).toEqual(['4']);
      expect(lock.holder.pid).toBe(process.pid);
    });
  });

  it('a lock taken on another host counts as held, and the message says where', async () => {
    const dir = freshDir();
    plant(dir, 1, { pid: 4242, host: 'elsewhere.example' });
    await expect(acquireDataDirLock(dir)).rejects.toThrow(/\(PID 4242 on host elsewhere\.example; if it no longer runs there, delete .*ccpulse\.lock\)/);
  });

  it('a damaged lock file (not a lock being written: older than a moment) is taken over', async () => {
    const dir = freshDir();
    mkdirSync(join(dir, LOCK_DIR));
    const file = join(dir, LOCK_DIR, '5');
    writeFileSync(file, '{"pid": 12');
    utimesSync(file, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    await acquire(dir);
    expect(dataDirLockHolder(dir)).toMatchObject({ pid: process.pid });
  });

  // root may write anywhere: only another user can see a lock it may not write
  it.skipIf(process.getuid?.() === 0)('a lock directory that cannot be written is named', async () => {
    const dir = freshDir();
    mkdirSync(join(dir, LOCK_DIR), { mode: 0o500 });
    await expect(acquireDataDirLock(dir)).rejects.toThrow(`cannot write the lock ${join(dir, LOCK_DIR)}: permission denied`);
  });

  it('of processes racing for a stale lock, exactly one wins (three rounds, six racers)', async () => {
    const dir = freshDir();
    const dead = contender(dir, { crash: true });
    await dead.ready();
    dead.go();
    await dead.result();
    await dead.exited();
    for (let round = 0; round < 3; round++) {
      const racers = Array.from({ length: 6 }, () => contender(dir));
      await Promise.all(racers.map((r) => r.ready()));
      racers.forEach((r) => r.go());
      const results = await Promise.all(racers.map((r) => r.result()));
      const winners = racers.filter((_, i) => results[i] === 'won');
      expect(winners, results.join('\n')).toHaveLength(1);
      const winner = winners[0].child.pid;
      for (const r of results.filter((x) => x !== 'won')) expect(r).toContain(`in use by another ccpulse (PID ${winner})`);
      expect(dataDirLockHolder(dir)).toMatchObject({ pid: winner });
      // kill -9 everyone: the lock is stale again for the next round
      racers.forEach((r) => r.child.kill('SIGKILL'));
      await Promise.all(racers.map((r) => r.exited()));
      expect(dataDirLockHolder(dir)).toBeNull();
    }
  }, 120_000);
});
