/** Phase 1: closed-loop ingest throughput with N concurrent keep-alive clients posting fixed-size batches. */
import { EventGenerator } from './events.js';
import { keepAliveAgent, postJson } from './http.js';
import { summarize, round, type Summary } from './stats.js';

export interface IngestParams {
  port: number;
  clients: number;
  batchSize: number;
  warmupSec: number;
  durationSec: number;
  runId: string;
  /** Called at the start and end of the measured window (to sample the server's CPU). */
  onWindow?: (edge: 'start' | 'end') => void;
}

export interface IngestResult {
  params: Omit<IngestParams, 'port' | 'onWindow' | 'runId'>;
  elapsedSec: number;
  requests: number;
  acceptedEvents: number;
  duplicates: number;
  rejectedEvents: number;
  errors: Record<string, number>;
  eventsPerSec: number;
  requestsPerSec: number;
  latencyMs: Summary;
  /** Totals over warm-up + window + drain: what the server must have in its log. */
  totalAccepted: number;
  totalRequests: number;
}

export async function runIngest(p: IngestParams): Promise<IngestResult> {
  const agent = keepAliveAgent(p.clients);
  const start = performance.now();
  const windowStart = start + p.warmupSec * 1000;
  const windowEnd = windowStart + p.durationSec * 1000;
  let started = false;
  const startWindow = () => {
    if (started) return;
    started = true;
    p.onWindow?.('start');
  };
  const windowTimer = setTimeout(startWindow, p.warmupSec * 1000);
  let ended = false;
  const endWindow = () => {
    if (ended) return;
    ended = true;
    startWindow();
    p.onWindow?.('end');
  };
  const endTimer = setTimeout(endWindow, (p.warmupSec + p.durationSec) * 1000);

  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let requests = 0;
  let accepted = 0;
  let duplicates = 0;
  let rejected = 0;
  let totalAccepted = 0;
  let totalRequests = 0;

  async function client(i: number) {
    const gen = new EventGenerator(`${p.runId}-c${i}`, 0x1234 + i * 7919, 1_000);
    for (;;) {
      const t0 = performance.now();
      if (t0 >= windowEnd) return;
      // Generation and serialization happen before t0 of the request proper.
      const body = JSON.stringify(gen.batch(p.batchSize));
      const s = performance.now();
      let status = 0;
      let text = '';
      try {
        const r = await postJson(agent, p.port, '/v1/events', body);
        status = r.status;
        text = r.body;
      } catch (err) {
        const k = `network: ${(err as Error).message}`;
        errors[k] = (errors[k] ?? 0) + 1;
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const e = performance.now();
      totalRequests++;
      // Steady-state accounting: a request counts in the window it completed in.
      const inWindow = e >= windowStart && e <= windowEnd;
      if (status === 202) {
        const res = JSON.parse(text) as { accepted: number; duplicates: number; rejected: unknown[] };
        totalAccepted += res.accepted;
        if (inWindow) {
          requests++;
          accepted += res.accepted;
          duplicates += res.duplicates;
          rejected += res.rejected.length;
          latencies.push(e - s);
        }
      } else {
        const k = `HTTP ${status}: ${text.slice(0, 120)}`;
        errors[k] = (errors[k] ?? 0) + 1;
        if (status === 503 || status === 429) await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  await Promise.all(Array.from({ length: p.clients }, (_, i) => client(i)));
  clearTimeout(windowTimer);
  clearTimeout(endTimer);
  endWindow(); // normally already fired by its timer, at windowEnd
  agent.destroy();
  const elapsedSec = p.durationSec;
  return {
    params: { clients: p.clients, batchSize: p.batchSize, warmupSec: p.warmupSec, durationSec: p.durationSec },
    elapsedSec,
    requests,
    acceptedEvents: accepted,
    duplicates,
    rejectedEvents: rejected,
    errors,
    eventsPerSec: round(accepted / elapsedSec, 0),
    requestsPerSec: round(requests / elapsedSec, 1),
    latencyMs: summarize(latencies),
    totalAccepted,
    totalRequests,
  };
}
