import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ServerProcess, freePort } from '../testing/server-process.js';
import { runCli, STACK_LINE, type CliRun } from '../testing/cli.js';
import { dataDirLockHolder, LOCK_DIR } from '../storage/pglite/data-dir-lock.js';

const root = mkdtempSync(join(tmpdir(), 'ccpulse-lock-e2e-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * The fastest of three runs of each, taken in turns: start-up under a loaded test machine varies by a
 * second or more, and only ever upwards.
 */
async function fastestOfEach(a: string[], b: string[]) {
  const runs: { a: CliRun; b: CliRun }[] = [];
  for (let i = 0; i < 3; i++) runs.push({ a: await runCli(a), b: await runCli(b) });
  const best = (k: 'a' | 'b') => runs.map((r) => r[k]).reduce((x, y) => (x.ms <= y.ms ? x : y));
  return [best('a'), best('b')];
}

it('one ccpulse per data directory: a second start is refused at once, naming the directory and the holder’s PID; a kill -9 leaves nothing in the way; a clean stop releases it', async () => {
  const dir = join(root, 'data');
  const first = await ServerProcess.start({ dataDir: dir });
  try {
    const [refused, baseline] = await fastestOfEach(['start', '--data', dir, '--port', String(await freePort()), '--log-level', 'warn'], ['--version']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`ccpulse start: the data directory ${dir} is in use by another ccpulse (PID ${first.pid}); stop that one first, or give this one another --data directory\n`);
    expect(refused.stderr).not.toMatch(STACK_LINE);
    // at once: before the database is opened, as fast as printing the version (all but start-up)
    expect(refused.ms - baseline.ms).toBeLessThan(1_000);
    // on the same port as well, the directory is what is reported: it says that a ccpulse runs there
    expect((await runCli(['start', '--data', dir, '--port', String(first.port)])).stderr).toContain(`is in use by another ccpulse (PID ${first.pid})`);
    expect((await first.get('/healthz')).status).toBe(200); // the first one is untouched

    await first.crash(); // kill -9: no shutdown, the lock is left behind
    expect(readdirSync(join(dir, LOCK_DIR))).not.toEqual([]);
    await first.restart();
    expect((await first.get('/healthz')).body.status).toBe('ok');
    expect(dataDirLockHolder(dir)).toMatchObject({ pid: first.pid });

    await first.stop(); // a clean stop marks it released
    expect(dataDirLockHolder(dir)).toBeNull();
    const generations = readdirSync(join(dir, LOCK_DIR)).filter((f) => /^\d+$/.test(f));
    expect(generations).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(dir, LOCK_DIR, generations[0]), 'utf8'))).toMatchObject({ released: true });
  } finally {
    await first.stop();
  }
}, 180_000);

it('two servers racing for a stale lock (left by kill -9): exactly one starts, the other is refused naming it', async () => {
  const dir = join(root, 'race');
  const crashed = await ServerProcess.start({ dataDir: dir });
  await crashed.crash();
  const [a, b] = await Promise.allSettled([ServerProcess.start({ dataDir: dir }), ServerProcess.start({ dataDir: dir })]);
  const up = [a, b].filter((r): r is PromiseFulfilledResult<ServerProcess> => r.status === 'fulfilled').map((r) => r.value);
  const refused = [a, b].filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => String(r.reason));
  try {
    expect(up, refused.join('\n')).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toContain(`ccpulse start: the data directory ${dir} is in use by another ccpulse (PID ${up[0].pid})`);
    expect(refused[0]).not.toMatch(STACK_LINE);
    expect(dataDirLockHolder(dir)).toMatchObject({ pid: up[0].pid });
    expect((await up[0].get('/healthz')).body.status).toBe('ok');
  } finally {
    await Promise.all(up.map((s) => s.stop()));
  }
  expect(existsSync(join(dir, 'pglite'))).toBe(true);
}, 180_000);
