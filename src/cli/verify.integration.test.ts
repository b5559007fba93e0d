import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { ServerProcess } from '../testing/server-process.js';
import { ccpulseCommand } from '../testing/ccpulse-command.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'ccpulse-verify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('ccpulse verify: the demo traffic recomputed from raw events equals what the stream produced, while it runs', async () => {
  const s = await ServerProcess.start({ dataDir: join(dir, 'data'), args: ['--demo'] });
  try {
    // the demo starts with 20 minutes of simulated history, then runs in real time
    for (let i = 0; i < 100 && (await s.get('/healthz')).body.position < 2000; i++) await new Promise((r) => setTimeout(r, 300));
    await new Promise((r) => setTimeout(r, 2500)); // a checkpoint or two, and live events in flight
    const now = Date.now();
    const { stdout } = await run(process.execPath, [...ccpulseCommand(), 'verify', '--url', s.url, '--from', String(now - 30 * 60_000), '--to', String(now + 60_000)]);
    const m = /(\d+) cells recomputed from (\d+) events; (\d+) differences/.exec(stdout);
    expect(m, stdout).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(100);
    expect(Number(m![2])).toBeGreaterThan(2000);
    expect(Number(m![3])).toBe(0);
  } finally {
    await s.stop();
  }
}, 180_000);
