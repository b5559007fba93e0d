import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './testing/test-app.js';

/**
 * Every answer carries the security headers, errors included; the CSP allows the dashboard only its own
 * origin (the browser suites, which fail on any console error, show the dashboard passes it).
 */
describe('security headers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({});
  });
  afterAll(() => t?.close());

  it('on the API, its errors and the dashboard', async () => {
    for (const url of ['/v1/live', '/v1/metrics?from=nope', '/nope', '/healthz', '/']) {
      const res = await t.app.inject({ url });
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      expect(res.headers['x-frame-options'], url).toBe('SAMEORIGIN');
      expect(res.headers['referrer-policy'], url).toBe('no-referrer');
      const csp = String(res.headers['content-security-policy']);
      expect(csp, url).toContain("default-src 'self'");
      expect(csp, url).toContain("script-src 'self'");
      expect(csp, url).toContain("frame-ancestors 'none'");
      expect(csp, url).not.toContain('unsafe-inline');
      expect(res.headers['x-powered-by'], url).toBeUndefined();
    }
  });
});
