import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './testing/test-app.js';

/**
 * Issue #14: one noisy tenant cannot starve the others. Tenant A floods the ingest route from a thread of
 * its own, open loop (200 batches/s whatever the answers, so requests pile up in flight), far above its
 * budget; tenant B keeps posting small batches at a steady pace. What must hold: A is throttled (429
 * with Retry-After) once its budget is spent, B is never refused, and B's latency while A is throttled
 * stays near B's latency alone.
 *
 * The server and B's client share this event loop, on a machine other suites share too, so B is
 * measured in turns, alone (A paused) and during A's flood, and the bound is loose: B's p95 during the
 * flood at most 3× its p95 alone plus 10 ms (on two cores loaded by other work: 113–229 ms alone,
 * 102–289 ms during). With the refusals taken out of rate-limit.ts, A's batches are all taken in and
 * B's requests queue behind them in the ingest admission or are refused with 503 (p95 2.5 s; 10 of
 * B's 30 requests taken).
 */
const BUDGET = 100; // per key and per tenant, a minute: B's requests (5 + 2 × ROUNDS × STEADY) fit within it
const ROUNDS = 3; // B alone, then B during the flood, this many times over
const STEADY = 10; // B's requests per phase
const PACE_MS = 25;
const FLOOD_EVERY_MS = 5; // A offers 200 requests/s: 120 times its budget's pace
const MAX_IN_FLIGHT = 64;
const A_BATCH = 250; // 50,000 events/s offered: more than ingest takes on a small machine

let seq = 0;
const batch = (n: number, tag: string) =>
  JSON.stringify(Array.from({ length: n }, () => {
    const id = `${tag}-${++seq}`;
    return { id, type: 'APPEAL_NEW', ts: Date.now(), appealId: id, channel: 'voice', queue: `q-${tag}` };
  }));

const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(0.95 * xs.length) - 1];

/**
 * A's flood, on a thread of its own (as another client would be: its own CPU, not the server's event
 * loop), open loop: a batch of new events every FLOOD_EVERY_MS whatever the answers, so requests pile up
 * in flight when they are slow (up to MAX_IN_FLIGHT), until told to stop; it reports each answer's
 * status and Retry-After.
 */
const FLOOD = `
const { parentPort, workerData: { url, everyMs, size, maxInFlight } } = require('node:worker_threads');
let n = 0, inFlight = 0;
const body = () => JSON.stringify(Array.from({ length: size }, () => {
  const id = 'a-' + ++n;
  return { id, type: 'APPEAL_NEW', ts: Date.now(), appealId: id, channel: 'voice', queue: 'q-a' };
}));
const send = async () => {
  if (inFlight >= maxInFlight) return;
  inFlight++;
  try {
    const res = await fetch(url + '/v1/events', { method: 'POST', headers: { authorization: 'Bearer k-noisy', 'content-type': 'application/json' }, body: body() });
    await res.arrayBuffer();
    parentPort.postMessage({ status: res.status, retryAfter: res.headers.get('retry-after') });
  } catch (err) {
    parentPort.postMessage({ status: 0, retryAfter: String(err) });
  } finally {
    inFlight--;
  }
};
let paused = false;
const timer = setInterval(() => paused || send(), everyMs);
parentPort.on('message', (m) => {
  if (m === 'pause' || m === 'resume') return void (paused = m === 'pause');
  clearInterval(timer);
  const wait = setInterval(() => inFlight === 0 && (clearInterval(wait), parentPort.postMessage({ done: true })), 10);
});
`;

