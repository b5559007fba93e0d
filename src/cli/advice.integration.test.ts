import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/cli.js';
import { ServerProcess } from '../testing/server-process.js';

/** ccpulse with these arguments: exit code, stdout, stderr. */
const ccpulse = (args: string[]) => runCli(args, { timeoutMs: 60_000 });

const dir = mkdtempSync(join(tmpdir(), 'ccpulse-advice-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** sales/voice: one operator, busy, and six callers waiting for five minutes (a long-wait alert, and staffing advice). */
function backlog(now: number) {
  const waiting = Array.from({ length: 6 }, (_, i) => [
    { id: `w${i}:new`, type: 'APPEAL_NEW', ts: now - 300_000, appealId: `w${i}`, queue: 'sales', channel: 'voice' },
    { id: `w${i}:sd`, type: 'APPEAL_SENT_DISTRIBUTION', ts: now - 300_000, appealId: `w${i}`, queue: 'sales', channel: 'voice' },
  ]).flat();
  const busy = [
    { id: 'op1:ready', type: 'OPERATOR_STATUS', ts: now - 400_000, operatorId: 'op1', status: 'ready', queue: 'sales', channel: 'voice' },
    { id: 'b:new', type: 'APPEAL_NEW', ts: now - 350_000, appealId: 'b', queue: 'sales', channel: 'voice' },
    { id: 'b:sd', type: 'APPEAL_SENT_DISTRIBUTION', ts: now - 350_000, appealId: 'b', queue: 'sales', channel: 'voice' },
    { id: 'b:ap', type: 'APPEAL_APPOINTED', ts: now - 349_000, appealId: 'b', queue: 'sales', channel: 'voice', operatorId: 'op1' },
    { id: 'op1:busy', type: 'OPERATOR_STATUS', ts: now - 349_000, operatorId: 'op1', status: 'busy', queue: 'sales', channel: 'voice' },
  ];
  return [...busy, ...waiting];
}

describe('ccpulse advice, against a running server', () => {
  let s: ServerProcess;
  beforeAll(async () => {
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ recommend: { lifecycle: { raiseAfterSec: 0, clearAfterSec: 0, minOpenSec: 0 } } }));
    s = await ServerProcess.start({ dataDir: join(dir, 'data'), args: ['--config', config] });
    expect((await s.post('/v1/events', backlog(Date.now()))).status).toBe(202);
    // the recommender has evaluated the board (within a second of a change)
    for (let i = 0; i < 100 && (await s.get('/v1/recommendations')).body.items.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  }, 90_000);
  afterAll(() => s?.stop());

  it('lists the open advice, acknowledges one by its id, and lists the history', async () => {
    let list: Awaited<ReturnType<typeof ccpulse>> = { code: -1, stdout: '', stderr: '', ms: 0 };
    for (let i = 0; i < 50 && !/long-?wait|longest wait/.test(list.stdout); i++) {
      list = await ccpulse(['advice', 'list', '--url', s.url]);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(list.code, list.stderr).toBe(0);
    const line = list.stdout.split('\n').find((l) => l.includes('the longest wait is'))!;
    expect(line).toMatch(/^r\d+\s+(warning|critical)\s+open\s+sales voice: the longest wait is \d+ s \(threshold 120 s\), 6 waiting$/);
    const id = line.split(/\s+/)[0];
    const ack = await ccpulse(['advice', 'ack', id, '--by', 'alice', '--url', s.url]);
    expect(ack.code, ack.stderr).toBe(0);
    expect(ack.stdout).toMatch(new RegExp(`^${id} acknowledged by alice: sales voice: the longest wait`));
    const after = await ccpulse(['advice', 'list', '--json', '--url', s.url]);
    expect(JSON.parse(after.stdout).items).toContainEqual(expect.objectContaining({ id, state: 'acknowledged', acknowledgedBy: 'alice' }));
    const history = await ccpulse(['advice', 'list', '--from', new Date(Date.now() - 3_600_000).toISOString(), '--url', s.url]);
    expect(history.stdout).toContain(id);
    // acknowledging what is not open is the server's 404, said in words
    const again = await ccpulse(['advice', 'ack', 'r999999', '--url', s.url]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/r999999.*\(CCP_NOT_FOUND\)/);
  }, 60_000);

  it('asks what if: the hour ahead with operators added, as text and as JSON', async () => {
    const r = await ccpulse(['advice', 'whatif', '--add', 'sales/voice=3', '--runs', '4', '--url', s.url]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^the hour from .*, 4 simulations/);
    expect(r.stdout, r.stdout).toMatch(/sales voice: 1 → 4 operators; SL in 15 min [\d.]+ % \([\d.]+–[\d.]+\)/);
    const j = JSON.parse((await ccpulse(['advice', 'whatif', '--move', 'sales/voice>sales/voice=1', '--runs', '2', '--json', '--url', s.url])).stdout);
    expect(j).toMatchObject({ runs: 2, horizonMinutes: 60, campaigns: [] });
    // the server names what it refuses
    const nowhere = await ccpulse(['advice', 'whatif', '--add', 'nowhere/voice=1', '--url', s.url]);
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toMatch(/"nowhere" × "voice" is not on the live board/);
  }, 60_000);

  it.each([
    [['advice'], /say what to do: list, ack ID or whatif/],
    [['advice', 'fire'], /unknown action "fire"/],
    [['advice', 'ack'], /ack takes one id \(got 0\)/],
    [['advice', 'list', '--by', 'x'], /--by goes with ack/],
    [['advice', 'list', '--to', '2026-01-01T00:00:00Z'], /--to and --limit go with --from/],
    [['advice', 'whatif', '--add', 'sales/voice'], /--add "sales\/voice": write it as QUEUE\/CHANNEL=N/],
    [['advice', 'whatif', '--add', 'sales=2'], /--add "sales": write the queue × channel as QUEUE\/CHANNEL/],
    [['advice', 'whatif', '--add', 'sales/voice=0'], /--add must be a whole number from 1 to 10000, got "0"/],
    [['advice', 'whatif', '--move', 'sales/voice=2'], /--move "sales\/voice=2": write it as FROM_QUEUE\/CHANNEL>TO_QUEUE\/CHANNEL=N/],
    [['advice', 'whatif', '--pace', 'spring=9'], /--pace: the factor must be a number from 0 to 5/],
    [['advice', 'whatif', '--pace', 'spring=0x1'], /--pace: the factor must be a number from 0 to 5/],
    [['advice', 'ack', '..'], /"\.\." is not a recommendation id/],
    [['advice', 'ack', 'r1/../x'], /is not a recommendation id/],
    [['advice', 'whatif', 'extra'], /whatif takes no arguments \(got "extra"\)/],
  ])('%j is a usage error: %s', async (args, message) => {
    const r = await ccpulse([...args, '--url', s.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
