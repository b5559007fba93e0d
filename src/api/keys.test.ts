import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorShape } from './testing/http.js';
import { startTestApp, type TestApp } from './testing/test-app.js';

const ev = (id: string) => ({ id, type: 'APPEAL_NEW', ts: Date.now(), appealId: `A-${id}`, channel: 'voice', queue: 'q' });
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('API keys with roles, and dashboard sessions', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp({ apiKeys: { 'plain-acme-key': 'acme' } }, { auth: true });
    admin = (await t.keys!.create({ tenant: 'default', role: 'admin', name: 'first' })).key; // as ccpulse start's first run
  });
  afterAll(() => t?.close());

  const create = async (role: string, extra: Record<string, unknown> = {}, by = admin) => {
    const r = await t.app.inject({ method: 'POST', url: '/v1/keys', headers: bearer(by), payload: { role, name: `${role} key`, ...extra } });
    expect(r.statusCode, r.body).toBe(201);
    return r.json() as { key: string; id: string; tenant: string; role: string };
  };
  const signIn = async (key: string) => t.app.inject({ method: 'POST', url: '/v1/session', payload: { key } });
  const cookieOf = (r: { headers: Record<string, unknown> }) => String(r.headers['set-cookie']).split(';')[0];

  it('refuses every /v1 call without a key, but serves /healthz and the dashboard', async () => {
    for (const url of ['/v1/live', '/v1/keys', '/v1/session', '/v1/stream']) {
      const r = await t.app.inject({ url });
      expect(r.statusCode, url).toBe(401);
      expectErrorShape(r.json());
    }
    expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/' })).statusCode).toBe(200);
  });

  it('creates a key whose secret is in the create answer only', async () => {
    const k = await create('read', { tenant: 'acme' });
    expect(k).toMatchObject({ tenant: 'acme', role: 'read', name: 'read key', revokedAt: null });
    const list = await t.app.inject({ url: '/v1/keys', headers: bearer(admin) });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(k.key);
    expect(list.body).not.toContain('scrypt');
    expect(list.json().items.find((x: { id: string }) => x.id === k.id)).toMatchObject({ last4: k.key.slice(-4), tenant: 'acme' });
  });

  it('enforces roles: ingest posts events only, read reads only, admin everything; 403 names the role needed', async () => {
    const ingest = await create('ingest');
    const read = await create('read');
    expect((await t.app.inject({ method: 'POST', url: '/v1/events', headers: bearer(ingest.key), payload: [ev('e1')] })).statusCode).toBe(202);
    const r = await t.app.inject({ url: '/v1/live', headers: bearer(ingest.key) });
    expect(r.statusCode).toBe(403);
    expect(r.json().error).toMatchObject({ code: 'CCP_FORBIDDEN' });
    expect(r.json().error.message).toContain('read role');
    expect((await t.app.inject({ url: '/v1/live', headers: bearer(read.key) })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: '/v1/events', headers: bearer(read.key), payload: [ev('e2')] })).statusCode).toBe(403);
    const put = await t.app.inject({ method: 'PUT', url: '/v1/settings', headers: bearer(read.key), payload: {} });
    expect(put.statusCode).toBe(403);
    expect(put.json().error.message).toContain('admin role');
    expect((await t.app.inject({ url: '/v1/keys', headers: bearer(read.key) })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: '/v1/dlq/replay', headers: bearer(read.key), payload: {} })).statusCode).toBe(403);
    expect((await t.app.inject({ url: '/v1/live', headers: bearer(admin) })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: '/v1/events', headers: bearer(admin), payload: [ev('e3')] })).statusCode).toBe(202);
  });

  it('every /v1 route declares a role, or needs admin', async () => {
    const read = await create('read');
    // a route outside the read list: a read key is refused, never let through by omission
    expect((await t.app.inject({ url: '/v1/notifications/destinations', headers: bearer(read.key) })).statusCode).toBe(403);
  });

  it('keeps the config file\'s plain keys working, as admin of their tenant, limited to it', async () => {
    const r = await t.app.inject({ url: '/v1/session', headers: bearer('plain-acme-key') });
    expect(r.json()).toMatchObject({ tenant: 'acme', role: 'admin', open: false });
    expect(r.json().keyId).not.toContain('plain');
    const other = await t.app.inject({ method: 'POST', url: '/v1/keys', headers: bearer('plain-acme-key'), payload: { role: 'read', tenant: 'default' } });
    expect(other.statusCode).toBe(403);
    expect((await create('read', {}, 'plain-acme-key')).tenant).toBe('acme');
  });

  it('revokes a key at once, keys and sessions alike', async () => {
    const k = await create('read');
    expect((await t.app.inject({ url: '/v1/live', headers: bearer(k.key) })).statusCode).toBe(200);
    const signed = await signIn(k.key);
    expect(signed.statusCode).toBe(200);
    const cookie = cookieOf(signed);
    expect((await t.app.inject({ url: '/v1/live', headers: { cookie } })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/keys/${k.id}`, headers: bearer(admin) })).statusCode).toBe(204);
    expect((await t.app.inject({ url: '/v1/live', headers: bearer(k.key) })).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/v1/live', headers: { cookie } })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/keys/${k.id}`, headers: bearer(admin) })).statusCode).toBe(409);
    expect((await t.app.inject({ method: 'DELETE', url: '/v1/keys/nope', headers: bearer(admin) })).statusCode).toBe(404);
  });

  it('ends a revoked key\'s live streams at once', async () => {
    const k = await create('read');
    const url = t.url || (await t.listen());
    const res = await fetch(`${url}/v1/stream`, { headers: bearer(k.key) });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read(); // the snapshot
    await t.app.inject({ method: 'DELETE', url: `/v1/keys/${k.id}`, headers: bearer(admin) });
    const until = Date.now() + 5_000;
    let done = false;
    while (!done && Date.now() < until) done = (await reader.read()).done;
    expect(done).toBe(true);
  });

  it('signs the dashboard in with a cookie that is not the key, and out again', async () => {
    const k = await create('read', { name: 'wallboard' });
    const r = await signIn(k.key);
    expect(r.json()).toMatchObject({ role: 'read', name: 'wallboard', keyId: k.id });
    const setCookie = String(r.headers['set-cookie']);
    expect(setCookie).toMatch(/^ccpulse_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    expect(setCookie).not.toContain(k.key);
    const cookie = cookieOf(r);
    expect((await t.app.inject({ url: '/v1/session', headers: { cookie } })).json()).toMatchObject({ role: 'read', keyId: k.id });
    const out = await t.app.inject({ method: 'DELETE', url: '/v1/session', headers: { cookie } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await t.app.inject({ url: '/v1/live', headers: { cookie } })).statusCode).toBe(401);
  });

  it('refuses a wrong key and an ingest key at sign-in, and names a malformed body', async () => {
    expect((await signIn('ccp_nosuchkey000_' + 'x'.repeat(43))).statusCode).toBe(401);
    const ingest = await create('ingest');
    const r = await signIn(ingest.key);
    expect(r.statusCode).toBe(403);
    expect(r.json().error.message).toContain('ingest key');
    const bad = await t.app.inject({ method: 'POST', url: '/v1/session', payload: { key: 5 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('/key');
    const badRole = await t.app.inject({ method: 'POST', url: '/v1/keys', headers: bearer(admin), payload: { role: 'root' } });
    expect(badRole.statusCode).toBe(400);
    expect(badRole.body).toContain('/role');
  });
});

describe('open mode (no keys configured, as the tests build the app)', () => {
  it('takes every request as the default tenant\'s admin, and says so at GET /v1/session', async () => {
    const t = await startTestApp();
    try {
      const r = await t.app.inject({ url: '/v1/session' });
      expect(r.json()).toEqual({ tenant: 'default', role: 'admin', name: '', keyId: '', open: true });
      expect((await t.app.inject({ method: 'POST', url: '/v1/keys', payload: { role: 'read' } })).statusCode).toBe(201);
    } finally {
      await t.close();
    }
  });
});
