/**
 * A webhook receiver for tests, as a real one would be written: it checks the signature (401 without a
 * good one), answers with the status the test sets, and keeps what it took with its Idempotency-Key.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, verifySignature } from '../channels/webhook.js';

export interface Received {
  at: number;
  key: string;
  /** The JSON it took (a test reads what it looks for). */
  body: any;
}

export interface WebhookReceiver {
  url: string;
  got: Received[];
  /** The status it answers with (200 takes the message). */
  status: number;
  close(): Promise<void>;
}

export async function webhookReceiver(secret: string, path = '/hook'): Promise<WebhookReceiver> {
  const r: WebhookReceiver = { url: '', got: [], status: 200, close: async () => {} };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (verifySignature(secret, req.headers[SIGNATURE_HEADER] as string, body, Math.floor(Date.now() / 1000))) return res.writeHead(401).end();
      if (r.status !== 200) return res.writeHead(r.status).end();
      r.got.push({ at: Date.now(), key: req.headers[IDEMPOTENCY_HEADER] as string, body: JSON.parse(body) });
      res.end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  r.close = () =>
    new Promise((done) => {
      server.closeAllConnections();
      server.close(() => done());
    });
  return r;
}
