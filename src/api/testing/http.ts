import net from 'node:net';
import { expect } from 'vitest';

/** The documented error shape: { error: { code: CCP_…, message, details? } } and nothing else in `error`. */
export function expectErrorShape(body: unknown): void {
  expect(body).toMatchObject({ error: { code: expect.stringMatching(/^CCP_[A-Z_]+$/), message: expect.any(String) } });
  const e = (body as { error: Record<string, unknown> }).error;
  expect(Object.keys(e).every((k) => ['code', 'message', 'details'].includes(k))).toBe(true);
  if (e.details !== undefined) {
    expect(Array.isArray(e.details)).toBe(true);
    for (const d of e.details as unknown[]) expect(d).toEqual({ path: expect.any(String), message: expect.any(String) });
  }
}

/** Sends raw bytes on a socket and returns everything the server answers before closing. */
export function rawRequest(url: string, bytes: string | Buffer, timeoutMs = 5000): Promise<{ status: number; headers: string; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: hostname, port: Number(port) }, () => s.write(bytes));
    let data = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms; got: ${JSON.stringify(data)}`));
    }, timeoutMs);
    s.setEncoding('latin1');
    s.on('data', (d) => (data += d));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      const [head, ...rest] = data.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), headers: head, body: rest.join('\r\n\r\n') });
    });
  });
}
