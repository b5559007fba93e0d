/**
 * Issue #12's "done when", through `ccpulse start`: alerts raised by a scenario reach a webhook, a
 * Telegram chat (a Bot API stand-in) and an email address (an SMTP server) within 2 s; the server is
 * killed (kill -9) while deliveries are in flight, started again on the same data, and every message
 * arrives: none lost, the webhook's none twice (its receiver drops a repeated Idempotency-Key), and the
 * others at most the one that was on the wire at the kill.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, verifySignature } from '../notify/channels/webhook.js';
import { ServerProcess } from '../testing/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'ccpulse-notify-kill-'));
const SECRET = 'kill-test-webhook-secret';
const QUEUES = ['q1', 'q2', 'q3', 'q4', 'q5', 'q6'];

/** What each endpoint took: webhook keys as the receiver took them (a repeat is dropped, and counted). */
const hook = { keys: new Set<string>(), repeats: 0, first: new Map<string, number>(), holdMs: 0 };
const bot: Array<{ text: string; at: number }> = [];
const mails: Array<{ subject: string; at: number }> = [];
let botHoldMs = 0;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  const webhook = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (verifySignature(SECRET, req.headers[SIGNATURE_HEADER] as string, body, Math.floor(Date.now() / 1000))) return res.writeHead(401).end();
      const key = req.headers[IDEMPOTENCY_HEADER] as string;
      // a receiver that takes each key once, and is slow to answer (so a kill finds deliveries in flight)
      if (hook.keys.has(key)) hook.repeats++;
      else {
        hook.keys.add(key);
        hook.first.set(key, Date.now());
      }
      setTimeout(() => res.end(), hook.holdMs);
    });
  });
  const telegram = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.url !== '/botKILL-TEST-TOKEN/sendMessage') return res.writeHead(401, { 'content-type': 'application/json' }).end('{"ok":false,"description":"Unauthorized"}');
      bot.push({ text: JSON.parse(body).text, at: Date.now() });
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"result":{"message_id":1}}'), botHoldMs);
    });
  });
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _s, cb) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString('utf8')));
      stream.on('end', () => {
        mails.push({ subject: /^Subject: (.*)$/m.exec(data)?.[1] ?? '', at: Date.now() });
        cb();
      });
    },
  });
  for (const s of [webhook, telegram]) {
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => { s.closeAllConnections(); s.close(() => r()); }));
  }
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => smtp.close(() => r())));
  ports.webhook = (webhook.address() as AddressInfo).port;
  ports.telegram = (telegram.address() as AddressInfo).port;
  ports.smtp = (smtp.server.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const c of closers) await c();
  rmSync(dir, { recursive: true, force: true });
});
const ports = { webhook: 0, telegram: 0, smtp: 0 };

