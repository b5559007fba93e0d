import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { ServerProcess } from '../testing/server-process.js';
import { ccpulseCommand } from '../testing/ccpulse-command.js';

const run = promisify(execFile);
const ccpulse = (args: string[]) => run(process.execPath, [...ccpulseCommand(), ...args]);

const dir = mkdtempSync(join(tmpdir(), 'ccpulse-dlq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('dead-letters what strict mode cannot process, lists it, and replays it once the cause is fixed', async () => {
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ knownQueues: ['sales'] }));
  const s = await ServerProcess.start({ dataDir: join(dir, 'data'), args: ['--config', config] });
  try {
    const t = Date.UTC(2026, 10, 21, 9, 0, 0);
    const ev = (id: string, queue: string, type = 'APPEAL_NEW', extra = {}) => ({ id, type, ts: t, appealId: `${queue}-1`, channel: 'voice', queue, ...extra });
    const r = await s.post('/v1/events', [ev('ok-1', 'sales'), ev('vip-1', 'vip'), ev('vip-2', 'vip', 'APPEAL_MISSED', { ts: t + 30_000 })]);
    expect(r.body).toEqual({ accepted: 3, duplicates: 0, rejected: [] }); // valid, and kept in the log

    const list = (await s.get('/v1/dlq')).body.items;
    expect(list).toHaveLength(2);
    expect(list[0]).toMatchObject({ eventId: 'vip-1', step: 'known-queue', reason: expect.stringContaining('unknown queue "vip"'), payload: ev('vip-1', 'vip'), replayedAt: null });
    expect((await s.get(`/v1/dlq/${list[1].id}`)).body).toMatchObject({ eventId: 'vip-2' });
    expect((await s.get('/v1/dlq/999999')).status).toBe(404);

    const cliList = await ccpulse(['dlq', 'list', '--url', s.url]);
    expect(cliList.stdout).toMatch(/#\d+ .* pending\s+known-queue\s+vip-1\s+unknown queue "vip"/);

    // fix the cause: the queue becomes known; restart, then replay
    writeFileSync(config, JSON.stringify({ knownQueues: ['sales', 'vip'] }));
    await s.stop();
    await s.restart();
    const replay = await ccpulse(['dlq', 'replay', '--all', '--url', s.url]);
    expect(replay.stdout).toContain('replayed 2: 2 accepted again');
    const vip = (await s.get(`/v1/metrics?from=${t}&to=${t + 3_600_000}&queue=vip&groupBy=queue`)).body.rows;
    expect(vip).toEqual([expect.objectContaining({ queue: 'vip', offered: 1, missed: 1 })]);

    // replaying the same dead letters again changes nothing
    expect((await s.post('/v1/dlq/replay', { ids: list.map((d: { id: number }) => d.id) })).body).toEqual({ replayed: 2, accepted: 0, duplicates: 2 });
    expect((await s.get(`/v1/metrics?from=${t}&to=${t + 3_600_000}&queue=vip&groupBy=queue`)).body.rows[0]).toMatchObject({ offered: 1, missed: 1 });
    expect((await s.get('/v1/dlq')).body.items.every((d: { replayedAt: number | null }) => d.replayedAt !== null)).toBe(true);
  } finally {
    await s.stop();
  }
}, 180_000);
