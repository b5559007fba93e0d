import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerProcess } from '../testing/server-process.js';

const EXAMPLE = JSON.parse(readFileSync(new URL('../../examples/events.json', import.meta.url), 'utf8'));
const HOUR = 'from=2026-11-21T10:00:00Z&to=2026-11-21T11:00:00Z';
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'ccpulse-e2e-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('ccpulse start, through HTTP', () => {
  let s: ServerProcess;
  beforeAll(async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ingest: { maxEvents: 50, maxBytes: 16_384 } }));
    s = await ServerProcess.start({ dataDir: join(dir, 'data'), args: ['--config', join(dir, 'config.json')] });
  });
  afterAll(() => s?.stop());

  it('keeps the valid events of a batch and says which were rejected and why (the README example)', async () => {
    const r = await s.post('/v1/events', EXAMPLE);
    expect(r.status).toBe(202);
    expect(r.body).toEqual({
      accepted: 6,
      duplicates: 0,
      rejected: [
        {
          index: 6,
          errors: [
            { path: '/operatorId', message: 'required for APPEAL_CLOSED' },
            { path: '/channel', message: 'must be one of voice, telegram, vk, whatsapp, webchat, cabinet, email (custom channels are set in the configuration)' },
          ],
        },
      ],
    });
    const again = await s.post('/v1/events', EXAMPLE.slice(0, 3));
    expect(again.body).toEqual({ accepted: 0, duplicates: 3, rejected: [] });
  });

  it('serves every metric from /v1/metrics, per group and per interval', async () => {
    const total = await s.get(`/v1/metrics?${HOUR}&groupBy=queue`);
    expect(total.body.rows).toEqual([
      {
        queue: 'support', final: false, offered: 2, aa: 1, ha: 1, missed: 1, qa: 0, awtSec: 12, ahtSec: 240, asaSec: 12, slPct: 50, abandonPct: 50,
        waitP50Sec: 12, waitP90Sec: 12, waitP95Sec: 12, longestWaitSec: 40,
      },
    ]);
    const perMinute = await s.get(`/v1/metrics?from=2026-11-21T10:00:00Z&to=2026-11-21T10:05:00Z&interval=1m&groupBy=queue,channel`);
    expect(perMinute.body.rows.map((r: any) => [r.bucket, r.offered, r.aa, r.ha, r.missed, r.qa])).toEqual([
      ['2026-11-21T10:00:00.000Z', 1, 1, 0, 0, 1],
      ['2026-11-21T10:01:00.000Z', 1, 0, 0, 1, 1],
      ['2026-11-21T10:02:00.000Z', 0, 0, 0, 0, 1],
      ['2026-11-21T10:03:00.000Z', 0, 0, 0, 0, 1],
      ['2026-11-21T10:04:00.000Z', 0, 0, 1, 0, 0],
    ]);
    const op = await s.get(`/v1/metrics?${HOUR}&operator=op-7`);
    expect(op.body.rows).toEqual([expect.objectContaining({ operator: 'op-7', aa: 1, ha: 1, ahtSec: 240, awtSec: 12 })]);
  });

  it('pushes each change over SSE, and /v1/live shows the open appeal at once', async () => {
    const res = await fetch(`${s.url}/v1/stream`);
    const reader = res.body!.getReader();
    const frames = frameReader(reader);
    expect((await frames.next()).event).toBe('snapshot');
    const now = new Date().toISOString();
    await s.post('/v1/events', [{ id: 'live-1', type: 'APPEAL_NEW', ts: now, appealId: 'L-1', channel: 'voice', queue: 'live-q' }]);
    let tile;
    for (let i = 0; i < 20 && !tile; i++) {
      const f = await frames.next();
      if (f.event === 'update') tile = f.data.tiles.find((t: any) => t.queue === 'live-q');
    }
    expect(tile).toMatchObject({ queue: 'live-q', channel: 'voice', waiting: 1, qa: 1 });
    await reader.cancel();
    const live = await s.get('/v1/live');
    expect(live.body.tiles.find((t: any) => t.queue === 'live-q')).toMatchObject({ waiting: 1, last15m: { offered: 1 } });
    expect(live.body.repairs).toMatchObject({ noDistribution: 1 });
  });

  it.each([
    ['invalid JSON', '[{"id": ', 'application/json', 400, 'CCP_INVALID_JSON'],
    ['an empty batch', '[]', 'application/json', 400, 'CCP_EMPTY_BATCH'],
    ['a scalar body', '"hello"', 'application/json', 400, 'CCP_INVALID_BATCH'],
    ['too many events', JSON.stringify(Array.from({ length: 51 }, (_, i) => ({ id: `x${i}` }))), 'application/json', 413, 'CCP_TOO_MANY_EVENTS'],
    ['a body over the byte limit', JSON.stringify([{ id: 'x'.repeat(20_000) }]), 'application/json', 413, 'CCP_BODY_TOO_LARGE'],
    ['an unsupported media type', '<events/>', 'application/xml', 415, 'CCP_UNSUPPORTED_MEDIA_TYPE'],
  ])('answers %s with a coded error', async (_name, body, type, status, code) => {
    const r = await s.post('/v1/events', body, { 'content-type': type });
    expect(r.status).toBe(status);
    expect(r.body.error.code).toBe(code);
    expect(r.body.error.message).toBeTruthy();
  });

  it('answers a batch with no valid event with 400 and the per-event reasons', async () => {
    const r = await s.post('/v1/events', [{ id: 'bad', type: 'NOPE', ts: 'x' }]);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: { code: 'CCP_ALL_EVENTS_REJECTED' }, accepted: 0, rejected: [{ index: 0 }] });
  });

  it('takes NDJSON, rejecting a broken line alone', async () => {
    const lines = [
      JSON.stringify({ id: 'nd-1', type: 'OPERATOR_STATUS', ts: Date.now(), operatorId: 'op-1', status: 'ready' }),
      '{not json',
      JSON.stringify({ id: 'nd-2', type: 'OPERATOR_STATUS', ts: Date.now(), operatorId: 'op-2', status: 'break' }),
    ].join('\n');
    const r = await s.post('/v1/events', lines, { 'content-type': 'application/x-ndjson' });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ accepted: 2, duplicates: 0, rejected: [{ index: 1, errors: [{ path: '', message: expect.stringMatching(/^invalid JSON/) }] }] });
  });

  it.each([
    ['from=yesterday', '/from'],
    ['groupBy=shift', '/groupBy'],
    ['interval=5s', '/interval'],
    ['from=2026-11-21T11:00:00Z&to=2026-11-21T10:00:00Z', '/from'],
    ['color=red', '/color'],
  ])('answers a bad metrics query (%s) with 400 naming the parameter', async (qs, path) => {
    const r = await s.get(`/v1/metrics?${qs}`);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('CCP_BAD_REQUEST');
    expect(JSON.stringify(r.body.error.details ?? r.body.error.message)).toContain(path);
  });

  it('clamps an event timed far in the future to its arrival time, flags and counts it', async () => {
    const before = Date.now();
    const r = await s.post('/v1/events', [{ id: 'future-1', type: 'APPEAL_NEW', ts: before + 86_400_000, appealId: 'F-1', channel: 'email', queue: 'future-q' }]);
    expect(r.body.accepted).toBe(1);
    const tile = (await s.get('/v1/live')).body.tiles.find((t: any) => t.queue === 'future-q');
    expect(tile).toMatchObject({ waiting: 1, last15m: { offered: 1 } });
    expect((await s.get('/healthz')).body.clampedFuture).toBe(1);
  });

  it('serves the dashboard and a health check', async () => {
    const page = await fetch(`${s.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    expect((await s.get('/healthz')).body).toMatchObject({ status: 'ok', storage: 'pglite' });
  });
});

describe('durability and exactly-once across kill -9', () => {
  it('an acknowledged batch survives kill -9 and is counted once after restart', async () => {
    const s = await ServerProcess.start({ dataDir: tempDir() });
    try {
      const r = await s.post('/v1/events', EXAMPLE.slice(0, 6));
      expect(r.body.accepted).toBe(6);
      await s.crash(); // right after the ack: before any checkpoint could run
      await s.restart();
      const m = await s.get(`/v1/metrics?${HOUR}`);
      expect(m.body.rows[0]).toMatchObject({ offered: 2, aa: 1, ha: 1, missed: 1 });
      expect((await s.post('/v1/events', EXAMPLE.slice(0, 6))).body).toMatchObject({ accepted: 0, duplicates: 6 });
      await s.stop();
      await s.restart(); // a clean restart after the final checkpoint: still once
      expect((await s.get(`/v1/metrics?${HOUR}`)).body.rows[0]).toMatchObject({ offered: 2, aa: 1, ha: 1, missed: 1 });
    } finally {
      await s.stop();
    }
  }, 180_000);

  it('kill -9 under load at random moments, five times: after retries every appeal counts exactly once', async () => {
    const s = await ServerProcess.start({ dataDir: tempDir() });
    const t0 = Date.UTC(2026, 10, 21, 12, 0, 0);
    const appeals = 1500;
    const batches: unknown[][] = [];
    for (let b = 0; b < appeals / 50; b++) {
      batches.push(
        Array.from({ length: 50 }, (_, i) => {
          const n = b * 50 + i;
          const at = t0 + n * 1000;
          const base = { appealId: `K-${n}`, channel: 'webchat', queue: n % 2 ? 'sales' : 'support' };
          return [
            { id: `k${n}-new`, type: 'APPEAL_NEW', ts: at, ...base },
            { id: `k${n}-app`, type: 'APPEAL_APPOINTED', ts: at + 5_000, operatorId: `op${n % 7}`, ...base },
            { id: `k${n}-end`, type: 'APPEAL_CLOSED', ts: at + 65_000, operatorId: `op${n % 7}`, ...base },
          ];
        }).flat(),
      );
    }
    try {
      const acked = new Set<number>();
      for (let round = 0; round < 5; round++) {
        // fire every batch concurrently and crash the server while they are in flight
        const sends = batches.map((batch, i) =>
          s.post('/v1/events', batch).then(
            (r) => r.status === 202 && acked.add(i),
            () => undefined,
          ),
        );
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 900));
        await s.crash();
        await Promise.all(sends);
        await s.restart();
      }
      // a client retries whatever it is unsure of; duplicates are recognised
      for (const batch of batches) expect((await s.post('/v1/events', batch)).status).toBe(202);
      const all = (await s.get(`/v1/metrics?from=${t0}&to=${t0 + 3 * 3_600_000}&groupBy=`)).body.rows[0];
      expect(all).toMatchObject({ offered: appeals, aa: appeals, ha: appeals, missed: 0, qa: 0, awtSec: 5, ahtSec: 60 });
      expect(acked.size).toBeGreaterThan(0);
      // and every cell, not only the totals, equals a recomputation from the raw log...
      const range = `from=${t0}&to=${t0 + 3 * 3_600_000}`;
      const check = (await s.get(`/v1/verify?${range}`)).body;
      expect(check.cells).toBeGreaterThan(50);
      expect(check.differences).toEqual([]);
      // ...and the metrics of a run that was never interrupted, minute by minute
      const calm = await ServerProcess.start({ dataDir: tempDir() });
      try {
        for (const batch of batches) await calm.post('/v1/events', batch);
        const perMinute = (x: ServerProcess) => x.get(`/v1/metrics?${range}&interval=1m&groupBy=queue,channel`).then((r) => r.body.rows);
        expect(await perMinute(s)).toEqual(await perMinute(calm));
      } finally {
        await calm.stop();
      }
    } finally {
      await s.stop();
    }
  }, 240_000);
});

/** Minimal SSE frame reader over a fetch body. */
function frameReader(reader: ReadableStreamDefaultReader<Uint8Array>) {
  const decoder = new TextDecoder();
  let buf = '';
  return {
    async next(): Promise<{ event: string; data: any }> {
      for (;;) {
        const end = buf.indexOf('\n\n');
        if (end >= 0) {
          const raw = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const event = /^event: (.*)$/m.exec(raw)?.[1];
          const data = /^data: (.*)$/m.exec(raw)?.[1];
          if (event && data) return { event, data: JSON.parse(data) };
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buf += decoder.decode(value, { stream: true });
      }
    },
  };
}

describe('the backend as one URL', () => {
  it('--storage pglite:DIR keeps the data in DIR, across a restart', async () => {
    const dir = tempDir();
    const s = await ServerProcess.start({ args: ['--storage', `pglite:${dir}`] });
    try {
      expect((await s.post('/v1/events', EXAMPLE.slice(0, 6))).status).toBe(202);
      expect((await s.get('/healthz')).body).toMatchObject({ status: 'ok', storage: 'pglite' });
      expect(existsSync(join(dir, 'pglite'))).toBe(true);
      await s.stop();
      await s.restart();
      const rows = (await s.get(`/v1/metrics?${HOUR}&groupBy=queue`)).body.rows;
      expect(rows.length).toBeGreaterThan(0);
    } finally {
      await s.stop();
    }
  }, 90_000);
});
