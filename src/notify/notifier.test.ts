/**
 * The notifier on the embedded store, delivering to local endpoints that speak the real protocols (a
 * webhook receiver checking signatures, a Bot API stand-in, an SMTP server): a change saved reaches all
 * three; a restart sends nothing twice; failures are retried, then dead and replayable; routing, quiet
 * hours, the hourly cap and escalation hold.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openPgliteStorage } from '../storage/pglite/index.js';
import type { Storage, StoredRecommendation } from '../storage/storage.js';
import { DEFAULT_ROUTE, type Destination } from './destination.js';
import { Notifier } from './notifier.js';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, verifySignature } from './channels/webhook.js';
import { parseSmtpUrl } from './channels/email.js';

const SECRET = 'a-webhook-secret-of-some-length';

interface Hit {
  key: string;
  body: { id: string; event: string; item: { id: string } | null; message: { title: string } };
}

describe('the notifier', () => {
  let storage: Storage;
  let webhookUrl = '';
  let botUrl = '';
  let smtpPort = 0;
  let webhookStatus = 200;
  const hooks: Hit[] = [];
  const bot: Array<{ chat_id: string; text: string }> = [];
  const mails: string[] = [];
  const servers: Array<() => Promise<void>> = [];
  let clock = Date.UTC(2026, 11, 1, 12, 0, 0);
  let num = 0;

  const listen = async (handler: (body: string, req: http.IncomingMessage, res: http.ServerResponse) => void) => {
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => handler(body, req, res));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push(() => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  beforeAll(async () => {
    storage = await openPgliteStorage({});
    webhookUrl = await listen((body, req, res) => {
      // the receiver: refuses a bad signature, takes each key once
      const problem = verifySignature(SECRET, req.headers[SIGNATURE_HEADER] as string, body, Math.floor(clock / 1000));
      if (problem) return res.writeHead(401).end(problem);
      if (webhookStatus !== 200) return res.writeHead(webhookStatus).end();
      hooks.push({ key: req.headers[IDEMPOTENCY_HEADER] as string, body: JSON.parse(body) });
      res.end();
    });
    botUrl = await listen((body, req, res) => {
      if (req.url !== '/botBOT-TOKEN-123/sendMessage') return res.writeHead(401, { 'content-type': 'application/json' }).end('{"ok":false,"error_code":401,"description":"Unauthorized"}');
      bot.push(JSON.parse(body));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"result":{"message_id":1}}');
    });
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _s, cb) {
        let data = '';
        stream.on('data', (c: Buffer) => (data += c.toString('utf8')));
        stream.on('end', () => {
          mails.push(data);
          cb();
        });
      },
      logger: false,
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    smtpPort = (smtp.server.address() as AddressInfo).port;
    servers.push(() => new Promise((r) => smtp.close(() => r())));
  });
  afterAll(async () => {
    for (const close of servers) await close();
    await storage.close();
  });
  beforeEach(() => {
    hooks.length = 0;
    bot.length = 0;
    mails.length = 0;
    webhookStatus = 200;
  });

  const notifier = () =>
    new Notifier({
      storage, publicUrl: 'http://cc.example/', timeZone: 'UTC', telegramApiUrl: botUrl,
      smtp: parseSmtpUrl(`smtp://127.0.0.1:${smtpPort}?starttls=off`, 'ccpulse@cc.example'),
      now: () => clock, random: () => 0, sendTimeoutMs: 2000,
    });
  const dest = (over: Partial<Destination>): Destination => ({ id: 'x', tenant: 'acme', name: 'x', kind: 'webhook', enabled: true, lang: 'en', route: { ...DEFAULT_ROUTE }, maxPerHour: 30, updatedAt: clock, ...over });
  const item = (over: Partial<StoredRecommendation> = {}): StoredRecommendation => ({
    tenant: 'acme', num: ++num + 1000, key: 'staffing-add:billing:voice', kind: 'staffing-add', state: 'open', severity: 'critical',
    reason: 'billing voice: add 3 operators now', data: { add: 3, required: 9, available: 6 }, openedAt: clock, updatedAt: clock, ...over,
  });
  const raise = (i: StoredRecommendation) => storage.saveRecommendations([{ item: i, from: null, to: 'open', at: i.openedAt }]);

  it('delivers an item raised to a webhook, a Telegram chat and an email address, each once, and nothing again after a restart', async () => {
    const n = notifier();
    await n.start();
    await n.create(dest({ id: 'hook', name: 'ops webhook', webhook: { url: `${webhookUrl}/in`, secret: SECRET } }));
    await n.create(dest({ id: 'tg', name: 'duty chat', kind: 'telegram', lang: 'ru', telegram: { chatId: '-1001', botToken: 'BOT-TOKEN-123' } }));
    await n.create(dest({ id: 'mail', name: 'head', kind: 'email', email: { to: ['head@cc.example'] } }));
    const it1 = item();
    await raise(it1);
    await n.flush();
    expect(hooks.map((h) => h.key)).toEqual([`r${it1.num}.open.hook`]);
    expect(hooks[0].body).toMatchObject({ id: `r${it1.num}.open.hook`, event: 'open', item: { id: `r${it1.num}` }, message: { title: 'Critical · Add operators: billing · voice' } });
    expect(bot).toEqual([{ chat_id: '-1001', text: expect.stringMatching(/^Критично · Добавьте операторов: billing · голос\n/), disable_web_page_preview: true }]);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toContain('To: head@cc.example');
    const sent = await storage.listDeliveries({ tenant: 'acme', limit: 10 });
    expect(sent.map((d) => [d.destination, d.state, d.attempts]).sort()).toEqual([['hook', 'sent', 1], ['mail', 'sent', 1], ['tg', 'sent', 1]]);
    await n.stop();
    // a restart on the same store: routed and sent already, nothing goes again
    const again = notifier();
    await again.start();
    await again.flush();
    expect([hooks.length, bot.length, mails.length]).toEqual([1, 1, 1]);
    // an acknowledgement notifies nobody; the resolution does
    const acked = { ...it1, state: 'acknowledged' as const, acknowledgedAt: clock };
    const resolved = { ...acked, state: 'resolved' as const, resolvedAt: clock + 60_000 };
    await storage.saveRecommendations([{ item: acked, from: 'open', to: 'acknowledged', at: clock }, { item: resolved, from: 'acknowledged', to: 'resolved', at: clock + 60_000 }]);
    await again.flush();
    expect(hooks.map((h) => h.key)).toEqual([`r${it1.num}.open.hook`, `r${it1.num}.resolved.hook`]);
    await again.stop();
    for (const id of ['hook', 'tg', 'mail']) await again.remove('acme', id);
  });

  it('retries a failing endpoint with backoff, gives up after the attempts, and replays a dead delivery', async () => {
    const n = notifier();
    await n.start();
    await n.create(dest({ id: 'flaky', webhook: { url: webhookUrl, secret: SECRET } }));
    webhookStatus = 503;
    const it2 = item();
    await raise(it2);
    await n.flush();
    let d = (await storage.getDelivery('acme', `r${it2.num}.open.flaky`))!;
    expect(d).toMatchObject({ state: 'pending', attempts: 1, lastError: 'webhook: HTTP 503' });
    for (let i = 0; i < 10; i++) {
      clock += 20 * 60_000;
      await n.flush();
    }
    d = (await storage.getDelivery('acme', d.key))!;
    expect(d).toMatchObject({ state: 'dead', attempts: 8 });
    expect((await storage.listDeliveries({ tenant: 'acme', state: 'dead', limit: 10 })).map((x) => x.key)).toContain(d.key);
    webhookStatus = 200;
    expect(await n.replay('acme', d.key)).toMatchObject({ state: 'pending', attempts: 0 });
    expect(await n.replay('other-tenant', d.key)).toBeNull();
    await n.flush();
    expect((await storage.getDelivery('acme', d.key))!.state).toBe('sent');
    expect(hooks.map((h) => h.key)).toEqual([d.key]);
    expect(await n.replay('acme', d.key)).toBeNull(); // sent: nothing to replay
    await n.stop();
    await n.remove('acme', 'flaky');
  });

  it('routes by severity and queue, holds all but critical items through quiet hours, caps an hour, and escalates what stays unacknowledged', async () => {
    // (a tenant of its own: the items other tests left open are not escalated here)
    clock = Date.UTC(2026, 11, 1, 12, 0, 0);
    const n = notifier();
    await n.start();
    await n.create(dest({ tenant: 'zeta', id: 'sales-only', route: { ...DEFAULT_ROUTE, queues: ['sales'] }, webhook: { url: webhookUrl, secret: SECRET } }));
    await n.create(dest({ tenant: 'zeta', id: 'night', quietHours: { from: '11:00', to: '13:00' }, maxPerHour: 2, escalateAfterMin: 10, webhook: { url: webhookUrl, secret: SECRET } }));
    const warning = item({ tenant: 'zeta', severity: 'warning', key: 'long-wait:billing:voice', kind: 'long-wait' });
    const critical = item({ tenant: 'zeta' });
    const info = item({ tenant: 'zeta', severity: 'info' });
    for (const i of [warning, critical, info]) await raise(i);
    await n.flush();
    // 12:xx is inside 11:00–13:00: only the critical one goes to "night"; none is about sales
    expect(hooks.map((h) => h.key)).toEqual([`r${critical.num}.open.night`]);
    expect((await storage.getDelivery('zeta', `r${warning.num}.open.night`))!.nextAt).toBe(Date.UTC(2026, 11, 1, 13, 0, 0));
    expect(await storage.getDelivery('zeta', `r${info.num}.open.night`)).toBeNull();
    // unacknowledged ten minutes on: escalated, once
    clock += 10 * 60_000;
    await n.flush();
    clock += 20_000;
    await n.flush();
    expect(hooks.map((h) => h.key)).toEqual([`r${critical.num}.open.night`, `r${critical.num}.escalated.night`]);
    // past the quiet hours, the held warning would be the third message this hour: it waits for room
    clock = Date.UTC(2026, 11, 1, 13, 0, 30);
    const later = item({ tenant: 'zeta', severity: 'warning', key: 'abandon-high:sales:voice', kind: 'abandon-high' });
    await raise(later);
    await n.flush();
    const sentNow = hooks.slice(2).map((h) => h.key).sort();
    expect(sentNow).toEqual([`r${later.num}.open.sales-only`, `r${warning.num}.open.night`].sort());
    const held = (await storage.getDelivery('zeta', `r${later.num}.open.night`))!;
    expect(held).toMatchObject({ state: 'pending', attempts: 0, lastError: 'held: 2 messages an hour sent' });
    expect(held.nextAt).toBeGreaterThan(clock);
    await n.stop();
    await n.remove('zeta', 'sales-only');
    await n.remove('zeta', 'night');
  });

  it('collects all but critical items into a digest sent on the clock, one message for the lot', async () => {
    clock = Date.UTC(2026, 11, 1, 12, 10, 0);
    const n = notifier();
    await n.start();
    await n.create(dest({ tenant: 'digest', id: 'hourly', digestMin: 60, webhook: { url: webhookUrl, secret: SECRET } }));
    const w1 = item({ tenant: 'digest', severity: 'warning', key: 'long-wait:a:voice', kind: 'long-wait' });
    const w2 = item({ tenant: 'digest', severity: 'warning', key: 'abandon-high:b:voice', kind: 'abandon-high', data: { abandonPct: 12, thresholdPct: 10 } });
    const c = item({ tenant: 'digest' });
    for (const i of [w1, w2, c]) await raise(i);
    await n.flush();
    expect(hooks.map((h) => h.key)).toEqual([`r${c.num}.open.hourly`]); // the critical one at once
    expect((await storage.getDelivery('digest', `r${w1.num}.open.hourly`))!.nextAt).toBe(Date.UTC(2026, 11, 1, 13, 0, 0));
    clock = Date.UTC(2026, 11, 1, 13, 0, 5);
    await n.flush();
    expect(hooks).toHaveLength(2);
    const digest = hooks[1].body as unknown as { event: string; message: { title: string; text: string }; items: unknown[] };
    expect(hooks[1].key).toBe(`digest.r${w1.num}.open.hourly`);
    expect(digest.event).toBe('digest');
    expect(digest.items).toHaveLength(2);
    expect(digest.message.title).toBe('ccpulse: digest of 2');
    expect(digest.message.text.split('\n').slice(1, 3)).toEqual(['• Warning · Long wait: a · voice', '• Warning · High abandon: b · voice — 12 % abandoned (threshold 10 %)']);
    for (const i of [w1, w2]) expect((await storage.getDelivery('digest', `r${i.num}.open.hourly`))!.state).toBe('sent');
    await n.flush();
    expect(hooks).toHaveLength(2);
    await n.stop();
    await n.remove('digest', 'hourly');
  });

  it('keeps a hanging endpoint from holding up another destination, and the order of one item\'s messages', async () => {
    clock = Date.UTC(2026, 11, 2, 12, 0, 0);
    let hang = true;
    const slowUrl = await listen((_body, _req, res) => {
      if (!hang) res.end();
    });
    // (the slow endpoint's send times out after 5 s: the fast one's message must come well before)
    const n = new Notifier({ storage, publicUrl: 'http://cc.example/', timeZone: 'UTC', now: () => clock, random: () => 0, sendTimeoutMs: 5_000 });
    await n.start();
    await n.create(dest({ tenant: 'order', id: 'slow', webhook: { url: slowUrl, secret: SECRET } }));
    await n.create(dest({ tenant: 'order', id: 'fast', webhook: { url: webhookUrl, secret: SECRET } }));
    const first = item({ tenant: 'order' });
    await raise(first);
    const t0 = Date.now();
    n.kick();
    // the fast destination's message arrives while the slow one still waits for an answer
    for (let i = 0; i < 400 && !hooks.some((h) => h.key === `r${first.num}.open.fast`); i++) await new Promise((r) => setTimeout(r, 10));
    expect(hooks.map((h) => h.key)).toEqual([`r${first.num}.open.fast`]);
    expect(Date.now() - t0).toBeLessThan(4_000);
    await n.flush(); // the slow one times out: pending, tried again later
    expect(await storage.getDelivery('order', `r${first.num}.open.slow`)).toMatchObject({ state: 'pending', lastError: 'webhook: no answer in 5 s' });
    // the item resolves meanwhile: its resolution to the slow destination waits for the opening
    const resolved = { ...first, state: 'resolved' as const, resolvedAt: clock };
    await storage.saveRecommendations([{ item: resolved, from: 'open', to: 'resolved', at: clock }]);
    await n.flush();
    expect(await storage.getDelivery('order', `r${first.num}.resolved.slow`)).toMatchObject({ state: 'pending', lastError: "held: the item's opening message goes first" });
    hang = false;
    clock += 60 * 60_000;
    await n.flush();
    await n.flush();
    const [opened, closed] = await Promise.all(['open', 'resolved'].map((e) => storage.getDelivery('order', `r${first.num}.${e}.slow`)));
    expect([opened!.state, closed!.state]).toEqual(['sent', 'sent']);
    expect(opened!.sentAt!).toBeLessThanOrEqual(closed!.sentAt!);
    await n.stop();
  });

  it('tells a rise to critical to those who take only critical items, drops an escalation once acknowledged, and sends nothing to a disabled destination', async () => {
    clock = Date.UTC(2026, 11, 2, 14, 0, 0);
    const n = notifier();
    await n.start();
    await n.create(dest({ tenant: 'rise', id: 'crit', route: { ...DEFAULT_ROUTE, severities: ['critical'] }, escalateAfterMin: 5, maxPerHour: 1, webhook: { url: webhookUrl, secret: SECRET } }));
    const w = item({ tenant: 'rise', severity: 'warning', key: 'long-wait:q:voice', kind: 'long-wait' });
    await raise(w);
    await n.flush();
    expect(hooks).toEqual([]);
    const worse = { ...w, severity: 'critical' as const, updatedAt: clock };
    await storage.saveRecommendations([{ item: worse, from: 'open', to: 'open', at: clock }]);
    await n.flush();
    expect(hooks.map((h) => h.key)).toEqual([`r${w.num}.raised-critical.crit`]);
    expect(hooks[0].body.message.title).toBe('Severity up · Critical · Long wait: q · voice');
    // five minutes on, unacknowledged: an escalation is due, but the cap (1 an hour) holds it; then it is acknowledged
    clock += 5 * 60_000 + 1;
    await n.flush();
    expect((await storage.getDelivery('rise', `r${w.num}.escalated.crit`))!.lastError).toBe('held: 1 messages an hour sent');
    await storage.saveRecommendations([{ item: { ...worse, state: 'acknowledged', acknowledgedAt: clock }, from: 'open', to: 'acknowledged', at: clock }]);
    await n.flush();
    expect(await storage.getDelivery('rise', `r${w.num}.escalated.crit`)).toMatchObject({ state: 'dead', lastError: 'not sent: the item was acknowledged first' });
    // disabled: what is pending for it is not sent (dead, replayable once enabled again)
    const d = n.get('rise', 'crit')!;
    await n.create({ ...d, enabled: false, route: { ...d.route, events: ['open', 'escalated', 'resolved'] } });
    webhookStatus = 503;
    const c2 = item({ tenant: 'rise' });
    await n.create({ ...d, maxPerHour: 100 });
    await raise(c2);
    await n.flush();
    await n.create({ ...d, maxPerHour: 100, enabled: false });
    webhookStatus = 200;
    clock += 60_000;
    await n.flush();
    expect(await storage.getDelivery('rise', `r${c2.num}.open.crit`)).toMatchObject({ state: 'dead', lastError: 'the destination is disabled (send it again once it is enabled)' });
    expect(hooks).toHaveLength(1);
    await n.stop();
  });

  it('sends a digest\'s members under one key with one content on every retry; what came after goes in the next', async () => {
    clock = Date.UTC(2026, 11, 2, 16, 10, 0);
    const n = notifier();
    await n.start();
    await n.create(dest({ tenant: 'dig2', id: 'd', digestMin: 5, webhook: { url: webhookUrl, secret: SECRET } }));
    const a = item({ tenant: 'dig2', severity: 'warning', key: 'long-wait:a:voice', kind: 'long-wait' });
    const b = item({ tenant: 'dig2', severity: 'warning', key: 'long-wait:b:voice', kind: 'long-wait' });
    await raise(a);
    await raise(b);
    await n.flush();
    clock = Date.UTC(2026, 11, 2, 16, 15, 1);
    webhookStatus = 503;
    await n.flush(); // the digest of a and b fails
    const c = item({ tenant: 'dig2', severity: 'warning', key: 'long-wait:c:voice', kind: 'long-wait' });
    await raise(c);
    webhookStatus = 200;
    clock = Date.UTC(2026, 11, 2, 16, 25, 0);
    await n.flush(); // a and b again; c, routed now, waits for 16:30
    clock = Date.UTC(2026, 11, 2, 16, 30, 5);
    await n.flush();
    const digests = hooks.map((h) => [h.key, (h.body as unknown as { items: Array<{ item: { id: string } }> }).items.map((x) => x.item.id)]);
    expect(digests).toEqual([
      [`digest.r${a.num}.open.d`, [`r${a.num}`, `r${b.num}`]],
      [`digest.r${c.num}.open.d`, [`r${c.num}`]],
    ]);
    await n.stop();
  });

  it('keeps the bot\'s token out of an error an endpoint echoes', async () => {
    const echo = await listen((_body, req, res) => res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, description: `Bad Request: no chat at ${req.url}` })));
    const n = new Notifier({ storage, publicUrl: 'http://h/', timeZone: 'UTC', telegramApiUrl: echo, now: () => clock });
    await n.start();
    const tg = dest({ tenant: 'tok', id: 'tg', kind: 'telegram', telegram: { chatId: '1', botToken: 'SECRET:TOKEN/123' } });
    await n.create(tg);
    const r = await n.test(tg, 'x');
    expect(r.lastError).toContain('[secret]');
    expect(r.lastError).not.toContain('TOKEN');
    await n.stop();
  });

  it('sends a test message at once and says how it went; a removed destination\'s deliveries die', async () => {
    const n = notifier();
    await n.start();
    const tg = dest({ id: 'tg2', kind: 'telegram', name: 'Дежурные', lang: 'ru', telegram: { chatId: '42', botToken: 'BOT-TOKEN-123' } });
    await n.create(tg);
    expect(await n.test(tg, 't1')).toMatchObject({ state: 'sent', event: 'test' });
    expect(bot[0].text).toMatch(/^ccpulse: проверка уведомлений\nЭто проверочное сообщение для «Дежурные»/);
    const wrong = dest({ id: 'tg3', kind: 'telegram', telegram: { chatId: '42', botToken: 'WRONG-TOKEN' } });
    await n.create(wrong);
    const failed = await n.test(wrong, 't2');
    expect(failed).toMatchObject({ state: 'dead', lastError: 'telegram: Unauthorized' });
    await n.flush();
    expect(bot).toHaveLength(1); // the loop sends neither again
    const gone = item();
    await raise(gone);
    await n.remove('acme', 'tg2');
    await n.remove('acme', 'tg3');
    await n.flush();
    expect(bot).toHaveLength(1);
    await n.stop();
  });
});
