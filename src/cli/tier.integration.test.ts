import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/cli.js';
import { ServerProcess } from '../testing/server-process.js';

/** ccpulse with these arguments: exit code, stdout, stderr. */
const ccpulse = (args: string[]) => runCli(args, { timeoutMs: 60_000 });

const dir = mkdtempSync(join(tmpdir(), 'ccpulse-tier-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ccpulse tier', () => {
  it('advises from the figures given, with the seed\'s reasoning', async () => {
    const r = await ccpulse(['tier', '--operators', '150', '--backend', 'pglite']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').slice(0, 5)).toEqual([
      'tier 2: TimescaleDB',
      '  - 150 operators working at once: tier 2 (61–240)',
      '  - 25 events a second at the busiest minute: tier 2 (10–40 a second; an operator makes at most ~10 events a minute)',
      '  - 15,120,000 events a week at this rate: tier 2 (6,048,000–24,192,000)',
      'This center has outgrown the embedded store (PGlite) (made for tier 1): it measures tier 2, TimescaleDB.',
    ]);
    const json = JSON.parse((await ccpulse(['tier', '--operators', '12', '--events-per-sec', '2', '--json'])).stdout);
    expect(json).toMatchObject({ tier: 1, database: 'PostgreSQL', current: { backend: 'postgres', outgrown: false } });
  });

  it('asks a running server what it measured', async () => {
    const s = await ServerProcess.start({ dataDir: join(dir, 'data') });
    try {
      const r = await ccpulse(['tier', '--url', s.url]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^tier 1: PostgreSQL\n {2}- 0 operators working at once: tier 1/);
      expect(r.stdout).toMatch(/measured over the last \d+ minutes? the server has run, up to a day/);
      expect(r.stdout).toMatch(/the embedded store \(PGlite\) \(tier 1\) is right for it|pglite \(tier 1\) is right for it/);
    } finally {
      await s.stop();
    }
  }, 60_000);

  it.each([
    [['tier', '--events-per-sec', '3'], /--events-per-sec goes with --operators/],
    [['tier', '--operators', 'many'], /--operators must be a number ≥ 0, got "many"/],
    [['tier', '--operators', '10', '--backend', 'oracle'], /--backend must be one of pglite, postgres, timescaledb, clickhouse, got "oracle"/],
    [['tier', '--operators', '10', '--url', 'http://127.0.0.1:1'], /either the figures \(--operators …\) or a server \(--url\), not both/],
  ])('%j is a usage error', async (args, message) => {
    const r = await ccpulse(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
