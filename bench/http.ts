/** Minimal node:http helpers (keep-alive POST of JSON, GET JSON, SSE frames). No dependencies. */
import http from 'node:http';

export interface PostResult {
  status: number;
  body: string;
  /** x-ccpulse-position header, or NaN. */
  position: number;
}

export function keepAliveAgent(maxSockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'fifo' });
}

export function postJson(agent: http.Agent, port: number, path: string, body: string, timeoutMs = 30_000): Promise<PostResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const h = res.headers['x-ccpulse-position'];
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), position: h === undefined ? NaN : Number(h) });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`POST ${path} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export function getJson<T = unknown>(port: number, path: string, timeoutMs = 5_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) return reject(new Error(`GET ${path}: HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
        try {
          resolve(JSON.parse(text) as T);
        } catch (err) {
          reject(err);
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
  });
}

export interface SseFrame {
  event: string;
  data: string;
  /** performance.now() when the chunk completing this frame was received. */
  receivedAt: number;
}

export interface SseConnection {
  close(): void;
  /** Resolves once the response headers arrived (the connection is registered server-side right after). */
  opened: Promise<void>;
}

/** Opens an SSE stream with plain node:http and calls onFrame for every complete event frame. */
export function openSse(port: number, path: string, onFrame: (f: SseFrame) => void, onError: (e: Error) => void): SseConnection {
  let buf = '';
  let closed = false;
  let resolveOpened!: () => void;
  let rejectOpened!: (e: Error) => void;
  const opened = new Promise<void>((res, rej) => {
    resolveOpened = res;
    rejectOpened = rej;
  });
  const req = http.get({ host: '127.0.0.1', port, path, agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
    if (res.statusCode !== 200) {
      const e = new Error(`SSE ${path}: HTTP ${res.statusCode}`);
      rejectOpened(e);
      onError(e);
      res.resume();
      return;
    }
    res.socket.setNoDelay(true);
    res.setEncoding('utf8');
    resolveOpened();
    res.on('data', (chunk: string) => {
      const receivedAt = performance.now();
      buf += chunk;
      let end: number;
      // Frames end with a blank line. The server writes \n line endings; accept \r\n as well.
      while ((end = findFrameEnd(buf)) >= 0) {
        const raw = buf.slice(0, end);
        buf = buf.slice(end).replace(/^(\r?\n){2}/, '');
        const frame = parseFrame(raw, receivedAt);
        if (frame) onFrame(frame);
      }
    });
    res.on('end', () => {
      if (!closed) onError(new Error('SSE stream ended'));
    });
    res.on('error', (e) => {
      if (!closed) onError(e);
    });
  });
  req.on('error', (e) => {
    rejectOpened(e);
    if (!closed) onError(e);
  });
  return {
    opened,
    close() {
      closed = true;
      req.destroy();
    },
  };
}

function findFrameEnd(s: string): number {
  const a = s.indexOf('\n\n');
  const b = s.indexOf('\r\n\r\n');
  if (a < 0) return b;
  if (b < 0) return a;
  return Math.min(a, b);
}

function parseFrame(raw: string, receivedAt: number): SseFrame | null {
  let event = 'message';
  const data: string[] = [];
  for (const line of raw.split(/\r?\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    let value = i < 0 ? '' : line.slice(i + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return null; // comment (keep-alive) or retry-only frame
  return { event, data: data.join('\n'), receivedAt };
}
