import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirError, prepareDataDir } from './data-dir.js';

const root = mkdtempSync(join(tmpdir(), 'ccpulse-datadir-'));
afterAll(() => {
  chmodSync(root, 0o700);
  rmSync(root, { recursive: true, force: true });
});

describe('prepareDataDir', () => {
  it('creates the directory and its missing parents, and leaves no probe behind', async () => {
    const dir = join(root, 'a', 'b', 'c');
    await prepareDataDir(dir);
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it.runIf(existsSync('/proc/self'))('fails at once, naming it, for a directory under /proc (where a recursive mkdir never returns)', async () => {
    const t0 = Date.now();
    const err = await prepareDataDir('/proc/ccpulse-test/data').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataDirError);
    expect((err as Error).message).toBe('cannot create the data directory /proc/ccpulse-test/data: /proc does not take new directories');
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('names the file that is in the way', async () => {
    const file = join(root, 'plain-file');
    writeFileSync(file, 'x');
    await expect(prepareDataDir(join(file, 'data'))).rejects.toThrow(`cannot create the data directory ${file}/data: ${file} is a file, not a directory`);
    await expect(prepareDataDir(file)).rejects.toThrow(`the data directory ${file} is a file, not a directory`);
  });

  // root may write anywhere: only another user can see a directory it may not write in
  it.skipIf(process.getuid?.() === 0)('says so when the directory cannot be written', async () => {
    const dir = join(root, 'read-only');
    mkdirSync(dir, { mode: 0o500 });
    await expect(prepareDataDir(dir)).rejects.toThrow(`cannot write in the data directory ${dir}: permission denied`);
    await expect(prepareDataDir(join(dir, 'sub'))).rejects.toThrow(`cannot create the data directory ${dir}/sub: permission denied`);
  });

  it.runIf(process.platform === 'linux')('gives up after the timeout when the file system does not answer', async () => {
    // A FIFO where the probe file goes: opening it for writing blocks until a reader comes, as a hung mount would.
    const dir = join(root, 'hung');
    mkdirSync(dir);
    const probe = join(dir, `.ccpulse-write-probe-${process.pid}`);
    execFileSync('mkfifo', [probe]);
    const t0 = Date.now();
    await expect(prepareDataDir(dir, { timeoutMs: 300 })).rejects.toThrow(`the data directory ${dir} did not answer within 0.3 s`);
    expect(Date.now() - t0).toBeLessThan(2_000);
    closeSync(openSync(probe, constants.O_RDONLY | constants.O_NONBLOCK)); // let the blocked open go
  });
});
