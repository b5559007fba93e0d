import { describe, expect, it } from 'vitest';
import { startTestApp } from '../testing/test-app.js';

/** GET /metrics is open for one center, and behind its own token (never a tenant's key) for several. */
describe('GET /metrics and who may read it', () => {
  it('is open without API keys, as /healthz is', async () => {
    const t = await startTestApp({});
    try {
      const res = await t.app.inject({ url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('ccpulse_http_requests_total');
    } finally {
      await t.close();
    }
  });

  it('with API keys: refused until a token is configured, then only for that token', async () => {
    const closed = await startTestApp({ apiKeys: { ka: 'acme' } });
    try {
      const res = await closed.app.inject({ url: '/metrics', headers: { authorization: 'Bearer ka' } });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.message).toMatch(/metricsKey \(CCPULSE_METRICS_KEY\)/);
    } finally {
      await closed.close();
    }
    const t = await startTestApp({ apiKeys: { ka: 'acme' }, metricsKey: 'scrape-me' });
    try {
      for (const headers of [{}, { authorization: 'Bearer ka' }, { authorization: 'Bearer scrape-m' }, { authorization: 'Bearer scrape-me2' }, { 'x-api-key': 'scrape-me' }, { authorization: 'Basic scrape-me' }]) {
        const res = await t.app.inject({ url: '/metrics', headers });
        expect(res.statusCode, JSON.stringify(headers)).toBe(401);
        expect(res.body).not.toContain('ccpulse_');
      }
      const ok = await t.app.inject({ url: '/metrics', headers: { authorization: 'Bearer scrape-me' } });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).not.toMatch(/acme/);
    } finally {
      await t.close();
    }
  });
});
