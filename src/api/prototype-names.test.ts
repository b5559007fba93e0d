import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './testing/test-app.js';

/** Names that are also properties of every plain object. As data they must be just names. */
const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

/**
 * One appeal per name, everything named by it: queue, appeal, operator, event ids and attribute keys.
 * Queued at T, answered 10 s later (within the default 20 s SL), closed 60 s after that.
 */
function storyOf(name: string, channel: string, t0: number) {
  const base = { appealId: name, queue: name, channel };
  const attrs = Object.fromEntries(NAMES.map((n) => [n, `${n}-value`]));
  return [
    { id: name, type: 'APPEAL_NEW', ts: t0, ...base, attrs },
    { id: `${name}:sd`, type: 'APPEAL_SENT_DISTRIBUTION', ts: t0, ...base },
    { id: `${name}:ap`, type: 'APPEAL_APPOINTED', ts: t0 + 10_000, ...base, operatorId: name },
    { id: `${name}:cl`, type: 'APPEAL_CLOSED', ts: t0 + 70_000, ...base, operatorId: name },
    { id: `${name}:st`, type: 'OPERATOR_STATUS', ts: t0 + 80_000, operatorId: name, status: 'ready', queue: name, channel },
  ];
}

const expected = { offered: 1, aa: 1, ha: 1, missed: 0, awtSec: 10, ahtSec: 60, slPct: 100, abandonPct: 0, waitP90Sec: 10 };

describe('queue, channel, operator, appeal and event names that are Object.prototype properties', () => {
  let t: TestApp;
  const t0 = Math.floor((Date.now() - 10 * 60_000) / 60_000) * 60_000;
  beforeAll(async () => {
    t = await startTestApp({ customChannels: NAMES });
  });
  afterAll(() => t?.close());

  it('are accepted and counted like any other name (queues on a built-in channel)', async () => {
    // A JSON body whose attribute keys include "__proto__", as a client sends it.
    const body = JSON.stringify(NAMES.flatMap((n) => storyOf(n, 'voice', t0)));
    expect(body).toContain('"attrs":{"__proto__":"__proto__-value","constructor":"constructor-value"');
    const r = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload: body });
    expect(r.statusCode, r.body).toBe(202);
    expect(r.json()).toMatchObject({ accepted: NAMES.length * 5, duplicates: 0, rejected: [] });

    const range = `from=${t0 - 60_000}&to=${t0 + 5 * 60_000}`;
    const rows = (await t.app.inject({ url: `/v1/metrics?${range}&groupBy=queue` })).json().rows;
    expect(rows.map((row: { queue: string }) => row.queue).sort()).toEqual([...NAMES].sort());
    for (const row of rows) expect(row, row.queue).toMatchObject(expected);

    for (const n of NAMES) {
      const byQueue = await t.app.inject({ url: `/v1/metrics?${range}&queue=${encodeURIComponent(n)}` });
      expect(byQueue.json().rows, n).toEqual([expect.objectContaining({ queue: n, channel: 'voice', ...expected })]);
      const byOperator = await t.app.inject({ url: `/v1/metrics?${range}&operator=${encodeURIComponent(n)}` });
      expect(byOperator.json().rows, n).toEqual([expect.objectContaining({ operator: n, aa: 1, ha: 1, ahtSec: 60 })]);
    }

    const live = (await t.app.inject({ url: '/v1/live' })).json();
    expect(live.tiles.map((tile: { queue: string }) => tile.queue).sort()).toEqual([...NAMES].sort());
    for (const tile of live.tiles) {
      expect(tile.last60m, tile.queue).toMatchObject(expected);
      expect(tile.operators.ready, tile.queue).toBe(1);
    }
    expect(live.center.last60m).toMatchObject({ offered: NAMES.length, aa: NAMES.length, slPct: 100 });
  });

  it('are accepted and counted like any other name (custom channels of those names)', async () => {
    const t1 = t0 + 2 * 60_000;
    const events = NAMES.flatMap((n) => [
      ...storyOf(n, n, t1).map((e) => ({ ...e, id: `ch-${e.id}`, appealId: `ch-${n}`, queue: 'by-channel' })),
      // and one still waiting: it counts in QA until its channel's inactivity timeout (the default day)
      { id: `wait-${n}`, type: 'APPEAL_NEW', ts: t1, appealId: `wait-${n}`, queue: 'by-channel', channel: n },
    ]);
    const r = await t.app.inject({ method: 'POST', url: '/v1/events', payload: events });
    expect(r.statusCode, r.body).toBe(202);
    expect(r.json()).toMatchObject({ accepted: events.length, rejected: [] });
    const range = `from=${t1}&to=${t1 + 3 * 60_000}`;
    const rows = (await t.app.inject({ url: `/v1/metrics?${range}&queue=by-channel&groupBy=channel` })).json().rows;
    expect(rows.map((row: { channel: string }) => row.channel).sort()).toEqual([...NAMES].sort());
    for (const row of rows) expect(row, row.channel).toMatchObject({ ...expected, offered: 2, qa: 1 });
    const live = (await t.app.inject({ url: '/v1/live' })).json();
    const tiles = live.tiles.filter((tile: { queue: string }) => tile.queue === 'by-channel');
    expect(tiles.map((tile: { channel: string }) => tile.channel).sort()).toEqual([...NAMES].sort());
    for (const tile of tiles) {
      expect(tile, tile.channel).toMatchObject({ qa: 1, waiting: 1, inHandling: 0, last60m: { ...expected, offered: 2, qa: 1 } });
      expect(tile.longestWaitSec, tile.channel).toBeGreaterThan(0);
    }
    // the checkpoint commits (an expiry timed NaN made its rollup row fail NOT NULL, and every later checkpoint with it)
    await t.engine.checkpointer.commit();
    const verify = (await t.app.inject({ url: `/v1/verify?${range}` })).json();
    expect(verify.differences).toEqual([]);
  });

  it('rejects only the event that has a top-level __proto__ or constructor field, and keeps its neighbours', async () => {
    const ok = { id: 'pp-ok', type: 'APPEAL_NEW', ts: t0, appealId: 'pp', queue: 'pp', channel: 'voice' };
    const body = `[${JSON.stringify(ok)}, {"__proto__": {"queue": "evil"}, ${JSON.stringify({ ...ok, id: 'pp-bad' }).slice(1)}, {"constructor": {"prototype": {"x": 1}}, ${JSON.stringify({ ...ok, id: 'pp-bad2' }).slice(1)}]`;
    for (const type of ['application/json', 'application/x-ndjson']) {
      const payload = type === 'application/json' ? body : (JSON.parse(body) as unknown[]).map((e) => JSON.stringify(e)).join('\n');
      const r = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': type }, payload });
      expect(r.statusCode, r.body).toBe(202);
      expect(r.json()).toEqual({
        accepted: type === 'application/json' ? 1 : 0,
        duplicates: type === 'application/json' ? 0 : 1,
        rejected: [
          { index: 1, errors: [{ path: '/__proto__', message: 'unknown field' }] },
          { index: 2, errors: [{ path: '/constructor', message: 'unknown field' }] },
        ],
      });
    }
    expect(({} as Record<string, unknown>).queue).toBeUndefined();
  });
});
