/**
 * Loads a slice of the data set into a ccpulse server through POST /v1/events: N keep-alive clients
 * take the next batch of the file in turn (so the log stays close to event-time order) and post it as a
 * JSON array, as integrators would. A 503 is retried with the same batch after its Retry-After.
 */
import { keepAliveAgent, postJson } from '../http.js';
import type { LineReader } from './dataset.js';

export interface LoadSliceResult {
  events: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  requests: number;
  retries503: number;
  errors: Record<string, number>;
  seconds: number;
  /** Highest x-ccpulse-position acknowledged (the log position the server must reach). */
  maxPosition: number;
}

export async function loadSlice(port: number, reader: LineReader, untilMs: number, clients: number, batch: number): Promise<LoadSliceResult> {
  const agent = keepAliveAgent(clients);
  const r: LoadSliceResult = { events: 0, accepted: 0, duplicates: 0, rejected: 0, requests: 0, retries503: 0, errors: {}, seconds: 0, maxPosition: 0 };
  const bump = (k: string) => (r.errors[k] = (r.errors[k] ?? 0) + 1);
  const t0 = performance.now();
  async function client() {
    for (;;) {
      const lines = reader.next(batch, untilMs);
      if (lines.length === 0) return;
      r.events += lines.length;
      // Each line is one JSON object: joining them is a JSON array, with no parse and re-serialize here.
      const body = `[${lines.join(',')}]`;
      for (let attempt = 0; ; attempt++) {
        let res;
        try {
          res = await postJson(agent, port, '/v1/events', body, 300_000);
        } catch (err) {
          bump(`network: ${(err as Error).message}`);
          if (attempt >= 5) throw err;
          await new Promise((ok) => setTimeout(ok, 500));
          continue;
        }
        r.requests++;
        if (res.status === 503 && attempt < 50) {
          r.retries503++;
          await new Promise((ok) => setTimeout(ok, 200));
          continue;
        }
        if (res.status !== 202) {
          bump(`HTTP ${res.status}: ${res.body.slice(0, 160)}`);
          break;
        }
        const b = JSON.parse(res.body) as { accepted: number; duplicates: number; rejected: unknown[] };
        r.accepted += b.accepted;
        r.duplicates += b.duplicates;
        r.rejected += b.rejected.length;
        if (Number.isFinite(res.position)) r.maxPosition = Math.max(r.maxPosition, res.position);
        break;
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: clients }, client));
  } finally {
    agent.destroy();
  }
  r.seconds = (performance.now() - t0) / 1000;
  return r;
}