describe('fairness: a noisy tenant is throttled, the others keep their latency', () => {
  let t: TestApp;
  let url = '';
  beforeAll(async () => {
    t = await startTestApp({
      apiKeys: { 'k-noisy': 'tenant-a', 'k-steady': 'tenant-b' },
      rateLimit: { enabled: true, perKey: { max: BUDGET, windowSec: 60 }, perTenant: { max: BUDGET, windowSec: 60 } },
    });
    url = await t.listen();
  });
  afterAll(() => t?.close());

  /** One batch posted; a request unanswered in 2 s counts as status 0 (as slow as that, it is lost). */
  const post = async (key: string, body: string) => {
    const t0 = performance.now();
    try {
      const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      return { status: res.status, ms: performance.now() - t0 };
    } catch {
      return { status: 0, ms: performance.now() - t0 };
    }
  };

  /** B's steady requests: one every PACE_MS, each waited for (for 10 s at most); their latencies and statuses. */
  const steady = async () => {
    const ms: number[] = [];
    const statuses = new Map<number, number>();
    for (let i = 0, end = Date.now() + 10_000; i < STEADY && Date.now() < end; i++) {
      const r = await post('k-steady', batch(5, 'b'));
      ms.push(r.ms);
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      await new Promise((res) => setTimeout(res, PACE_MS));
    }
    return { ms, statuses };
  };

  it("holds B's latency and answers while A floods, and throttles A with 429 and Retry-After", async () => {
    // warm-up (JIT, connections)
    for (let i = 0; i < 5; i++) await post('k-steady', batch(5, 'b'));

    // A's flood
    const a = { sent: 0, statuses: new Map<number, number>(), retryAfter: new Set<string | null>() };
    const worker = new Worker(FLOOD, { eval: true, workerData: { url, everyMs: FLOOD_EVERY_MS, size: A_BATCH, maxInFlight: MAX_IN_FLIGHT } });
    const done = new Promise<void>((resolve, reject) => {
      worker.on('error', reject);
      worker.on('message', (m: { done?: true; status: number; retryAfter: string | null }) => {
        if (m.done) return resolve();
        a.sent++;
        a.statuses.set(m.status, (a.statuses.get(m.status) ?? 0) + 1);
        if (m.status === 429) a.retryAfter.add(m.retryAfter);
      });
    });
    // B is measured while A is throttled: A's budget spent and its requests refused as they come, and
    // the events A got in before that stored and checkpointed (that work is its fair share, not the flood)
    // (at most 5 s each: without limits there is no 429 to wait for, and no end to the backlog)
    const until = async (ok: () => boolean) => {
      for (const end = Date.now() + 5_000; !ok() && Date.now() < end; ) await new Promise((res) => setTimeout(res, 10));
    };
    await until(() => (a.statuses.get(429) ?? 0) > 0);
    await until(() => t.engine.eventLog.admission.snapshot().backlogEvents === 0);
    await new Promise((res) => setTimeout(res, 1_500)); // a checkpoint interval and more
    // B alone and B during A's flood in turns (A paused, then flooding again): load from other processes
    // drifting during the test (other suites, on CI) weighs on both alike
    const alone = { ms: [] as number[], statuses: new Map<number, number>() };
    const during = { ms: [] as number[], statuses: new Map<number, number>() };
    const into = (to: typeof alone, from: typeof alone) => {
      to.ms.push(...from.ms);
      for (const [status, n] of from.statuses) to.statuses.set(status, (to.statuses.get(status) ?? 0) + n);
    };
    for (let round = 0; round < ROUNDS; round++) {
      worker.postMessage('pause');
      await new Promise((res) => setTimeout(res, 150)); // A's requests in flight answered, and what it got in stored
      await until(() => t.engine.eventLog.admission.snapshot().backlogEvents === 0);
      into(alone, await steady());
      worker.postMessage('resume');
      const sent = a.sent;
      await until(() => a.sent > sent + 20); // flooding again
      into(during, await steady());
    }
    worker.postMessage('stop');
    await done;
    await worker.terminate();

    const figures = {
      alone: { p95: p95(alone.ms), statuses: Object.fromEntries(alone.statuses) },
      during: { p95: p95(during.ms), statuses: Object.fromEntries(during.statuses) },
      a: { sent: a.sent, statuses: Object.fromEntries(a.statuses), retryAfter: [...a.retryAfter] },
    };
    console.info(JSON.stringify(figures));

    // B: every request taken, alone and during the flood, and its p95 held
    expect(figures.alone.statuses).toEqual({ 202: ROUNDS * STEADY });
    expect(figures.during.statuses).toEqual({ 202: ROUNDS * STEADY });
    expect(figures.during.p95).toBeLessThanOrEqual(3 * figures.alone.p95 + 10);
    // A: far over its budget, its first BUDGET requests taken and the rest refused, each with Retry-After
    expect(a.sent).toBeGreaterThan(3 * BUDGET);
    // exactly BUDGET requests passed the limit (taken, or a few refused by the ingest admission: 503)
    expect(a.statuses.get(429)).toBe(a.sent - BUDGET);
    expect(a.statuses.get(202)).toBeGreaterThan(0);
    expect(a.retryAfter.size).toBeGreaterThan(0);
    for (const s of a.retryAfter) expect(s).toMatch(/^[1-9]\d*$/);
  }, 90_000);
});
