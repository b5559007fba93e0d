import net from 'node:net';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CcEvent, LoggedEvent } from '../contract/event.js';
import type { Storage } from '../storage/storage.js';
import { Engine } from '../stream/engine.js';
import { DEFAULT_CONFIG } from '../config/config.js';
import { buildApp } from './app.js';

/**
 * A log whose appends wait until the test opens the gate: the log is "slow" on demand, so the server is
 * over its admission deadline exactly when the test says. Everything else is the real app and engine.
 */
class GatedLog implements Storage {
  readonly backend = 'test';
  private rows: LoggedEvent[] = [];
  private gate: Promise<void> = Promise.resolve();
  private openGate = () => {};
  close = async () => {};
  hold(): void {
    this.gate = new Promise((r) => (this.openGate = r));
  }
  release(): void {
    this.openGate();
  }
  async append(events: ReadonlyArray<{ tenant: string; event: CcEvent }>): Promise<Array<number | null>> {
    await this.gate;
    return events.map(({ tenant, event }) => {
      if (this.rows.some((r) => r.tenant === tenant && r.id === event.id)) return null;
      this.rows.push({ ...event, tenant, seq: this.rows.length + 1 });
      return this.rows.length;
    });
  }
  async readLog(afterSeq: number, limit: number) {
    return this.rows.filter((r) => r.seq > afterSeq).slice(0, limit);
  }
  readEventsByTime = async () => [];
  loadCheckpoint = async () => null;
  commitCheckpoint = async () => {};
  loadSettled = async () => [];
  queryRollups = async () => [];
  qaLevels = async () => [];
  listDeadLetters = async () => [];
  getDeadLetter = async () => null;
  markDeadLettersReplayed = async () => {};
}

const events = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, type: 'OPERATOR_STATUS', ts: Date.now(), operatorId: `op-${i % 50}`, status: 'ready' }));

/** Raw HTTP/1.1 over one socket: what a client still sending its body sees, byte for byte. */
class RawClient {
  private buf = '';
  private waiters: Array<() => void> = [];
  readonly errors: Error[] = [];
  closed = false;
  constructor(readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buf += d;
      this.waiters.splice(0).forEach((w) => w());
    });
    socket.on('error', (e) => this.errors.push(e));
    socket.on('close', () => {
      this.closed = true;
      this.waiters.splice(0).forEach((w) => w());
    });
  }
  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }
  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (e) => (e ? reject(e) : resolve())));
  }
  /** The next complete response (status, headers, JSON body by content-length). */
  async response(timeoutMs = 5_000): Promise<{ status: number; headers: Record<string, string>; body: any }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end >= 0) {
        const [statusLine, ...lines] = this.buf.slice(0, end).split('\r\n');
        const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
        const len = Number(headers['content-length'] ?? 0);
        if (this.buf.length >= end + 4 + len) {
          const body = this.buf.slice(end + 4, end + 4 + len);
          this.buf = this.buf.slice(end + 4 + len);
          return { status: Number(statusLine.split(' ')[1]), headers, body: body ? JSON.parse(body) : null };
        }
      }
      if (this.closed) throw new Error(`connection closed before a full response (errors: ${this.errors.map((e) => e.message).join(', ') || 'none'})`);
      if (Date.now() > deadline) throw new Error('no response in time');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }
}

describe('overload: refusing fast, without resets', () => {
  let app: FastifyInstance;
  let engine: Engine;
  let port: number;
  const log = new GatedLog();
  const lines: Array<{ level: number; msg: string }> = [];

  beforeAll(async () => {
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, cb) => (lines.push(JSON.parse(String(chunk))), cb()) }));
    // The default deadline (1 s): with the floor (2,000 events/s) a backlog of 2,000 events is always
    // admitted; before anything has drained, the estimate is 5,000 events/s.
    const config = DEFAULT_CONFIG;
    engine = await Engine.start({ storage: log, config, log: logger });
    app = await buildApp({ engine, config, logger });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    log.release();
    await app?.close();
    await engine?.stop();
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${port}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('answers 503 CCP_OVERLOADED with Retry-After, before reading the body, to a client still sending; the connection stays usable', async () => {
    log.hold();
    const first = post(events('first', 3_000)); // admitted (the log is idle), then held at the gate
    await expect.poll(() => engine.eventLog.admission.backlogEvents).toBe(3_000);
    const heldSince = Date.now();

    const big = Buffer.from(JSON.stringify(events('big', 20_000))); // ~2 MB
    const c = await RawClient.connect(port);
    await c.write(`POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${big.length}\r\n\r\n`);
    await c.write(big.subarray(0, 64 * 1024));
    const refused = await c.response(); // the body is not complete: the server did not wait for it
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({ error: { code: 'CCP_OVERLOADED', message: expect.stringMatching(/overloaded/) } });
    expect(refused.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
    expect(engine.eventLog.admission.stats.refusedEarly).toBe(1);
    // still sending the rest: no reset, no broken pipe, and the same connection answers the next request
    await c.write(big.subarray(64 * 1024));
    await c.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const health = await c.response();
    expect(health.status).toBe(200);
    expect(health.body.ingest.backlogEvents).toBe(3_000);
    expect(c.errors).toEqual([]);
    expect(c.closed).toBe(false);
    c.socket.destroy();

    // held ≥ 0.6 s: the drain rate measured from this write is ≤ 5,000 events/s (the next test counts on it)
    await new Promise((r) => setTimeout(r, Math.max(0, 600 - (Date.now() - heldSince))));
    log.release();
    const ok = await first;
    expect(ok.status).toBe(202);
    expect((await ok.json()).accepted).toBe(3_000);
    expect(engine.eventLog.admission.rate).toBeLessThanOrEqual(5_000);
  });

  it('refuses after parsing when the size could not be told in advance (chunked), with the same answer', async () => {
    log.hold();
    const first = post(events('second', 1_500));
    await expect.poll(() => engine.eventLog.admission.backlogEvents).toBe(1_500);
    const before = engine.eventLog.admission.stats.refusedEarly;
    // A stream body goes chunked, without content-length: the early check sees one event (1,501 is
    // within the floor); the parsed batch (1,500 + 40,000 events at ≤ 5,000 events/s) is not admitted.
    const body = new Blob([JSON.stringify(events('chunked', 40_000))]).stream();
    const res = await fetch(`http://127.0.0.1:${port}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
    expect((await res.json()).error.code).toBe('CCP_OVERLOADED');
    expect(engine.eventLog.admission.stats.refusedEarly).toBe(before);
    log.release();
    expect((await (await first).json()).accepted).toBe(1_500);
  });

  it('keeps every acknowledged event and nothing of a refused request', async () => {
    await expect.poll(() => engine.eventLog.admission.backlogEvents).toBe(0);
    const health = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json();
    expect(health.processed).toBe(4_500); // first-* and second-*; none of big-* or chunked-*
    expect((await (await post(events('big', 100))).json()).accepted).toBe(100); // the refused ids are new to the log
  });

  it('logs refusals as a rate-limited warning, never as an error per request', () => {
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    const warns = lines.filter((l) => l.level === 40 && /ingest/.test(l.msg));
    // two refusals, most likely within one 5 s period: one line (two if the machine is very slow)
    expect(warns.length).toBeGreaterThanOrEqual(1);
    expect(warns.length).toBeLessThanOrEqual(2);
    for (const w of warns) expect(w.msg).toMatch(/overloaded/);
  });
});
