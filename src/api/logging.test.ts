import http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { capturingLogger } from '../testing/capture-log.js';
import { startTestApp, type TestApp } from './testing/test-app.js';

/**
 * The request log through the real app: every line of a request carries its id, a 5xx is logged once
 * (not by the route and again by the error handler), and no request body or secret reaches the log.
 */
describe('request logging', () => {
  let t: TestApp;
  const cap = capturingLogger('json', 'info');
  const errorsOf = (reqId: string) => cap.lines.filter((l) => (l.level as number) >= 50 && l.reqId === reqId);
  const allErrors = () => cap.lines.filter((l) => (l.level as number) >= 50);
  const event = { id: 'e-1', type: 'APPEAL_NEW', ts: Date.now(), appealId: 'appeal-body-marker', channel: 'voice', queue: 'sales', attrs: { phone: '+7-900-body-marker' } };

  beforeAll(async () => {
    // the checkpointer's own timer stays out of the way: only the requests' commits run
    t = await startTestApp({ checkpointIntervalMs: 600_000 }, { logger: cap.log });
    t.app.get('/__throw', async () => {
      throw new Error('an unexpected failure');
    });
    await t.app.ready();
  });
  afterAll(() => t?.close());
  beforeEach(() => {
    cap.lines.length = 0;
    cap.raw.length = 0;
  });

  it('echoes a sane x-request-id and logs the 5xx once under it, with the error', async () => {
    const r = await t.app.inject({ url: '/__throw', headers: { 'x-request-id': 'client-req-42' } });
    expect(r.statusCode).toBe(500);
    expect(r.headers['x-request-id']).toBe('client-req-42');
    expect(allErrors()).toHaveLength(1);
    const [line] = errorsOf('client-req-42');
    expect(line).toMatchObject({ msg: 'request failed', reqId: 'client-req-42', err: { message: 'an unexpected failure' } });
  });

  it('replaces an insane x-request-id with its own, and answers with that', async () => {
    const r = await t.app.inject({ url: '/__throw', headers: { 'x-request-id': 'x'.repeat(500) } });
    const id = r.headers['x-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(errorsOf(id)).toHaveLength(1);
    expect(cap.raw.join('\n')).not.toContain('x'.repeat(200));
  });

  it('gives every answer an id, a 4xx and a 404 too (not logged: they are the client\'s)', async () => {
    for (const url of ['/v1/live?bogus=1', '/no/such/route', '/healthz']) {
      const r = await t.app.inject({ url });
      expect(r.headers['x-request-id'], url).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(allErrors()).toEqual([]);
  });

  it('logs a failed append once (the error handler, with the storage error as its cause), and never the events', async () => {
    const append = t.storage.append;
    t.storage.append = () => Promise.reject(new Error('connection to the database lost'));
    try {
      const r = await t.app.inject({ method: 'POST', url: '/v1/events', payload: [event], headers: { 'x-request-id': 'ingest-1' } });
      expect(r.statusCode).toBe(503);
      expect(r.json().error.code).toBe('CCP_STORAGE_UNAVAILABLE');
      expect(r.headers['x-request-id']).toBe('ingest-1');
      expect(allErrors()).toHaveLength(1);
      const [line] = errorsOf('ingest-1');
      expect((line.err as { message: string }).message).toContain('connection to the database lost');
      expect(cap.raw.join('\n')).not.toContain('body-marker');
    } finally {
      t.storage.append = append;
    }
  });

  it('logs a failed checkpoint commit a request waited for once, not by the checkpointer and again by the handler', async () => {
    const commit = t.storage.commitCheckpoint;
    t.storage.commitCheckpoint = () => Promise.reject(new Error('disk full'));
    try {
      const r = await t.app.inject({ url: '/v1/dlq', headers: { 'x-request-id': 'dlq-1' } });
      expect(r.statusCode).toBe(500);
      expect(allErrors()).toHaveLength(1);
      expect(errorsOf('dlq-1')).toHaveLength(1);
    } finally {
      t.storage.commitCheckpoint = commit;
    }
  });

  it('gives the live stream (a hijacked answer) its request id too', async () => {
    const url = t.url || (await t.listen());
    const id = await new Promise<string | undefined>((resolve, reject) => {
      const req = http.get(`${url}/v1/stream`, { headers: { 'x-request-id': 'sse-1' } }, (res) => {
        resolve(res.headers['x-request-id'] as string | undefined);
        req.destroy();
      });
      req.on('error', reject);
    });
    expect(id).toBe('sse-1');
  });

  it('never logs an API key or a header at any level', async () => {
    await t.app.inject({ url: '/__throw?apiKey=k-in-query', headers: { authorization: 'Bearer k-in-header', 'x-api-key': 'k-in-x-header' } });
    const text = cap.raw.join('\n');
    for (const k of ['k-in-query', 'k-in-header', 'k-in-x-header']) expect(text).not.toContain(k);
  });
});
