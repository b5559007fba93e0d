/**
 * `ccpulse evaluate`, run as a person runs it: a short closed loop through the real CLI (a scenario file
 * in the simulator's format: one understaffed queue), where following the advice must do better than
 * ignoring it; and bad flags and bad scenario files named.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, STACK_LINE, type CliRun } from '../testing/cli.js';

const TIMEOUT = 180_000;
const dir = mkdtempSync(join(tmpdir(), 'ccpulse-evaluate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MIN = 60_000;
/** One voice queue with a third of the operators it needs: SL collapses unless someone adds operators. */
const SHORT_STAFFED = {
  name: 'short-staffed-voice',
  description: 'one voice queue, 240 calls/h of 3 min, 4 operators',
  durationMs: 45 * MIN,
  streams: [{ queue: 'help', channel: 'voice', perHour: 240, handle: { logn: 180_000, cv: 0.5 }, patience: { exp: 120_000 } }],
  operators: [{ n: 4, skills: ['help/voice'], prefix: 'h' }],
};

function file(name: string, content: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

function expectUsageError(r: CliRun, first: string | RegExp): void {
  const lines = r.stderr.trimEnd().split('\n');
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).not.toMatch(STACK_LINE);
  if (typeof first === 'string') expect(lines[0]).toBe(first);
  else expect(lines[0]).toMatch(first);
}

interface Result {
  policy: string;
  intervals: number;
  intervalsMeetingSlPct: number;
  abandonPct: number;
  meanWaitSec: number;
  operatorHours: number;
  added: number;
  released: number;
}

describe('ccpulse evaluate', () => {
  it(
    'following the advice meets the SL target where ignoring it does not, and says what it cost',
    async () => {
      const r = await runCli(['evaluate', '--scenario-file', file('short.json', SHORT_STAFFED), '--policy', 'ignore,follow', '--json'], { timeoutMs: TIMEOUT });
      expect(r.code, r.stderr).toBe(0);
      const [ignore, follow] = JSON.parse(r.stdout) as Result[];
      expect(ignore).toMatchObject({ policy: 'ignore', added: 0, released: 0, intervals: 3 });
      expect(follow.policy).toBe('follow');
      expect(follow.added).toBeGreaterThan(0);
      expect(ignore.intervalsMeetingSlPct).toBe(0);
      expect(follow.intervalsMeetingSlPct).toBeGreaterThan(ignore.intervalsMeetingSlPct);
      expect(follow.abandonPct).toBeLessThan(ignore.abandonPct / 2);
      expect(follow.meanWaitSec).toBeLessThan(ignore.meanWaitSec / 2);
      expect(follow.operatorHours).toBeGreaterThan(ignore.operatorHours);
    },
    TIMEOUT,
  );

  it(
    'is repeatable: the same scenario and seed give the same figures',
    async () => {
      const args = ['evaluate', '--scenario-file', file('short2.json', { ...SHORT_STAFFED, durationMs: 20 * MIN }), '--policy', 'follow', '--json'];
      const [a, b] = await Promise.all([runCli(args, { timeoutMs: TIMEOUT }), runCli(args, { timeoutMs: TIMEOUT })]);
      expect(a.code, a.stderr).toBe(0);
      expect(JSON.parse(a.stdout)).toEqual(JSON.parse(b.stdout));
    },
    TIMEOUT,
  );

  it.each([
    [[], 'ccpulse evaluate: give one of --scenario NAME or --scenario-file FILE'],
    [['--scenario', 'demo'], /^ccpulse evaluate: --scenario: unknown or not evaluable "demo"/],
    [['--scenario', '__proto__'], /^ccpulse evaluate: --scenario: unknown or not evaluable "__proto__"/],
    [['--scenario', 'understaffed', '--policy', 'follow,maybe'], /^ccpulse evaluate: --policy: unknown "maybe"/],
    [['--scenario', 'understaffed', '--duration', '5m'], /^ccpulse evaluate: --duration must be from 15m to 24h/],
    [['--scenario', 'understaffed', '--seed=-1'], /^ccpulse evaluate: --seed must be a whole number/],
    [['--scenario-file', '/nonexistent/x.json'], /^ccpulse evaluate: --scenario-file: cannot read \/nonexistent\/x.json: no such file/],
  ])('%j is a usage error naming the flag', async (args, first) => {
    expectUsageError(await runCli(['evaluate', ...args], { timeoutMs: TIMEOUT }), first);
  }, TIMEOUT);

  it.each([
    ['not JSON', '{', /is not valid JSON/],
    ['a stream without a queue', { ...SHORT_STAFFED, streams: [{ channel: 'voice', perHour: 10, handle: 60_000 }] }, /\/streams\/0/],
    ['no duration', { ...SHORT_STAFFED, durationMs: undefined }, /\/durationMs/],
    ['a skill of no stream', { ...SHORT_STAFFED, operators: [{ n: 2, skills: ['other/voice'] }] }, /\/operators\/0\/skills\/0: "other\/voice" is not a queue\/channel of streams/],
    ['an unknown field', { ...SHORT_STAFFED, constructor: { prototype: 1 } }, /\/constructor|unknown|additional/i],
  ])('a scenario file with %s is refused, naming where', async (_what, content, message) => {
    expectUsageError(await runCli(['evaluate', '--scenario-file', file(`bad-${Math.random().toString(36).slice(2)}.json`, content)], { timeoutMs: TIMEOUT }), message);
  }, TIMEOUT);
});
