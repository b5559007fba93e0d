/**
 * The three channels against local endpoints that speak their real protocols: an HTTP receiver that
 * checks the webhook's signature, a stand-in for Telegram's Bot API, and an SMTP server (smtp-server,
 * with STARTTLS and AUTH). Successes, refusals, endpoints that are down or slow, and what each failure
 * is classed as (tried again, or dead at once).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryError } from './delivery-error.js';
import { parseSmtpUrl, sendEmail } from './email.js';
import { sendTelegram } from './telegram.js';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, sendWebhook, signatureHeader, verifySignature } from './webhook.js';

/** An HTTP server whose answer each test sets; it records what it was sent. */
async function receiver() {
  const got: Array<{ url: string; headers: http.IncomingHttpHeaders; body: string }> = [];
  let answer: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void = (_req, _body, res) => res.end('ok');
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ url: req.url ?? '', headers: req.headers, body });
      answer(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    got,
    answer: (fn: typeof answer) => (answer = fn),
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

const failure = async (p: Promise<unknown>): Promise<DeliveryError> => {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(DeliveryError);
    return err as DeliveryError;
  }
  throw new Error('the send did not fail');
};

describe('webhook', () => {
  let r: Awaited<ReturnType<typeof receiver>>;
  beforeAll(async () => (r = await receiver()));
  afterAll(() => r.close());

  it('posts the payload as JSON, signed over its timestamp and body, with the delivery\'s idempotency key', async () => {
    r.answer((_req, _b, res) => res.end());
    await sendWebhook({ url: `${r.url}/hook`, secret: 's3cret' }, { item: { num: 1 }, text: 'Привет' }, 'r1:open:dest-1');
    const last = r.got.at(-1)!;
    expect(last.headers['content-type']).toBe('application/json');
    expect(last.headers[IDEMPOTENCY_HEADER]).toBe('r1:open:dest-1');
    expect(JSON.parse(last.body)).toEqual({ item: { num: 1 }, text: 'Привет' });
    const now = Math.floor(Date.now() / 1000);
    expect(verifySignature('s3cret', last.headers[SIGNATURE_HEADER] as string, last.body, now)).toBeNull();
    // a receiver refuses another secret, a changed body, an old timestamp
    expect(verifySignature('other', last.headers[SIGNATURE_HEADER] as string, last.body, now)).toBe('signature does not match');
    expect(verifySignature('s3cret', last.headers[SIGNATURE_HEADER] as string, last.body.replace('1', '2'), now)).toBe('signature does not match');
    expect(verifySignature('s3cret', last.headers[SIGNATURE_HEADER] as string, last.body, now + 301)).toMatch(/replay/);
    expect(verifySignature('s3cret', signatureHeader('s3cret', now - 1000, last.body), last.body, now)).toMatch(/replay/);
    expect(verifySignature('s3cret', 't=x,v1=zz', last.body, now)).toBe('no timestamp');
    expect(verifySignature('s3cret', undefined, last.body, now)).toBe('no signature');
  });

  it('classes failures: 5xx and 429 (with its Retry-After) are tried again, another 4xx is dead at once', async () => {
    r.answer((_req, _b, res) => res.writeHead(503).end());
    expect(await failure(sendWebhook({ url: r.url, secret: 's' }, {}, 'k'))).toMatchObject({ permanent: false, message: 'webhook: HTTP 503' });
    r.answer((_req, _b, res) => res.writeHead(429, { 'retry-after': '7' }).end());
    expect(await failure(sendWebhook({ url: r.url, secret: 's' }, {}, 'k'))).toMatchObject({ permanent: false, retryAfterMs: 7000 });
    r.answer((_req, _b, res) => res.writeHead(410).end());
    expect(await failure(sendWebhook({ url: r.url, secret: 's' }, {}, 'k'))).toMatchObject({ permanent: true });
    // a redirect is not followed (the signed body would go somewhere not configured), nor tried again
    r.answer((_req, _b, res) => res.writeHead(302, { location: 'http://example.com/' }).end());
    expect(await failure(sendWebhook({ url: r.url, secret: 's' }, {}, 'k'))).toMatchObject({ permanent: true, message: 'webhook: the endpoint answered with a redirect: give its new address' });
  });

  it('gives up on a slow endpoint after the timeout, and on one that is down, to try again later', async () => {
    r.answer(() => {}); // never answers
    const t0 = Date.now();
    expect(await failure(sendWebhook({ url: r.url, secret: 's' }, {}, 'k', Date.now(), 300))).toMatchObject({ permanent: false, message: 'webhook: no answer in 0.3 s' });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect((await failure(sendWebhook({ url: 'http://127.0.0.1:9/', secret: 's' }, {}, 'k'))).permanent).toBe(false);
  });
});

