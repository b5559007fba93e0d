import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ServerProcess } from '../testing/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'ccpulse-late-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const t0 = Date.UTC(2026, 10, 20, 8, 0, 0);
const ev = (id: string, type: string, at: number, appealId: string, extra: Record<string, unknown> = {}) => ({
  id, type, ts: t0 + at * 1000, appealId, channel: 'voice', queue: 'support', ...extra,
});
/** Appeal A loses its CLOSED; other appeals carry event time three hours on, so A expires and is retired. */
const appealA = [ev('a-new', 'APPEAL_NEW', 0, 'A'), ev('a-sd', 'APPEAL_SENT_DISTRIBUTION', 2, 'A'), ev('a-app', 'APPEAL_APPOINTED', 10, 'A', { operatorId: 'op1' })];
const lateClose = ev('a-close', 'APPEAL_CLOSED', 70, 'A', { operatorId: 'op1' });
const others = Array.from({ length: 180 }, (_, i) => [
  ev(`o${i}-new`, 'APPEAL_NEW', 60 * i + 5, `O${i}`),
  ev(`o${i}-app`, 'APPEAL_APPOINTED', 60 * i + 20, `O${i}`, { operatorId: 'op2' }),
  ev(`o${i}-close`, 'APPEAL_CLOSED', 60 * i + 50, `O${i}`, { operatorId: 'op2' }),
]).flat();
const RANGE = `from=${t0}&to=${t0 + 4 * 3_600_000}`;

async function waitFor(s: ServerProcess, ok: (h: any) => boolean) {
  for (let i = 0; i < 100; i++) {
    const h = (await s.get('/healthz')).body;
    if (ok(h)) return h;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out');
}

it('an event hours late, for an appeal already retired to the store, is reconciled exactly with its whole story', async () => {
  const late = await ServerProcess.start({ dataDir: join(dir, 'late') });
  const inTime = await ServerProcess.start({ dataDir: join(dir, 'in-time') });
  try {
    expect((await late.post('/v1/events', [...appealA, ...others])).body.accepted).toBe(3 + others.length);
    await new Promise((r) => setTimeout(r, 2500)); // a checkpoint moves the retired appeal into the store
    expect((await late.post('/v1/events', [lateClose])).body.accepted).toBe(1);
    await waitFor(late, (h) => h.late === 1 && h.lateWaiting === 0);
    expect((await late.get('/v1/live')).body.watermark).toBe(t0 + (60 * 179 + 50 - 5) * 1000);

    await inTime.post('/v1/events', [...appealA, lateClose, ...others]);
    const rows = async (s: ServerProcess) => (await s.get(`/v1/metrics?${RANGE}&interval=1h&groupBy=queue`)).body.rows;
    expect(await rows(late)).toEqual(await rows(inTime));
    expect((await rows(late))[0]).toMatchObject({ offered: 61, ha: 61 }); // A's close counted in its hour
    expect((await late.get(`/v1/live`)).body.repairs).toMatchObject({ late: 1 });
    expect((await late.get(`/v1/verify?${RANGE}`)).body.differences).toEqual([]);
  } finally {
    await Promise.all([late.stop(), inTime.stop()]);
  }
}, 180_000);

/**
 * The outside attack's reproduction (issue 7): appeal X is retired, then a lost SENT_DISTRIBUTION of its
 * past arrives together with (or after) an in-time APPEAL_RETURNED that brings X back into memory. Three
 * variants, each in a queue of its own: one request; RETURNED first, then the late event; and the same
 * across a kill -9 between them.
 */
it('a late event for a retired appeal that came back is folded into its whole story, across requests and crashes', async () => {
  const base = Date.UTC(2026, 10, 22, 10, 0, 0);
  const at = (h: number, m: number, s: number) => base + ((h * 60 + m) * 60 + s) * 1000;
  const story = (v: string, h: number) => {
    const e = (id: string, type: string, m: number, s: number, extra: Record<string, unknown> = {}) =>
      ({ id: `${v}-${id}`, type, ts: at(h, m, s), channel: 'telegram', queue: `q${v}`, appealId: `X${v}`, ...extra });
    return {
      first: [e('new', 'APPEAL_NEW', 0, 0), e('app', 'APPEAL_APPOINTED', 0, 30, { operatorId: 'op1' }), e('close', 'APPEAL_CLOSED', 1, 30, { operatorId: 'op1' })],
      other: [e('y', 'APPEAL_NEW', 10, 0, { appealId: `Y${v}` })],
      lateSd: e('sd', 'APPEAL_SENT_DISTRIBUTION', 0, 20),
      returned: e('ret', 'APPEAL_RETURNED', 10, 1),
    };
  };
  const [a, b, c] = [story('a', 0), story('b', 1), story('c', 2)];
  const s = await ServerProcess.start({ dataDir: join(dir, 'repro') });
  const inOrder = await ServerProcess.start({ dataDir: join(dir, 'repro-in-order') });
  try {
    // a: one request carries both
    await s.post('/v1/events', [...a.first, ...a.other]);
    expect((await s.post('/v1/events', [a.lateSd, a.returned])).body.accepted).toBe(2);
    // b: the RETURNED first, the late SENT_DISTRIBUTION in a second request
    await s.post('/v1/events', [...b.first, ...b.other]);
    await s.post('/v1/events', [b.returned]);
    await s.post('/v1/events', [b.lateSd]);
    // c: X retired and checkpointed, kill -9, then the RETURNED and the late event after the restart
    await s.post('/v1/events', [...c.first, ...c.other]);
    await new Promise((r) => setTimeout(r, 2_500));
    await s.crash();
    await s.restart();
    await s.post('/v1/events', [c.returned]);
    await s.crash();
    await s.restart();
    await s.post('/v1/events', [c.lateSd]);

    for (const v of [a, b, c]) await inOrder.post('/v1/events', [v.first[0], v.lateSd, ...v.first.slice(1), ...v.other, v.returned]);
    const range = `from=${base}&to=${at(3, 0, 0)}`;
    const rows = async (srv: ServerProcess) => (await srv.get(`/v1/metrics?${range}&groupBy=queue`)).body.rows;
    const got = await rows(s);
    expect(got).toEqual(await rows(inOrder));
    for (const q of ['qa', 'qb', 'qc']) expect(got.find((r: any) => r.queue === q)).toMatchObject({ offered: 3, aa: 1, ha: 1, awtSec: 10 });
    expect((await s.get(`/v1/verify?${range}`)).body.differences).toEqual([]);
  } finally {
    await Promise.all([s.stop(), inOrder.stop()]);
  }
}, 180_000);
