import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerProcess } from '../testing/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'ccpulse-tenants-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('API keys, tenants and the edges of the API', () => {
  let s: ServerProcess;
  beforeAll(async () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ apiKeys: { 'k-acme': 'acme', 'k-beta': 'beta' } }));
    s = await ServerProcess.start({ dataDir: join(dir, 'data'), args: ['--config', join(dir, 'config.json')], auth: true });
  });
  afterAll(() => s?.stop());

  const call = async (path: string, key?: string, body?: unknown) => {
    const res = await fetch(`${s.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const ev = { id: 'e1', type: 'APPEAL_NEW', ts: Date.now(), appealId: 'A', channel: 'voice', queue: 'q-acme' };

  it('requires a key on every /v1 route, however the path is spelled', async () => {
    expect((await call('/v1/live')).status).toBe(401);
    expect((await call('/%761/live')).status).toBe(401);
    expect((await call('/%76%31/events', undefined, [ev])).status).toBe(401);
    expect((await call('/v1/live', 'nope')).body.error.code).toBe('CCP_UNAUTHORIZED');
  });

  it('keeps each tenant to its own data', async () => {
    expect((await call('/v1/events', 'k-acme', [ev])).body.accepted).toBe(1);
    expect((await call('/v1/events', 'k-beta', [ev])).body.accepted).toBe(1); // same id, other tenant: not a duplicate
    const acme = (await call('/v1/live', 'k-acme')).body;
    const beta = (await call('/v1/live', 'k-beta')).body;
    expect(acme.tenant).toBe('acme');
    expect(acme.tiles.map((t: any) => t.queue)).toEqual(['q-acme']);
    expect(beta.tiles.map((t: any) => t.queue)).toEqual(['q-acme']);
    const other = { ...ev, id: 'e2', queue: 'q-beta-only' };
    await call('/v1/events', 'k-beta', [other]);
    expect((await call('/v1/live', 'k-acme')).body.tiles.map((t: any) => t.queue)).toEqual(['q-acme']);
    // health is liveness only when there are tenants
    expect(Object.keys((await call('/healthz')).body).sort()).toEqual(['status', 'storage', 'uptimeSec']);
  });

  it.each([
    ['/v1/metrics?from=0&to=99999999999999999999', '/to'],
    ['/v1/metrics?from=1', '/from'],
    ['/v1/verify?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z', '/from'],
    ['/v1/metrics?color=red', '/color'],
    ['/v1/dlq/99999999999999999999', '/id'],
  ])('answers %s with 400 naming %s', async (path, field) => {
    const r = await call(path, 'k-acme');
    expect(r.status).toBe(400);
    expect(r.body.error.details.map((d: any) => d.path)).toContain(field);
  });

  it('refuses an answer too large to build', async () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ ...ev, id: `m${i}`, appealId: `M${i}`, queue: `q${i}` }));
    await call('/v1/events', 'k-acme', many);
    const r = await call(`/v1/metrics?from=${Date.now() - 13 * 86_400_000}&interval=1m&groupBy=queue`, 'k-acme');
    expect(r.status).toBe(400);
    expect(r.body.error.details[0]).toMatchObject({ path: '/interval', message: expect.stringMatching(/more than 20000 rows/) });
  });

  it('takes an upper-case NDJSON media type, and names an empty body', async () => {
    const res = await fetch(`${s.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: 'Bearer k-acme', 'content-type': 'Application/X-NDJSON' },
      body: JSON.stringify({ ...ev, id: 'nd' }),
    });
    expect(res.status).toBe(202);
    const empty = await fetch(`${s.url}/v1/events`, { method: 'POST', headers: { authorization: 'Bearer k-acme', 'content-type': 'application/json' } });
    expect((await empty.json()).error.code).toBe('CCP_EMPTY_BATCH');
  });

  it('stops promptly on SIGTERM while a live stream is open', async () => {
    const ac = new AbortController();
    const res = await fetch(`${s.url}/v1/stream?apiKey=k-acme`, { signal: ac.signal });
    expect(res.status).toBe(200);
    const started = Date.now();
    await s.stop();
    expect(Date.now() - started).toBeLessThan(10_000);
    ac.abort();
  });
});
