import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { startTestApp } from './testing/test-app.js';

/** Cross-origin calls only from the configured origins; none by default (the dashboard is same-origin). */
describe('CORS', () => {
  const preflight = { method: 'OPTIONS' as const, url: '/v1/live', headers: { origin: 'https://wall.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } };

  it('answers no other origin by default', async () => {
    const t = await startTestApp({});
    try {
      const res = await t.app.inject({ url: '/v1/live', headers: { origin: 'https://evil.example' } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect((await t.app.inject(preflight)).headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  it('lets the configured origins in, with the headers a client needs, and no others', async () => {
    const t = await startTestApp({ corsOrigins: ['https://wall.example'] });
    try {
      const pre = await t.app.inject(preflight);
      expect(pre.statusCode).toBe(204);
      expect(pre.headers['access-control-allow-origin']).toBe('https://wall.example');
      expect(String(pre.headers['access-control-allow-headers'])).toContain('authorization');
      const res = await t.app.inject({ url: '/v1/live', headers: { origin: 'https://wall.example' } });
      expect(res.headers['access-control-allow-origin']).toBe('https://wall.example');
      expect(String(res.headers['access-control-expose-headers'])).toContain('retry-after');
      const other = await t.app.inject({ url: '/v1/live', headers: { origin: 'https://evil.example' } });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  it('takes the origins from the file or CCPULSE_CORS_ORIGINS, and names one that is no origin', () => {
    expect(loadConfig({ env: {} }).corsOrigins).toEqual([]);
    expect(loadConfig({ env: { CCPULSE_CORS_ORIGINS: 'https://a.example, http://10.0.0.5:8080' } }).corsOrigins).toEqual(['https://a.example', 'http://10.0.0.5:8080']);
    expect(() => loadConfig({ env: { CCPULSE_CORS_ORIGINS: 'https://a.example/path' } })).toThrow(/CCPULSE_CORS_ORIGINS: "https:\/\/a.example\/path" is not an origin/);
    expect(() => loadConfig({ env: { CCPULSE_CORS_ORIGINS: 'wall.example' } })).toThrow(/is not an origin/);
  });
});
