/**
 * Phase 2: event → SSE latency at a steady, open-loop rate. Small batches are posted on a fixed
 * schedule (not waiting for earlier responses); an SSE client records when each `update` frame
 * arrives and the log position it reflects. A POST's latency = arrival of the first update whose
 * position ≥ the POST's x-ccpulse-position, minus the moment just before the POST was sent.
 */
import { EventGenerator } from './events.js';
import { keepAliveAgent, openSse, postJson, type SseFrame } from './http.js';
import { summarize, round, type Summary } from './stats.js';

export interface LatencyParams {
  port: number;
  rate: number;
  batchSize: number;
  durationSec: number;
  warmupSec: number;
  runId: string;
  onWindow?: (edge: 'start' | 'end') => void;
}

export interface LatencyResult {
  params: Omit<LatencyParams, 'port' | 'onWindow' | 'runId'> & { intervalMs: number };
  posts: number;
  acceptedEvents: number;
  achievedEventsPerSec: number;
  /** Event → SSE update received, over all measured POSTs. */
  eventToSseMs: Summary;
  /** Share of POSTs whose event → SSE latency was ≤ 50 ms (the design goal is p99 ≤ 50 ms). */
  withinTargetPct: number;
  /** POST round trip (send → 202 received), for comparison. */
  postRoundTripMs: Summary;
  /** Server `at` (epoch ms, when the update was built) → frame received, from update frames in the window. */
  sseDeliveryMs: Summary;
  updates: number;
  updatesPerSec: number;
  meanUpdateBytes: number;
  /** Updates that arrived before the POST's response did (resolved in either order). */
  updateBeforeResponse: number;
  unresolved: number;
  errors: Record<string, number>;
  /** Largest schedule slip of the sender (how late a send left versus its slot), ms. */
  maxSendSlipMs: number;
  totalAccepted: number;
}

interface Post {
  t0: number;
  t1: number;
  position: number;
  accepted: number;
  inWindow: boolean;
}

