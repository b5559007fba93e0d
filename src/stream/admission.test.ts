import { describe, expect, it, vi } from 'vitest';
import { AdmissionController } from './admission.js';

/** A controller on a hand-driven clock. */
function controller(opts: Partial<ConstructorParameters<typeof AdmissionController>[0]> = {}) {
  let t = 0;
  const lines: Array<{ level: string; obj: object; msg: string }> = [];
  const c = new AdmissionController({
    maxQueueDelayMs: 1_000,
    initialRate: 5_000,
    minRate: 1_000,
    now: () => t,
    log: { warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }), info: (obj, msg) => lines.push({ level: 'info', obj, msg }) },
    logEveryMs: 60_000,
    ...opts,
  });
  return { c, lines, advance: (ms: number) => (t += ms) };
}

/** Admits and writes one request of `events` after another, each write taking what `eventsPerSec` says. */
function drainAt(c: AdmissionController, advance: (ms: number) => void, eventsPerSec: number, writes: number, events = 500) {
  const ms = (events / eventsPerSec) * 1000;
  for (let i = 0; i < writes; i++) {
    expect(c.admit(events).ok).toBe(true);
    advance(ms);
    c.drained(events, ms, true);
  }
}

describe('AdmissionController', () => {
  it('admits on a cold start up to the initial estimate, then refuses with a Retry-After', () => {
    const { c } = controller();
    // 5,000 events/s assumed, 1 s deadline: ten requests of 500 fit, the eleventh does not
    for (let i = 0; i < 10; i++) expect(c.admit(500)).toEqual({ ok: true });
    const d = c.admit(500);
    expect(d.ok).toBe(false);
    if (!d.ok) {
      expect(d.retryAfterSec).toBeGreaterThanOrEqual(1);
      expect(Number.isInteger(d.retryAfterSec)).toBe(true);
      expect(d.message).toMatch(/overloaded/);
    }
    expect(c.backlogEvents).toBe(5_000);
  });

  it('admits any request into an idle log, however large', () => {
    const { c } = controller();
    expect(c.admit(50_000).ok).toBe(true);
    expect(c.admit(1).ok).toBe(false);
    c.drained(50_000, 10_000, true);
    expect(c.backlogEvents).toBe(0);
    expect(c.admit(1).ok).toBe(true);
  });

  it('learns the drain rate from the writes and bounds the backlog by deadline × rate', () => {
    const { c, advance } = controller();
    drainAt(c, advance, 2_000, 40); // 20 s of writes at 2,000 events/s
    expect(c.rate).toBeGreaterThan(1_900);
    expect(c.rate).toBeLessThan(2_100);
    let admitted = 0;
    while (c.admit(100).ok) admitted += 100;
    expect(admitted).toBeLessThanOrEqual(2_000);
    expect(admitted).toBeGreaterThanOrEqual(1_800);
    advance(1_000);
    c.drained(admitted, 1_000, true);
    // the log speeds up: within a few half-lives the budget follows
    drainAt(c, advance, 20_000, 200);
    expect(c.rate).toBeGreaterThan(15_000);
  });

  it('never estimates below the floor, and always admits a floor’s worth of backlog', () => {
    const { c, advance } = controller({ minRate: 1_000 });
    drainAt(c, advance, 50, 20); // pathological: 50 events/s
    expect(c.rate).toBe(1_000);
    expect(c.admit(400).ok).toBe(true);
    expect(c.admit(600).ok).toBe(true); // 1,000 events = floor × deadline
    expect(c.admit(1).ok).toBe(false);
  });

  it('failed writes leave the backlog but are no sample of the rate', () => {
    const { c } = controller();
    c.admit(500);
    c.drained(500, 60_000, false);
    expect(c.backlogEvents).toBe(0);
    expect(c.rate).toBe(5_000);
  });

  it('refuses while the oldest admitted request has waited past the deadline (a stall), until it drains', () => {
    const { c, advance } = controller({ minRate: 100 });
    expect(c.admit(500).ok).toBe(true);
    expect(c.admit(500).ok).toBe(true);
    advance(1_500); // the write does not come back: the rate estimate cannot know yet
    expect(c.oldestWaitMs).toBe(1_500);
    const d = c.admit(10);
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.retryAfterSec).toBe(2);
    c.drained(1_000, 1_500, true);
    expect(c.oldestWaitMs).toBe(0);
    expect(c.admit(10).ok).toBe(true);
  });

  it('corrects predictions by how much longer admitted requests actually waited', () => {
    const { c, advance } = controller();
    drainAt(c, advance, 10_000, 50);
    expect(c.correction).toBe(1);
    // each request waits 800 ms where backlog ÷ rate predicted 200 (its write alone is quick: the
    // requests wait for something the rate does not see, say, a lock held elsewhere)
    for (let i = 0; i < 40; i++) {
      expect(c.admit(2_000).ok).toBe(true);
      advance(800);
      c.drained(2_000, 200, true);
    }
    expect(c.rate).toBe(10_000);
    expect(c.correction).toBeGreaterThan(3);
    let admitted = 0;
    while (c.admit(100).ok) admitted += 100;
    expect(admitted).toBeLessThan(3_500); // without the correction: 10,000
  });

  it('estimates a body in events for the early check from the bodies seen', () => {
    const { c } = controller({ initialBytesPerEvent: 100 });
    for (let i = 0; i < 100; i++) c.noteBody(200 * 500, 500); // 200 bytes an event
    c.admit(2_000);
    // 3,000 events fit (5,000 events/s × 1 s): 600 kB is ~3,000 events, 700 kB is not
    expect(c.precheck(590_000).ok).toBe(true);
    expect(c.precheck(700_000).ok).toBe(false);
    expect(c.precheck(NaN).ok).toBe(true); // no content-length (chunked): decided once parsed
    expect(c.stats.refusedEarly).toBe(1);
    expect(c.backlogEvents).toBe(2_000); // the early check reserves nothing
  });

  it('logs refusals at warn at most once a period, with a count, and says when they stopped', () => {
    vi.useFakeTimers();
    try {
      const { c, lines } = controller({ logEveryMs: 5_000 });
      c.admit(5_000);
      for (let i = 0; i < 100; i++) c.admit(500);
      expect(lines).toHaveLength(1);
      expect(lines[0].level).toBe('warn');
      vi.advanceTimersByTime(7_000);
      for (let i = 0; i < 10; i++) c.admit(500);
      vi.advanceTimersByTime(8_000);
      expect(lines.map((l) => l.level)).toEqual(['warn', 'warn', 'warn', 'info']);
      expect(lines.map((l) => (l.obj as { refusedRequests?: number }).refusedRequests)).toEqual([undefined, 99, 10, 110]);
      expect(c.stats.refusedRequests).toBe(110);
      c.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
