/**
 * `ccpulse staffing calc`, run as a person runs it (the real CLI entry, from the sources via tsx): the
 * published case, the same JSON as POST /v1/staffing/calc, bad flags named, and the help.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../api/testing/test-app.js';
import { runCli, STACK_LINE, type CliRun } from '../testing/cli.js';

/** Each case starts the CLI through tsx: seconds on a loaded machine. */
const TIMEOUT = 120_000;
const PUBLISHED = ['--model', 'erlang-c', '--calls-per-interval', '100', '--aht-sec', '180', '--agents', '14'];
/** The same queue as the HTTP route takes it (the CLI's defaults spelt out). */
const PUBLISHED_BODY = { model: 'erlang-c', callsPerInterval: 100, intervalSec: 1800, ahtSec: 180, agents: 14, slSec: 20 };

/** A usage error: exit code 2, the message on one line naming what is wrong, the pointer to --help, no stack. */
function expectUsageError(r: CliRun, first: string | RegExp): void {
  const lines = r.stderr.trimEnd().split('\n');
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).not.toMatch(STACK_LINE);
  if (typeof first === 'string') expect(lines[0]).toBe(first);
  else expect(lines[0]).toMatch(first);
  expect(lines[1]).toContain('ccpulse staffing --help');
}

describe('ccpulse staffing calc', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('--json prints the JSON that POST /v1/staffing/calc answers for the same input', async () => {
    for (const [flags, extra] of [
      [[], {}],
      [['--target-sl-pct', '80', '--max-occupancy', '0.85', '--shrinkage', '0.3'], { targetSlPct: 80, maxOccupancy: 0.85, shrinkage: 0.3 }],
    ] as const) {
      const r = await runCli(['staffing', 'calc', ...PUBLISHED, ...flags, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const http = await t.app.inject({ method: 'POST', url: '/v1/staffing/calc', payload: { ...PUBLISHED_BODY, ...extra } });
      expect(http.statusCode, http.body).toBe(200);
      const printed = JSON.parse(r.stdout);
      expect(printed).toEqual(http.json());
      // the same keys in the same order and the same digits: only the indentation differs
      expect(JSON.stringify(printed)).toBe(http.body);
    }
  }, TIMEOUT);

  it('prints the published case for a person: P(wait) 17.4 %, ASA 7.8 s, SL 88.8 %, 14 agents for 80/20', async () => {
    const r = await runCli(['staffing', 'calc', ...PUBLISHED, '--target-sl-pct', '80']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      [
        'Erlang C: 100 contacts per 1800 s, AHT 180 s (10 Erlangs), 14 agents',
        '  P(wait)     17.4 %',
        '  ASA         7.8 s',
        '  SL          88.8 % answered within 20 s',
        '  abandoned   0.0 %',
        '  occupancy   71.4 %',
        '  required    14 for 80 % within 20 s',
        '  scheduled   14 with 0.0 % shrinkage',
        '',
      ].join('\n'),
    );
  }, TIMEOUT);

  it('erlang-a and chat, with patience, concurrency and a slowdown list', async () => {
    const a = await runCli(['staffing', 'calc', ...PUBLISHED.slice(2), '--model', 'erlang-a', '--patience-sec', '120', '--json']);
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout).abandonPct).toBeGreaterThan(0);
    const chat = await runCli(['staffing', 'calc', ...PUBLISHED.slice(2), '--model', 'chat', '--concurrency', '3', '--slowdown', '1,0.9,0.8', '--interval-sec', '900', '--sl-sec', '30']);
    expect(chat.code, chat.stderr).toBe(0);
    expect(chat.stdout).toMatch(/^Chat: 100 contacts per 900 s, AHT 180 s \(20 Erlangs\), 14 operators × 3 chats\n/);
    expect(chat.stdout).toMatch(/answered within 30 s/);
  }, TIMEOUT);

  it('a bad flag value names the flag (exit code 2)', async () => {
    const run = (...flags: string[]) => runCli(['staffing', 'calc', ...PUBLISHED, ...flags]);
    // not a number: refused before any calculation
    expectUsageError(await run('--aht-sec', '12abc'), 'ccpulse staffing: --aht-sec must be a number, got "12abc"');
    expectUsageError(await run('--sl-sec', ''), 'ccpulse staffing: --sl-sec must be a number, got ""');
    expectUsageError(await run('--patience-sec', 'NaN', '--model', 'erlang-a'), 'ccpulse staffing: --patience-sec must be a number, got "NaN"');
    // a number outside the model's domain: the module's words, with the flag instead of the field
    expectUsageError(await run('--aht-sec=-5'), 'ccpulse staffing: --aht-sec: must be greater than 0, got -5');
    expectUsageError(await run('--agents', '14.5'), 'ccpulse staffing: --agents: must be a whole number, got 14.5');
    expectUsageError(await run('--target-sl-pct', '100'), 'ccpulse staffing: --target-sl-pct: must be less than 100, got 100');
    expectUsageError(await run('--model', 'chat', '--concurrency', '2', '--slowdown', '1,-0.5'), 'ccpulse staffing: --slowdown: speed factor 2 must be greater than 0, got -0.5');
    expectUsageError(await run('--model', 'erlang-a'), 'ccpulse staffing: --patience-sec: is required by the erlang-a model');
    expectUsageError(await run('--model', 'erlang-x'), 'ccpulse staffing: --model: must be one of erlang-c, erlang-a, chat, got "erlang-x"');
  }, TIMEOUT);

  it('a missing flag, a missing or unknown sub-command', async () => {
    expectUsageError(await runCli(['staffing', 'calc', '--model', 'erlang-c']), 'ccpulse staffing: --calls-per-interval is required');
    expectUsageError(await runCli(['staffing']), 'ccpulse staffing: say what to do: calc');
    expectUsageError(await runCli(['staffing', 'compute', ...PUBLISHED]), 'ccpulse staffing: unknown sub-command "compute": the sub-commands are calc');
    expectUsageError(await runCli(['staffing', 'calc', 'now', ...PUBLISHED]), 'ccpulse staffing: unexpected argument "now"');
  }, TIMEOUT);

  it('ccpulse staffing --help and ccpulse help staffing print the usage', async () => {
    for (const args of [['staffing', '--help'], ['help', 'staffing'], ['staffing', 'calc', '-h']]) {
      const r = await runCli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/^Usage: ccpulse staffing calc --model MODEL /);
      for (const flag of ['--calls-per-interval', '--interval-sec', '--aht-sec', '--agents', '--sl-sec', '--patience-sec', '--concurrency', '--slowdown', '--target-sl-pct', '--max-occupancy', '--shrinkage', '--json']) {
        expect(r.stdout, flag).toContain(flag);
      }
    }
    const top = await runCli(['--help']);
    expect(top.stdout).toMatch(/^ {2}staffing +staffing calculator/m);
  }, TIMEOUT);
});