export async function runLatency(p: LatencyParams): Promise<LatencyResult> {
  const intervalMs = (p.batchSize * 1000) / p.rate;
  const errors: Record<string, number> = {};
  const bump = (k: string) => (errors[k] = (errors[k] ?? 0) + 1);

  // Update frames in arrival order; positions never decrease, so a binary search finds "first ≥ p".
  const updPos: number[] = [];
  const updAt: number[] = [];
  const deliveryLag: number[] = [];
  let updateBytes = 0;
  let snapshotSeen = false;
  let windowStart = Infinity;
  let windowEnd = Infinity;
  let streamError: Error | null = null;
  const onFrame = (f: SseFrame) => {
    if (f.event === 'snapshot') {
      snapshotSeen = true;
      return;
    }
    if (f.event !== 'update') return;
    const u = JSON.parse(f.data) as { position: number; at: number };
    const last = updPos.length ? updPos[updPos.length - 1] : -Infinity;
    if (u.position < last) bump('update position went backwards');
    updPos.push(Math.max(u.position, last));
    updAt.push(f.receivedAt);
    if (f.receivedAt >= windowStart && f.receivedAt <= windowEnd) {
      // Same machine, same clock: wall-clock lag from the server building the frame to us parsing it.
      deliveryLag.push(Date.now() - u.at);
      updateBytes += f.data.length;
    }
  };
  const sse = openSse(p.port, '/v1/stream', onFrame, (e) => (streamError = e));
  await sse.opened;
  const t = Date.now();
  while (!snapshotSeen && Date.now() - t < 5_000 && !streamError) await new Promise((r) => setTimeout(r, 5));
  if (!snapshotSeen) throw new Error(`no SSE snapshot within 5 s${streamError ? `: ${(streamError as Error).message}` : ''}`);

  // More sockets than requests that can be in flight at once, so a slow response never delays a send.
  const agent = keepAliveAgent(64);
  const gen = new EventGenerator(`${p.runId}-lat`, 0xbeef, 200);
  const posts: Post[] = [];
  const inflight = new Set<Promise<void>>();
  let totalAccepted = 0;
  let maxSlip = 0;

  const begin = performance.now();
  windowStart = begin + p.warmupSec * 1000;
  windowEnd = windowStart + p.durationSec * 1000;
  let edges = 0;
  const edge = (which: 'start' | 'end') => {
    if ((which === 'start' && edges === 0) || (which === 'end' && edges === 1)) {
      edges++;
      p.onWindow?.(which);
    }
  };
  const startTimer = setTimeout(() => edge('start'), p.warmupSec * 1000);
  const endTimer = setTimeout(() => {
    edge('start');
    edge('end');
  }, (p.warmupSec + p.durationSec) * 1000);
  const total = Math.round(((p.warmupSec + p.durationSec) * 1000) / intervalMs);
  for (let i = 0; i < total; i++) {
    const slot = begin + i * intervalMs;
    let now = performance.now();
    if (slot > now) {
      await new Promise((r) => setTimeout(r, slot - now));
      now = performance.now();
    }
    maxSlip = Math.max(maxSlip, now - slot);
    const body = JSON.stringify(gen.batch(p.batchSize));
    const t0 = performance.now();
    const pr = postJson(agent, p.port, '/v1/events', body).then(
      (r) => {
        const t1 = performance.now();
        if (r.status !== 202 || !Number.isFinite(r.position)) {
          bump(`HTTP ${r.status}: ${r.body.slice(0, 120)}`);
          return;
        }
        const accepted = (JSON.parse(r.body) as { accepted: number }).accepted;
        totalAccepted += accepted;
        posts.push({ t0, t1, position: r.position, accepted, inWindow: t0 >= windowStart && t0 < windowEnd });
      },
      (e: Error) => void bump(`network: ${e.message}`),
    );
    const tracked: Promise<void> = pr.finally(() => inflight.delete(tracked));
    inflight.add(tracked);
  }
  // The window ends with the schedule (its last slot is one interval before the end).
  const untilEnd = windowEnd - performance.now();
  if (untilEnd > 0) await new Promise((r) => setTimeout(r, untilEnd));
  clearTimeout(startTimer);
  clearTimeout(endTimer);
  edge('start');
  edge('end');
  await Promise.all(inflight);
  // Let the last updates arrive (each POST's update normally lands within milliseconds).
  const maxPos = posts.reduce((m, x) => Math.max(m, x.position), 0);
  const waitUntil = Date.now() + 3_000;
  while ((updPos.length === 0 || updPos[updPos.length - 1] < maxPos) && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 10));
  sse.close();
  agent.destroy();
  if (streamError) bump(`sse: ${(streamError as Error).message}`);

  const e2e: number[] = [];
  const rtt: number[] = [];
  let before = 0;
  let unresolved = 0;
  for (const x of posts) {
    if (!x.inWindow) continue;
    rtt.push(x.t1 - x.t0);
    const k = firstAtLeast(updPos, x.position);
    if (k < 0) {
      unresolved++;
      continue;
    }
    e2e.push(updAt[k] - x.t0);
    if (updAt[k] < x.t1) before++;
  }
  const updatesInWindow = updAt.filter((a) => a >= windowStart && a <= windowEnd).length;
  const measured = posts.filter((x) => x.inWindow).length;
  const measuredEvents = posts.reduce((n, x) => n + (x.inWindow ? x.accepted : 0), 0);
  return {
    params: { rate: p.rate, batchSize: p.batchSize, durationSec: p.durationSec, warmupSec: p.warmupSec, intervalMs: round(intervalMs, 3) },
    posts: measured,
    acceptedEvents: measuredEvents,
    achievedEventsPerSec: round(measuredEvents / p.durationSec, 0),
    eventToSseMs: summarize(e2e),
    withinTargetPct: e2e.length ? round((100 * e2e.filter((v) => v <= 50).length) / e2e.length, 1) : NaN,
    postRoundTripMs: summarize(rtt),
    sseDeliveryMs: summarize(deliveryLag),
    updates: updatesInWindow,
    updatesPerSec: round(updatesInWindow / p.durationSec, 1),
    meanUpdateBytes: updatesInWindow ? Math.round(updateBytes / updatesInWindow) : 0,
    updateBeforeResponse: before,
    unresolved,
    errors,
    maxSendSlipMs: round(maxSlip, 2),
    totalAccepted,
  };
}

function firstAtLeast(sorted: number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length ? lo : -1;
}