describe('telegram', () => {
  let r: Awaited<ReturnType<typeof receiver>>;
  const TOKEN = '123456:ABC-secret/token?';
  beforeAll(async () => {
    r = await receiver();
  });
  afterAll(() => r.close());

  /** The Bot API as Telegram answers: {ok, result} or {ok: false, error_code, description, parameters}. */
  const botApi = (fail?: { status: number; description: string; retryAfter?: number }) =>
    r.answer((req, body, res) => {
      const path = decodeURIComponent(req.url ?? '');
      if (path !== `/bot${TOKEN}/sendMessage`) return res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: 404, description: 'Not Found' }));
      if (fail) return res.writeHead(fail.status, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: fail.status, description: fail.description, ...(fail.retryAfter ? { parameters: { retry_after: fail.retryAfter } } : {}) }));
      const m = JSON.parse(body) as { chat_id: string; text: string };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result: { message_id: 1, chat: { id: m.chat_id }, text: m.text } }));
    });

  it('sends the text to the chat through the bot, at the configured API address', async () => {
    botApi();
    await sendTelegram({ botToken: TOKEN, chatId: '-100200', apiUrl: `${r.url}/` }, 'Критично · SL 47 %');
    const sent = JSON.parse(r.got.at(-1)!.body);
    expect(sent).toEqual({ chat_id: '-100200', text: 'Критично · SL 47 %', disable_web_page_preview: true });
    // a text over the API's 4,096 characters is cut, not refused
    await sendTelegram({ botToken: TOKEN, chatId: '1', apiUrl: r.url }, 'x'.repeat(5000));
    expect(JSON.parse(r.got.at(-1)!.body).text).toHaveLength(4096);
  });

  it('waits as long as a 429 says, gives up on a chat or a token the API refuses, and never tells the token', async () => {
    botApi({ status: 429, description: 'Too Many Requests: retry after 3', retryAfter: 3 });
    expect(await failure(sendTelegram({ botToken: TOKEN, chatId: '1', apiUrl: r.url }, 'x'))).toMatchObject({ permanent: false, retryAfterMs: 3000 });
    botApi({ status: 400, description: 'Bad Request: chat not found' });
    expect(await failure(sendTelegram({ botToken: TOKEN, chatId: '1', apiUrl: r.url }, 'x'))).toMatchObject({ permanent: true, message: 'telegram: Bad Request: chat not found' });
    const wrongToken = await failure(sendTelegram({ botToken: 'wrong', chatId: '1', apiUrl: r.url }, 'x'));
    expect(wrongToken.permanent).toBe(true);
    const down = await failure(sendTelegram({ botToken: TOKEN, chatId: '1', apiUrl: 'http://127.0.0.1:9' }, 'x'));
    expect(down.permanent).toBe(false);
    for (const e of [wrongToken, down]) expect(e.message).not.toContain('secret');
    botApi({ status: 502, description: 'Bad Gateway' });
    expect((await failure(sendTelegram({ botToken: TOKEN, chatId: '1', apiUrl: r.url }, 'x'))).permanent).toBe(false);
  });
});

