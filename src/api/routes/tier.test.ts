import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorShape } from '../testing/http.js';
import { startTestApp, type TestApp } from '../testing/test-app.js';

describe('GET /v1/tier', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('advises the tier from what the server measured: operators working and events a second', async () => {
    const now = Date.now();
    t.engine.sampleTier(); // the base
    // 70 operators working (tier 2 by the seed's bounds), on the embedded store (made for tier 1)
    const ops = Array.from({ length: 70 }, (_, i) => ({ id: `s${i}`, type: 'OPERATOR_STATUS', ts: now - 1_000, operatorId: `op${i}`, status: i % 2 ? 'ready' : 'busy', queue: 'sales', channel: 'voice' }));
    const r = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(ops) });
    expect(r.statusCode).toBe(202);
    for (let i = 0; i < 50 && t.engine.processor.stats.processed < 70; i++) await new Promise((res) => setTimeout(res, 20));
    t.engine.sampleTier();
    const tier = await t.app.inject({ url: '/v1/tier' });
    expect(tier.statusCode, tier.body).toBe(200);
    const body = tier.json();
    expect(body).toMatchObject({ tier: 2, database: 'TimescaleDB', current: { backend: 'pglite', tier: 1, outgrown: true }, measured: { operators: 70 } });
    expect(body.measured.minutes).toBeGreaterThanOrEqual(1);
    expect(body.reasons[0]).toBe('70 operators working at once: tier 2 (61–240)');
    expect(body.current.notice).toMatch(/outgrown the embedded store \(PGlite\)/);
  });

  it('is server-wide: with API keys (tenants) it is not answered', async () => {
    const keyed = await startTestApp({ apiKeys: { k1: 'acme' } });
    try {
      const r = await keyed.app.inject({ url: '/v1/tier', headers: { authorization: 'Bearer k1' } });
      expect(r.statusCode).toBe(404);
      expectErrorShape(r.json());
      expect(r.json().error.message).toMatch(/server-wide/);
    } finally {
      await keyed.close();
    }
  });
});
