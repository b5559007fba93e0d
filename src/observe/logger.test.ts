import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { capturingLogger } from '../testing/capture-log.js';
import { maskUrlPassword, MAX_REQUEST_ID, requestIdOf } from './logger.js';

describe('the process logger', () => {
  it('redacts keys, secrets, tokens, passwords and credentials in URLs, wherever they stand in a logged object', () => {
    for (const format of ['json', 'ecs'] as const) {
      const { log, raw, lines } = capturingLogger(format);
      log.info(
        {
          apiKey: 'k-top-level',
          headers: { authorization: 'Bearer k-bearer', 'x-api-key': 'k-header' },
          destination: { id: 'ops', kind: 'webhook', secret: 'whsec-1', url: 'https://hooks.example/x' },
          telegram: { botToken: '123:bot-token' },
          user: { password: 'pw-1', token: 'tok-1' },
          config: { smtpUrl: 'smtp://mailer:smtp-pass@relay.example:587', postgresUrl: 'postgres://ccp:pg-pass@db:5432/ccp', apiKeys: { 'k-in-config': 'acme' } },
        },
        'with secrets',
      );
      const text = raw.join('\n');
      for (const secret of ['k-top-level', 'k-bearer', 'k-header', 'whsec-1', 'bot-token', 'pw-1', 'tok-1', 'smtp-pass', 'pg-pass', 'k-in-config']) expect(text, `${format}: ${secret}`).not.toContain(secret);
      const [line] = lines;
      // what is not secret stays, and a URL keeps its host (only the password goes)
      expect(line.destination).toEqual({ id: 'ops', kind: 'webhook', secret: '[redacted]', url: 'https://hooks.example/x' });
      expect((line.config as Record<string, unknown>).smtpUrl).toBe('smtp://mailer:***@relay.example:587');
      expect((line.headers as Record<string, unknown>).authorization).toBe('[redacted]');
    }
  });

  it('shows a request without its headers and without ?apiKey= in the URL', () => {
    const { log, raw } = capturingLogger();
    log.info({ req: { method: 'GET', url: '/v1/stream?apiKey=k-query&tenant=x', headers: { authorization: 'Bearer k-bearer' }, socket: {} } }, 'a request');
    expect(raw[0]).not.toContain('k-query');
    expect(raw[0]).not.toContain('k-bearer');
    expect(raw[0]).toContain('/v1/stream?apiKey=***&tenant=x');
  });

  it('writes ECS lines: @timestamp, log.level, ecs.version, message, the error as error.*, the request id as http.request.id', () => {
    const { log, lines } = capturingLogger('ecs');
    log.info({ day: '2026-11-20' }, 'archived a day');
    log.child({ reqId: 'req-7' }).error({ err: new Error('boom') }, 'request failed');
    const [info, error] = lines;
    expect(info).toMatchObject({ 'log.level': 'info', message: 'archived a day', 'service.name': 'ccpulse', day: '2026-11-20' });
    expect(typeof info['@timestamp']).toBe('string');
    expect(Number.isNaN(Date.parse(info['@timestamp'] as string))).toBe(false);
    expect(info['ecs.version']).toMatch(/^\d+\.\d+/);
    expect(info).not.toHaveProperty('msg');
    expect(info).not.toHaveProperty('level');
    expect(error).toMatchObject({ 'log.level': 'error', message: 'request failed', 'http.request.id': 'req-7', error: { type: 'Error', message: 'boom' } });
    expect(error['ecs.version']).toBe(info['ecs.version']);
  });

  it('writes pino JSON by default, and JSON (saying why) when pretty is asked for off a terminal', () => {
    const { log, lines } = capturingLogger('json');
    log.info('hello');
    expect(lines[0]).toMatchObject({ level: 30, msg: 'hello', service: 'ccpulse' });
    const pretty = capturingLogger('pretty');
    pretty.log.info('hello');
    expect(pretty.lines.map((l) => l.msg)).toEqual(['pretty logs go to a terminal only; writing JSON', 'hello']);
  });

  it('masks only the password of a URL, and hides text that is not one', () => {
    expect(maskUrlPassword('clickhouse://default:ch-pass@ch:8123/db')).toBe('clickhouse://default:***@ch:8123/db');
    expect(maskUrlPassword('https://x.example/hook?token=abc&q=1')).toBe('https://x.example/hook?token=***&q=1');
    expect(maskUrlPassword('user:secret@host')).toBe('[redacted]');
  });
});

describe('request ids', () => {
  const req = (id?: string | string[]) => ({ headers: id === undefined ? {} : { 'x-request-id': id } }) as unknown as IncomingMessage;
  it('takes a sane x-request-id as it is', () => {
    expect(requestIdOf(req('abc-123'))).toBe('abc-123');
    expect(requestIdOf(req('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'))).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(requestIdOf(req('x'.repeat(MAX_REQUEST_ID)))).toBe('x'.repeat(MAX_REQUEST_ID));
  });
  it('makes a new one for a missing, empty, overlong, repeated or unprintable one', () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    for (const bad of [undefined, '', 'x'.repeat(MAX_REQUEST_ID + 1), 'has space', 'line\nbreak', 'tab\t', 'ünicode', '\u0000', ['a', 'b']]) {
      expect(requestIdOf(req(bad as string | undefined)), JSON.stringify(bad)).toMatch(uuid);
    }
  });
});

describe('withoutKey', () => {
  it('masks every spelling of the apiKey parameter the query parser would take as it', async () => {
    const { withoutKey } = await import('./logger.js');
    expect(withoutKey('/v1/live?apiKey=SECRET&x=1')).toBe('/v1/live?apiKey=***&x=1');
    expect(withoutKey('/v1/live?x=1&apiKe%79=SECRET')).toBe('/v1/live?x=1&apiKe%79=***');
    expect(withoutKey('/v1/live?APIKEY=SECRET#frag')).toBe('/v1/live?APIKEY=***#frag');
    expect(withoutKey('/v1/live?%zz=1&apikey')).toBe('/v1/live?%zz=1&apikey=***');
    expect(withoutKey('/v1/live')).toBe('/v1/live');
  });
});