describe('email', () => {
  const mails: Array<{ from: string; to: string[]; data: string }> = [];
  let rcptReply: { code: number; message: string } | null = null;
  let port = 0;
  const server = new SMTPServer({
    // STARTTLS with smtp-server's own self-signed certificate; AUTH only over TLS
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, cb) {
      if (auth.username === 'ccpulse' && auth.password === 'p@ss:w/rd') cb(null, { user: auth.username });
      else cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, cb) {
      if (rcptReply) cb(Object.assign(new Error(rcptReply.message), { responseCode: rcptReply.code }));
      else cb();
    },
    onData(stream, session, cb) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString('utf8')));
      stream.on('end', () => {
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((x) => x.address), data });
        cb();
      });
    },
    logger: false,
  });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const url = (auth = 'ccpulse:p%40ss%3Aw%2Frd@', q = 'selfSigned=1') => `smtp://${auth}127.0.0.1:${port}?${q}`;

  it('reads the relay from a URL: STARTTLS required by default, smtps for TLS from the start, the password decoded and never in an error', () => {
    expect(parseSmtpUrl('smtp://u:p%40@mail.example:2525?from=cc%40example.com', 'x@y')).toEqual({ host: 'mail.example', port: 2525, secure: false, starttls: 'required', user: 'u', pass: 'p@', from: 'cc@example.com', allowSelfSigned: false });
    expect(parseSmtpUrl('smtps://mail.example', 'ccpulse@localhost')).toMatchObject({ port: 465, secure: true, starttls: 'off', from: 'ccpulse@localhost' });
    expect(() => parseSmtpUrl('http://u:hunter2@h', 'x')).toThrow(/scheme http: is not/);
    expect(() => parseSmtpUrl('smtp://u:hunter2@h?starttls=maybe', 'x')).toThrow(/starttls must be/);
    try {
      parseSmtpUrl('smtp://u:hunter2@h?starttls=maybe', 'x');
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
  });

  it('sends over STARTTLS with AUTH, the subject and text in UTF-8, to every recipient, with a Message-ID made of the delivery key', async () => {
    await sendEmail(parseSmtpUrl(url(), 'ccpulse@cc.example'), { to: ['head@cc.example', 'duty@cc.example'], subject: 'Критично · Добавьте операторов: Billing', text: 'SL 47 %\nОткрыть: http://h/' }, 'r12:open:mail-1');
    const m = mails.at(-1)!;
    expect(m.from).toBe('ccpulse@cc.example');
    expect(m.to).toEqual(['head@cc.example', 'duty@cc.example']);
    expect(m.data).toMatch(/^Message-ID: <r12-open-mail-1@ccpulse>/m);
    expect(m.data).toMatch(/^Subject: =\?UTF-8\?/m); // encoded, as RFC 2047 asks
  });

  it('classes failures: wrong credentials and a 5xx refusal are dead at once, a 4xx and a relay that is down are tried again', async () => {
    expect(await failure(sendEmail(parseSmtpUrl(url('ccpulse:wrong@'), 'a@b'), { to: ['x@y'], subject: 's', text: 't' }, 'k'))).toMatchObject({ permanent: true });
    rcptReply = { code: 550, message: 'No such user' };
    expect((await failure(sendEmail(parseSmtpUrl(url(), 'a@b'), { to: ['x@y'], subject: 's', text: 't' }, 'k'))).permanent).toBe(true);
    rcptReply = { code: 451, message: 'Try again later' };
    expect((await failure(sendEmail(parseSmtpUrl(url(), 'a@b'), { to: ['x@y'], subject: 's', text: 't' }, 'k'))).permanent).toBe(false);
    rcptReply = null;
    expect((await failure(sendEmail(parseSmtpUrl('smtp://127.0.0.1:9?starttls=off', 'a@b'), { to: ['x@y'], subject: 's', text: 't' }, 'k'))).permanent).toBe(false);
  });

  it('refuses to send over a connection whose certificate no CA vouches for unless told to accept it', async () => {
    const e = await failure(sendEmail(parseSmtpUrl(url(undefined, ''), 'a@b'), { to: ['x@y'], subject: 's', text: 't' }, 'k', 3000));
    expect(e.message).toMatch(/certificate/i);
  });
});