const until = async <T>(what: string, fn: () => T | undefined | false, ms = 20_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

it('delivers alerts to all three channels within 2 s, and after a kill -9 mid-delivery, each once more at most, none lost', async () => {
  // alerts raised at once (no 30-s wait for a condition to hold), as a scenario's would be after it
  const config = join(dir, 'ccpulse.config.json');
  writeFileSync(config, JSON.stringify({ recommend: { lifecycle: { raiseAfterSec: 0, clearAfterSec: 600, minOpenSec: 600 } } }));
  const s = await ServerProcess.start({
    dataDir: join(dir, 'data'),
    args: ['--config', config],
    env: { CCPULSE_SMTP_URL: `smtp://127.0.0.1:${ports.smtp}?starttls=off`, CCPULSE_TELEGRAM_API_URL: `http://127.0.0.1:${ports.telegram}`, CCPULSE_PUBLIC_URL: 'http://cc.example/' },
  });
  try {
    const made = await Promise.all([
      s.post('/v1/notifications/destinations', { name: 'hook', kind: 'webhook', webhook: { url: `http://127.0.0.1:${ports.webhook}/in`, secret: SECRET }, maxPerHour: 100, route: { kinds: ['long-wait'] } }),
      s.post('/v1/notifications/destinations', { name: 'chat', kind: 'telegram', telegram: { chatId: '-100', botToken: 'KILL-TEST-TOKEN' }, maxPerHour: 100, route: { kinds: ['long-wait'] } }),
      s.post('/v1/notifications/destinations', { name: 'head', kind: 'email', email: { to: ['head@cc.example'] }, maxPerHour: 100, route: { kinds: ['long-wait'] } }),
    ]);
    for (const m of made) expect(m.status, JSON.stringify(m.body)).toBe(201);

    // 1. one call waiting 400 s on q1: a critical long-wait alert, everywhere within 2 s
    const now = Date.now();
    const waiting = (q: string, secAgo: number) => [
      { id: `${q}:n`, type: 'APPEAL_NEW', ts: new Date(now - secAgo * 1000).toISOString(), appealId: `${q}-w`, queue: q, channel: 'voice' },
      { id: `${q}:s`, type: 'APPEAL_SENT_DISTRIBUTION', ts: new Date(now - secAgo * 1000).toISOString(), appealId: `${q}-w`, queue: q, channel: 'voice' },
    ];
    const sent = Date.now();
    expect((await s.post('/v1/events', waiting('q1', 400))).status).toBe(202);
    await until('q1 on all three', () => [...hook.keys].length >= 1 && bot.some((b) => b.text.includes('q1')) && mails.some((m) => m.subject.includes('q1')));
    const firstHook = Math.min(...hook.first.values());
    const firstBot = bot.find((b) => b.text.includes('q1'))!.at;
    const firstMail = mails.find((m) => m.subject.includes('q1'))!.at;
    expect(Math.max(firstHook, firstBot, firstMail) - sent, 'from the event to the last of the three').toBeLessThan(2_000);

    // 2. five more alerts while the webhook and the bot hold their answers: kill -9 with deliveries on the wire
    hook.holdMs = 1_500;
    botHoldMs = 1_500;
    expect((await s.post('/v1/events', QUEUES.slice(1).flatMap((q) => waiting(q, 400)))).status).toBe(202);
    await until('deliveries in flight', () => hook.keys.size >= 2 && bot.length >= 2);
    await s.crash();
    const onTheWire = { hook: hook.keys.size, bot: bot.length };
    hook.holdMs = 0;
    botHoldMs = 0;
    await s.restart();

    // 3. every alert arrives on every channel
    const want = QUEUES.length;
    await until('all alerts on the webhook', () => hook.keys.size >= want, 30_000);
    await until('all alerts in the chat', () => new Set(bot.map((b) => /long-wait|Long wait: (q\d)/.exec(b.text)?.[1] ?? b.text.split('\n')[0])).size >= want, 30_000);
    await until('all alerts by email', () => new Set(mails.map((m) => m.subject)).size >= want, 30_000);
    // a little longer: nothing more comes
    await new Promise((r) => setTimeout(r, 2_500));
    expect(hook.keys.size).toBe(want);
    for (const q of QUEUES) {
      expect(bot.filter((b) => b.text.split('\n')[0].endsWith(`${q} · voice`)).length, `${q} in the chat`).toBeGreaterThanOrEqual(1);
      expect(mails.filter((m) => m.subject.includes(q)).length, `${q} by email`).toBeGreaterThanOrEqual(1);
    }
    // at most the messages on the wire at the kill were sent again (their outcome was not stored)
    expect(bot.length - want).toBeLessThanOrEqual(onTheWire.bot);
    expect(mails.length - want).toBeLessThanOrEqual(1);
    const deliveries = (await s.get('/v1/notifications/deliveries?limit=100')).body.items as Array<{ state: string; event: string }>;
    expect(deliveries.filter((d) => d.event === 'open').map((d) => d.state)).toEqual(Array(3 * want).fill('sent'));
    expect(onTheWire.hook).toBeGreaterThanOrEqual(2);
    // the delivery on the wire at the kill was sent again after the restart, under its key, and dropped as a repeat
    expect(hook.repeats).toBeGreaterThanOrEqual(1);
  } finally {
    await s.stop();
  }
}, 180_000);
