/**
 * /v1/notifications through the real app: destinations made, shown without their secrets, replaced,
 * removed, apart per tenant; a test message; an alert raised by events reaching a signature-checking
 * webhook receiver within 2 s; deliveries listed, a dead one replayed; bad bodies named field by field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../config/config.js';
import { webhookReceiver, type WebhookReceiver } from '../../notify/testing/webhook-receiver.js';
import { expectErrorShape } from '../testing/http.js';
import { startTestApp, type TestApp } from '../testing/test-app.js';

const SECRET = 'sixteen+ chars secret';

describe('/v1/notifications', () => {
  let t: TestApp;
  let hook: WebhookReceiver;
  const as = (key: string) => ({ authorization: `Bearer ${key}` });
  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, key = 'ka') =>
    t.app.inject({ method, url, headers: { ...as(key), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });

  beforeAll(async () => {
    hook = await webhookReceiver(SECRET);
    // alerts raised at once (no 30-s wait for a condition to hold)
    t = await startTestApp({ apiKeys: { ka: 'acme', kb: 'beta' }, recommend: { ...DEFAULT_CONFIG.recommend, lifecycle: { raiseAfterSec: 0, clearAfterSec: 0, minOpenSec: 0 } } });
  });
  afterAll(async () => {
    await t?.close();
    await hook.close();
  });

  let hookId = '';
  it('makes a destination, shows it without its secret, keeps the secret on a replace without one, and keeps tenants apart', async () => {
    const r = await call('POST', '/v1/notifications/destinations', { name: 'ops', kind: 'webhook', webhook: { url: hook.url, secret: SECRET }, route: { severities: ['critical', 'warning'] } });
    expect(r.statusCode, r.body).toBe(201);
    hookId = r.json().id;
    expect(r.headers.location).toBe(`/v1/notifications/destinations/${hookId}`);
    expect(r.body).not.toContain(SECRET);
    expect(r.json()).toMatchObject({ name: 'ops', kind: 'webhook', enabled: true, lang: 'en', webhook: { url: hook.url, secretSet: true }, maxPerHour: 30 });
    const list = await call('GET', '/v1/notifications/destinations');
    expect(list.json().items.map((d: { id: string }) => d.id)).toEqual([hookId]);
    expect(list.body).not.toContain(SECRET);
    const replaced = await call('PUT', `/v1/notifications/destinations/${hookId}`, { name: 'ops team', kind: 'webhook', webhook: { url: hook.url }, lang: 'ru' });
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect(replaced.json()).toMatchObject({ name: 'ops team', lang: 'ru', webhook: { secretSet: true } });
    // another tenant sees none of it, and cannot touch it
    expect((await call('GET', '/v1/notifications/destinations', undefined, 'kb')).json().items).toEqual([]);
    for (const [m, u] of [['GET', ''], ['DELETE', ''], ['POST', '/test']] as const) expect((await call(m, `/v1/notifications/destinations/${hookId}${u}`, undefined, 'kb')).statusCode).toBe(404);
    expect((await call('PUT', `/v1/notifications/destinations/${hookId}`, { name: 'x', kind: 'webhook', webhook: { url: hook.url, secret: SECRET } }, 'kb')).statusCode).toBe(404);
  });

  it('never shows a URL whose path may be its credential, and keeps it on a replace that leaves it out', async () => {
    const slackish = `${hook.url.replace(/\/hook$/, '')}/services/T0AB/B0CD/s3cr3tPathToken?x=1`;
    const r = await call('POST', '/v1/notifications/destinations', { name: 'slack-ish', kind: 'webhook', webhook: { url: slackish, secret: SECRET } });
    expect(r.statusCode, r.body).toBe(201);
    const id = r.json().id as string;
    expect(r.json().webhook.url).toBe(`${new URL(slackish).origin}/services/…`);
    for (const body of [r.body, (await call('GET', '/v1/notifications/destinations')).body, (await call('GET', `/v1/notifications/destinations/${id}`)).body]) expect(body).not.toContain('s3cr3tPathToken');
    const kept = await call('PUT', `/v1/notifications/destinations/${id}`, { name: 'renamed', kind: 'webhook', webhook: {} });
    expect(kept.statusCode, kept.body).toBe(200);
    const before = hook.got.length;
    expect((await call('POST', `/v1/notifications/destinations/${id}/test`)).json().state).toBe('sent');
    expect(hook.got.length).toBe(before + 1);
    expect((await call('POST', '/v1/notifications/destinations', { name: 'x', kind: 'webhook', webhook: { secret: SECRET } })).body).toContain('/webhook/url');
    expect((await call('DELETE', `/v1/notifications/destinations/${id}`)).statusCode).toBe(204);
  });

  it('sends a test message at once, signed, and answers how it went', async () => {
    const r = await call('POST', `/v1/notifications/destinations/${hookId}/test`);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ state: 'sent', event: 'test', title: 'ccpulse: проверка уведомлений' });
    expect(hook.got.at(-1)!.body.event).toBe('test');
    // once every 2 s per destination: the button is no way to flood a chat
    const again = await call('POST', `/v1/notifications/destinations/${hookId}/test`);
    expect(again.statusCode).toBe(429);
    expect(again.json().error.code).toBe('CCP_RATE_LIMITED');
    expect(Number(again.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 2_050));
    hook.status = 500;
    const failed = await call('POST', `/v1/notifications/destinations/${hookId}/test`);
    expect(failed.json()).toMatchObject({ state: 'dead', lastError: 'webhook: HTTP 500' });
    hook.status = 200;
  });

  it('delivers an alert the events raise within 2 s, once, and lists it', async () => {
    hook.got.length = 0;
    const now = Date.now();
    const sent = Date.now();
    // a call waiting 400 s: past 3 × the 120-s long-wait threshold, a critical alert
    const events = [
      { id: 'w:n', type: 'APPEAL_NEW', ts: new Date(now - 400_000).toISOString(), appealId: 'w', queue: 'billing', channel: 'voice' },
      { id: 'w:s', type: 'APPEAL_SENT_DISTRIBUTION', ts: new Date(now - 400_000).toISOString(), appealId: 'w', queue: 'billing', channel: 'voice' },
    ];
    expect((await call('POST', '/v1/events', events)).statusCode).toBe(202);
    for (let i = 0; i < 100 && !hook.got.some((g) => g.body.item?.kind === 'long-wait'); i++) await new Promise((r) => setTimeout(r, 50));
    const hit = hook.got.find((g) => g.body.item?.kind === 'long-wait');
    expect(hit, 'the long-wait alert reached the webhook').toBeDefined();
    expect(hit!.at - sent).toBeLessThan(2000);
    expect(hit!.body.item!.severity).toBe('critical');
    expect(hit!.body.message.title).toBe('Критично · Долгое ожидание: billing · голос');
    expect(hit!.key).toMatch(new RegExp(`^r\\d+\\.open\\.${hookId}$`));
    // marked sent once the endpoint's answer is back (a moment after the receiver has the message)
    const sentOne = async () => ((await call('GET', '/v1/notifications/deliveries?state=sent')).json().items as Array<{ key: string; title: string }>).find((d) => d.key === hit!.key);
    await expect.poll(sentOne, { timeout: 5_000 }).toMatchObject({ title: hit!.body.message.title });
    await new Promise((r) => setTimeout(r, 600));
    expect(hook.got.filter((g) => g.key === hit!.key)).toHaveLength(1);
    expect((await call('GET', '/v1/notifications/deliveries', undefined, 'kb')).json().items).toEqual([]);
  });

  it('replays a dead delivery, and only a dead one of the tenant\'s own', async () => {
    const dead = (await call('GET', '/v1/notifications/deliveries?state=dead')).json().items as Array<{ key: string }>;
    expect(dead.length).toBe(1); // the failed test
    expect((await call('POST', `/v1/notifications/deliveries/${encodeURIComponent(dead[0].key)}/replay`, undefined, 'kb')).statusCode).toBe(404);
    const r = await call('POST', `/v1/notifications/deliveries/${encodeURIComponent(dead[0].key)}/replay`);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ state: 'pending', attempts: 0 });
    expect((await call('POST', '/v1/notifications/deliveries/nope/replay')).statusCode).toBe(404);
  });

  it('holds the limit of 50 under concurrent creates, and a replace racing a removal never brings it back', async () => {
    await t.listen();
    const post = (name: string) =>
      fetch(`${t.url}/v1/notifications/destinations`, { method: 'POST', headers: { ...as('kb'), 'content-type': 'application/json' }, body: JSON.stringify({ name, kind: 'email', email: { to: ['a@b.c'] } }) });
    for (let i = 0; i < 40; i++) expect((await post(`n${i}`)).status).toBe(201);
    const statuses = (await Promise.all(Array.from({ length: 30 }, (_, i) => post(`m${i}`)))).map((r) => r.status);
    expect(statuses.filter((x) => x === 201)).toHaveLength(10);
    expect(statuses.filter((x) => x === 409)).toHaveLength(20);
    const items = (await call('GET', '/v1/notifications/destinations', undefined, 'kb')).json().items as Array<{ id: string }>;
    expect(items).toHaveLength(50);
    for (const { id } of items.slice(0, 10)) {
      const [del, put] = await Promise.all([
        fetch(`${t.url}/v1/notifications/destinations/${id}`, { method: 'DELETE', headers: as('kb') }),
        fetch(`${t.url}/v1/notifications/destinations/${id}`, { method: 'PUT', headers: { ...as('kb'), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'again', kind: 'email', email: { to: ['a@b.c'] } }) }),
      ]);
      const there = (await call('GET', `/v1/notifications/destinations/${id}`, undefined, 'kb')).statusCode;
      // whichever came first, the answers agree with what is left
      expect(del.status).toBe(204);
      expect(there === 404 ? [404, 200].includes(put.status) : put.status === 200).toBe(true);
      expect(there).toBe(404);
    }
    for (const { id } of items) await call('DELETE', `/v1/notifications/destinations/${id}`, undefined, 'kb');
    expect((await call('GET', '/v1/notifications/destinations', undefined, 'kb')).json().items).toEqual([]);
  });

  it('names every field at fault, never a 5xx', async () => {
    const cases: Array<[unknown, string]> = [
      [{ name: 'x', kind: 'webhook' }, '/webhook'],
      [{ name: 'x', kind: 'webhook', webhook: { url: 'ftp://h/x', secret: SECRET } }, '/webhook/url'],
      [{ name: 'x', kind: 'webhook', webhook: { url: 'http://u:p@h/x', secret: SECRET } }, '/webhook/url'],
      [{ name: 'x', kind: 'webhook', webhook: { url: hook.url } }, '/webhook/secret'],
      [{ name: 'x', kind: 'webhook', webhook: { url: hook.url, secret: 'short' } }, '/webhook/secret'],
      [{ name: 'x', kind: 'telegram', telegram: { chatId: 'abc', botToken: '123456:ABCDEFGH' } }, '/telegram/chatId'],
      [{ name: 'x', kind: 'telegram', telegram: { chatId: '12' } }, '/telegram/botToken'],
      [{ name: 'x', kind: 'email', email: { to: ['not an address'] } }, '/email/to/0'],
      [{ name: 'x', kind: 'email', email: { to: ['a@b.c'] }, webhook: { url: hook.url, secret: SECRET } }, '/webhook'],
      [{ name: 'x', kind: 'email', email: { to: ['a@b.c'] }, quietHours: { from: '25:00', to: '07:00' } }, '/quietHours/from'],
      [{ name: 'x', kind: 'email', email: { to: ['a@b.c'] }, quietHours: { from: '22:00', to: '07:00', timeZone: 'Mars/Olympus' } }, '/quietHours/timeZone'],
      [{ name: 'x', kind: 'email', email: { to: ['a@b.c'] }, route: { severities: ['loud'] } }, '/route/severities/0'],
      [{ name: 'x', kind: 'email', email: { to: ['a@b.c'] }, maxPerHour: 0 }, '/maxPerHour'],
      [{ name: 'x', kind: 'sms' }, '/kind'],
      [{ name: '', kind: 'email', email: { to: ['a@b.c'] } }, '/name'],
      [{ name: 'x', kind: 'email', email: { to: ['a@b.c'] }, __proto__: { polluted: true }, extra: 1 }, '/extra'],
      ['{"name":', ''],
      [[], ''],
    ];
    for (const [body, path] of cases) {
      const r = await call('POST', '/v1/notifications/destinations', body);
      expect(r.statusCode, `${JSON.stringify(body)}: ${r.body}`).toBe(400);
      expectErrorShape(r.json());
      if (path) expect(r.body, JSON.stringify(body)).toContain(path);
    }
    expect((await call('GET', '/v1/notifications/destinations/__proto__')).statusCode).toBe(400);
    expect((await call('GET', '/v1/notifications/destinations/d000000000000')).statusCode).toBe(404);
    expect((await call('GET', '/v1/notifications/deliveries?limit=0')).statusCode).toBe(400);
    expect((await call('GET', '/v1/notifications/deliveries?state=lost')).statusCode).toBe(400);
    for (const key of ['a%00b', '..%2F..%2Fetc', '%E2%80%AE', 'x'.repeat(401)]) expect((await call('POST', `/v1/notifications/deliveries/${key}/replay`)).statusCode, key).toBe(400);
    expect((await call('DELETE', `/v1/notifications/destinations/${hookId}`)).statusCode).toBe(204);
    expect((await call('GET', '/v1/notifications/destinations')).json().items).toEqual([]);
  });
});
