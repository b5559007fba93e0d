import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../stream/engine.js';
import { DEFAULT_CONFIG } from '../../config/config.js';
import { expectErrorShape } from '../testing/http.js';
import { startTestApp, type TestApp } from '../testing/test-app.js';

interface Tile {
  queue: string;
  channel: string;
  targets: { slPct: number; slSec: number; longWaitSec: number };
  last15m: { slPct: number | null };
}

describe('GET/PUT /v1/settings', () => {
  let t: TestApp;
  const as = (key: string) => ({ authorization: `Bearer ${key}` });
  const get = (url: string, key = 'ka') => t.app.inject({ url, headers: as(key) });
  const put = (body: unknown, key = 'ka') => t.app.inject({ method: 'PUT', url: '/v1/settings', headers: { ...as(key), 'content-type': 'application/json' }, payload: typeof body === 'string' ? body : JSON.stringify(body) });
  const tiles = async (key = 'ka') => (get('/v1/live', key).then((r) => (r.json() as { tiles: Tile[] }).tiles));
  const tile = async (queue: string, channel = 'voice', key = 'ka') => (await tiles(key)).find((x) => x.queue === queue && x.channel === channel)!;
  const pol = (targetSec: number) => ({ targetSec, shortAbandonSec: 5, abandonsCount: true });

  beforeAll(async () => {
    t = await startTestApp({ apiKeys: { ka: 'acme', kb: 'beta' } });
    const now = Date.now();
    const at = (s: number) => new Date(now - 120_000 + s * 1000).toISOString();
    // in sales voice an appeal answered after 25 s: outside the default 20 s, within 30 s
    const appeal = (q: string) => [
      { id: `${q}:n`, type: 'APPEAL_NEW', ts: at(0), appealId: `${q}-1`, queue: q, channel: 'voice' },
      { id: `${q}:s`, type: 'APPEAL_SENT_DISTRIBUTION', ts: at(0), appealId: `${q}-1`, queue: q, channel: 'voice' },
      { id: `${q}:a`, type: 'APPEAL_APPOINTED', ts: at(25), appealId: `${q}-1`, queue: q, channel: 'voice', operatorId: 'op' },
    ];
    for (const key of ['ka', 'kb']) {
      const events = [...appeal('sales'), ...appeal('__proto__')];
      const r = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { ...as(key), 'content-type': 'application/json' }, payload: JSON.stringify(events) });
      expect(r.statusCode, r.body).toBe(202);
    }
  });
  afterAll(() => t?.close());

  it('with nothing saved, shows version 0 and the config file\'s settings in effect', async () => {
    const r = await get('/v1/settings');
    expect(r.statusCode, r.body).toBe(200);
    const v = r.json();
    expect(v).toMatchObject({ version: 0, updatedAt: null, settings: {} });
    expect(v.effective).toEqual(v.configured);
    expect(v.effective.sl.channels.email.targetSec).toBe(3600);
    expect((await tile('sales')).targets).toEqual({ slPct: 80, slSec: 20, longWaitSec: 120 });
    expect((await tile('sales')).last15m.slPct).toBe(0);
  });

  it('saves at the version read, applies at once to the tiles and to history, and refuses a save at a version since replaced', async () => {
    const saved = await put({ version: 0, settings: { sl: { queues: { sales: pol(30) } }, slTargetPct: { sales: 90 }, thresholds: { sales: { longWaitSec: 45 } } } });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toMatchObject({ version: 1, settings: { slTargetPct: { sales: 90 } } });
    expect(saved.json().effective.sl.queues.sales).toEqual(pol(30));
    expect(Date.parse(saved.json().updatedAt)).toBeGreaterThan(Date.now() - 60_000);
    // the tile: its targets and its SL, judged by the 30-s threshold now (the 25-s answer is within it)
    expect((await tile('sales')).targets).toEqual({ slPct: 90, slSec: 30, longWaitSec: 45 });
    expect((await tile('sales')).last15m.slPct).toBe(100);
    // history judges by the saved policy too
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const h = await get(`/v1/metrics?from=${from}&to=${new Date(Date.now() + 60_000).toISOString()}&queue=sales`);
    expect(h.statusCode, h.body).toBe(200);
    expect(h.json().rows[0].slPct).toBe(100);

    // a second editor who read version 0 loses, and nothing changes
    const late = await put({ version: 0, settings: { slTargetPct: { sales: 50 } } });
    expect(late.statusCode).toBe(409);
    expectErrorShape(late.json());
    expect(late.json().error.code).toBe('CCP_CONFLICT');
    expect(late.json().error.message).toContain('version 1');
    expect((await tile('sales')).targets.slPct).toBe(90);
  });

  it('keeps tenants apart: another tenant sees its own settings, and its tiles keep the configured rules', async () => {
    const r = await get('/v1/settings', 'kb');
    expect(r.json()).toMatchObject({ version: 0, settings: {} });
    expect((await tile('sales', 'voice', 'kb')).targets).toEqual({ slPct: 80, slSec: 20, longWaitSec: 120 });
    expect((await tile('sales', 'voice', 'kb')).last15m.slPct).toBe(0);
    expect((await get('/v1/settings', 'nope')).statusCode).toBe(401);
  });

  it('names every field at fault, saves nothing from a refused document, and takes queue names as data', async () => {
    const bad = [
      [{ version: 1, settings: { sl: { queues: { sales: pol(121) } } } }, '/settings/sl/queues/sales/targetSec'],
      [{ version: 1, settings: { slTargetPct: { sales: 150 } } }, '/settings/slTargetPct/sales'],
      [{ version: 1, settings: { slTargets: {} } }, '/settings'],
      [{ version: 1, settings: { chatConcurrency: { webchat: 2.5 } } }, '/settings/chatConcurrency/webchat'],
      [{ settings: {} }, '/version'],
      [{ version: -1, settings: {} }, '/version'],
      [{ version: 1, settings: { sl: { queues: { sales: { targetSec: 30 } } } } }, '/settings/sl/queues/sales'],
    ] as const;
    for (const [body, path] of bad) {
      const r = await put(body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expectErrorShape(r.json());
      expect(JSON.stringify(r.json().error), JSON.stringify(body)).toContain(path);
    }
    expect((await put('{"version":1,')).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'PUT', url: '/v1/settings?x=1', headers: { ...as('ka'), 'content-type': 'application/json' }, payload: '{"version":1,"settings":{}}' })).statusCode).toBe(400);
    expect((await get('/v1/settings')).json().version).toBe(1);

    const proto = await put('{"version":1,"settings":{"slTargetPct":{"__proto__":97,"sales":90},"sl":{"queues":{"sales":{"targetSec":30,"shortAbandonSec":5,"abandonsCount":true}}}}}');
    expect(proto.statusCode, proto.body).toBe(200);
    expect(Object.hasOwn(JSON.parse(proto.body).settings.slTargetPct, '__proto__')).toBe(true);
    expect((await tile('__proto__')).targets.slPct).toBe(97);
  });

  it('answers odd numbers, huge versions and deep junk with a 4xx, never a 5xx', async () => {
    const odd: unknown[] = [
      { version: 2, settings: { sl: { default: { targetSec: 1e308, shortAbandonSec: 5, abandonsCount: true } } } },
      { version: 2, settings: { sl: { default: { targetSec: 0.5, shortAbandonSec: 5, abandonsCount: true } } } },
      { version: 2, settings: { sl: { channels: { voice: { targetSec: 20, shortAbandonSec: 1e-9, abandonsCount: true } } } } },
      { version: 1e20, settings: {} },
      { version: 2, settings: { thresholds: { q: { maxOccupancy: 2 } } } },
      { version: 2, settings: { slTargetPct: { ['q'.repeat(300)]: 90 } } },
      { version: 2, settings: { slTargetPct: Object.fromEntries(Array.from({ length: 5_001 }, (_, i) => [`q${i}`, 90])) } },
      { version: 2, settings: { sl: { queues: [] } } },
      { version: 2, settings: { slTargetPct: { 'a\u0000b': 90 } } },
      { version: 2, settings: { slTargetPct: { 'a\ud800': 90 } } },
      { version: 2, settings: { chatConcurrency: { '\u0000': 3 } } },
      { version: 2, settings: { sl: { channels: { '\udc00x': { targetSec: 20, shortAbandonSec: 5, abandonsCount: true } } } } },
      { version: 2, settings: null },
      [],
      'null',
    ];
    for (const body of odd) {
      const r = await put(typeof body === 'string' ? body : JSON.stringify(body));
      expect(r.statusCode, `${JSON.stringify(body).slice(0, 120)} → ${r.body.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(r.statusCode).toBeLessThan(500);
      expectErrorShape(r.json());
    }
    expect((await get('/v1/settings')).json().version).toBe(2);
  });

  it('keeps saved settings across a restart of the engine on the same store', async () => {
    const again = await Engine.start({ storage: t.storage, config: DEFAULT_CONFIG });
    try {
      expect(again.settings.view('acme')).toMatchObject({ version: 2, settings: { slTargetPct: { sales: 90 } } });
      expect(again.settings.rulesOf('acme').targetsOf('sales', 'voice')).toEqual({ slPct: 90, slSec: 30, longWaitSec: 120 });
      expect(again.settings.rulesOf('beta').targetsOf('sales', 'voice')).toEqual({ slPct: 80, slSec: 20, longWaitSec: 120 });
    } finally {
      await again.stop();
    }
  });
});
