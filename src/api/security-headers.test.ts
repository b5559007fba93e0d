import { connect } from 'node:net';
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

  it('on the answers the hooks refuse: a request without its API key (401), an HTTP/1.1 request without Host (400)', async () => {
    const keyed = await startTestApp({ apiKeys: { k1: 't1' } });
    try {
      for (const headers of [{}, { 'x-api-key': 'nope' }]) {
        const res = await keyed.app.inject({ url: '/v1/live', headers });
        expect(res.statusCode, JSON.stringify(headers)).toBe(401);
        expect(res.headers['x-content-type-options'], JSON.stringify(headers)).toBe('nosniff');
        expect(String(res.headers['content-security-policy']), JSON.stringify(headers)).toContain("frame-ancestors 'none'");
      }
      // no Host: only a raw request can leave it out
      const { port } = new URL(await keyed.listen());
      const head = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => socket.end('GET /v1/live HTTP/1.1\r\nx-api-key: k1\r\n\r\n'));
        let got = '';
        socket.on('data', (d) => (got += d.toString('latin1'))).on('end', () => resolve(got)).on('error', reject);
      });
      expect(head).toMatch(/^HTTP\/1\.1 400/);
      expect(head.toLowerCase()).toContain('x-content-type-options: nosniff');
    } finally {
      await keyed.close();
    }
  });
});
