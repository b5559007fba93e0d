import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventType, LoggedEvent } from '../contract/event.js';
import { diffCells, recomputeCells } from '../metrics/recompute.js';
import type { RollupCell } from '../storage/storage.js';
import { StreamProcessor, type CheckpointTake, type ProcessorState } from './processor.js';
import { reconcileLateEvents } from './reconcile.js';
import { logReader } from './testing/harness.js';

/**
 * The stream against the batch recomputation, under what makes streaming hard: events later than the
 * allowed lateness (by minutes and by hours), appeals that come back after being retired, events after
 * an appeal expired, lost events, and crashes at arbitrary points (checkpoint, kill, restore from the
 * last checkpoint, replay the log after it). Whatever happens, the rollups must equal the batch path's,
 * and the open appeals those of a run that never crashed.
 */

const T0 = Date.UTC(2026, 10, 21, 6, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;
const timeoutOf = (channel: string) => (channel === 'voice' ? HOUR : 2 * HOUR);
const ALLOWED_LATENESS = 5 * MIN;

const segmentArb = fc.record({
  gap: fc.integer({ min: 1_000, max: 5 * HOUR }), // after the previous segment's last event
  returned: fc.boolean(), // starts with APPEAL_RETURNED (else APPEAL_NEW)
  sdAfter: fc.integer({ min: 0, max: 5_000 }),
  waitMs: fc.integer({ min: 0, max: 10 * MIN }),
  handleMs: fc.integer({ min: 1_000, max: 90 * MIN }), // past the voice timeout now and then
  outcome: fc.constantFrom('closed', 'missed', 'open', 'transferred', 'strayClose'),
  lose: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
  // strict mode knows sales and support only: a transfer to ghost is dead-lettered, and so is what follows there
  transferTo: fc.constantFrom('support', 'support', 'ghost'),
});
const appealArb = fc.record({
  start: fc.integer({ min: 0, max: 4 * HOUR }),
  queue: fc.constantFrom('sales', 'support'),
  channel: fc.constantFrom('voice', 'webchat'),
  segments: fc.array(segmentArb, { minLength: 1, maxLength: 3 }),
  // some appeals are an outbound campaign's calls: the campaign tally must come through crashes exact too
  campaign: fc.constantFrom(undefined, undefined, 'spring'),
});
type Appeal = typeof appealArb extends fc.Arbitrary<infer T> ? T : never;

function eventsOf(appeals: Appeal[]): LoggedEvent[] {
  const out: LoggedEvent[] = [];
  appeals.forEach((a, i) => {
    const appealId = `a${i}`;
    let at = a.start;
    const push = (type: EventType, ts: number, lost: boolean, extra: Partial<LoggedEvent> = {}) => {
      at = Math.max(at, ts);
      const outbound = a.campaign ? { direction: 'outbound' as const, campaignId: a.campaign } : {};
      if (!lost) out.push({ tenant: 't', seq: 0, id: `${appealId}-${out.length}`, type, ts: T0 + ts, appealId, queue: a.queue, channel: a.channel, ...outbound, ...extra });
    };
    a.segments.forEach((s, k) => {
      const start = k === 0 ? a.start : at + s.gap;
      push(k > 0 && s.returned ? 'APPEAL_RETURNED' : 'APPEAL_NEW', start, k > 0 && s.lose[4]);
      const queued = start + s.sdAfter;
      push('APPEAL_SENT_DISTRIBUTION', queued, s.lose[0]);
      if (s.outcome === 'missed') return push('APPEAL_MISSED', queued + s.waitMs, s.lose[1]);
      push('APPEAL_APPOINTED', queued + s.waitMs, s.lose[2], { operatorId: 'op1' });
      if (s.outcome === 'transferred') push('APPEAL_TRANSFERRED', queued + s.waitMs + s.handleMs / 2, s.lose[3], { operatorId: 'op2', queue: s.transferTo });
      // a close long after the appeal went silent: it expired meanwhile, so the close opens a segment of its own
      if (s.outcome === 'strayClose') push('APPEAL_CLOSED', queued + s.waitMs + s.handleMs + 2 * HOUR, false, { operatorId: 'op1' });
      if (s.outcome === 'closed' || s.outcome === 'transferred') push('APPEAL_CLOSED', queued + s.waitMs + s.handleMs, s.lose[4], { operatorId: 'op2', queue: s.outcome === 'transferred' ? s.transferTo : a.queue });
    });
  });
  return out;
}

/** Arrival order: most events within seconds, some minutes late (past the allowed lateness), a few hours late. */
const delayArb = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: 0, max: 10_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 4 * MIN, max: 10 * MIN }) },
  { weight: 1, arbitrary: fc.integer({ min: 1 * HOUR, max: 6 * HOUR }) },
);

const newProcessor = () =>
  new StreamProcessor({
    inactivityTimeoutOf: timeoutOf,
    slPolicyOf: () => ({ targetSec: 20, shortAbandonSec: 5, abandonsCount: true }),
    now: () => T0 + 12 * HOUR,
    allowedLatenessMs: ALLOWED_LATENESS,
    knownQueues: ['sales', 'support'],
  });

/** What a checkpoint commit leaves in storage: the rollups so far, the processor's state, its appeals, the dead letters. */
class Store {
  rollups: RollupCell[] = [];
  state: string | null = null;
  appeals = new Map<string, string>();
  dead = new Set<number>();
  commit(take: CheckpointTake): void {
    this.rollups.push(...take.rollupDeltas);
    for (const d of take.deadLetters) this.dead.add(d.seq!);
    this.state = take.state;
    for (const key of take.deletes) this.appeals.delete(key);
    for (const u of take.upserts) this.appeals.set(u.key, u.value);
  }
}

/** One engine's life: apply in batches, reconcile after each, checkpoint now and then, crash on cue. */
async function run(log: LoggedEvent[], batches: number[], crashes: ReadonlySet<number>, checkpoints: ReadonlySet<number>) {
  const store = new Store();
  let p = newProcessor();
  const reader = logReader(log, store.dead);
  let i = 0;
  for (let b = 0; b < batches.length && i < log.length; b++) {
    const batch = log.slice(i, i + batches[b]);
    i += batch.length;
    p.apply(batch);
    await reconcileLateEvents(p, reader, []);
    if (checkpoints.has(b)) store.commit(p.takeCheckpoint());
    if (crashes.has(b)) {
      // kill -9: what was not committed is gone; restart from the last checkpoint and replay the log
      p = newProcessor();
      if (store.state) p.restore(JSON.parse(store.state) as ProcessorState, [...store.appeals.values()].map((v) => JSON.parse(v)));
      p.live.seedRecent(store.rollups.filter((c) => c.operator === ''));
      await reconcileLateEvents(p, reader, []);
      for (let from = p.position; from < i; from += 50) {
        p.apply(log.slice(from, Math.min(from + 50, i)));
        await reconcileLateEvents(p, reader, []);
      }
    }
  }
  expect(i).toBe(log.length);
  expect(p.lateWaiting).toBe(0);
  store.commit(p.takeCheckpoint());
  return { rollups: store.rollups, open: p.live.snapshot('t', 0).tiles, processor: p, dead: store.dead };
}

const propertyArbs = [
  fc.array(appealArb, { minLength: 1, maxLength: 30 }),
  fc.array(delayArb, { minLength: 64, maxLength: 64 }),
  fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 64, maxLength: 64 }),
  fc.uniqueArray(fc.nat(80), { maxLength: 6 }),
  fc.uniqueArray(fc.nat(80), { maxLength: 20 }),
] as const;

/** One case: the run without crashes, the run with them, and the batch recomputation must agree. */
async function checkOne(appeals: Appeal[], delays: number[], sizes: number[], crashAt: number[], checkpointAt: number[]) {
  const events = eventsOf(appeals);
  const arrival = events.map((e, k) => ({ e, at: e.ts + delays[k % delays.length] })).sort((x, y) => x.at - y.at);
  const log = arrival.map((x, k) => ({ ...x.e, seq: k + 1 }));
  const batches = Array.from({ length: log.length }, (_, k) => sizes[k % sizes.length]);

  const whole = await run(log, batches, new Set(), new Set());
  const crashed = await run(log, batches, new Set(crashAt), new Set(checkpointAt));
  // the batch path leaves out what the stream dead-lettered, as verify does
  const batch = () => recomputeCells(log.filter((e) => !whole.dead.has(e.seq)), timeoutOf).values();
  expect(crashed.dead).toEqual(whole.dead);
  expect(diffCells(whole.rollups, batch())).toEqual([]);
  expect(diffCells(crashed.rollups, batch())).toEqual([]);
  expect(crashed.open).toEqual(whole.open);
  // campaigns: every answered call counted once, crashes or not (the batch count: the log less dead letters;
  // a call is its APPEAL_NEW, however often it is queued again)
  expect(crashed.processor.campaigns.export()).toEqual(whole.processor.campaigns.export());
  const answered = log.filter((e) => e.campaignId === 'spring' && e.type === 'APPEAL_NEW' && !whole.dead.has(e.seq)).length;
  expect(crashed.processor.campaigns.answeredTotal('t', 'spring')).toBe(answered);
}

describe('late events, returns after retirement and crashes: the stream equals the batch', () => {
  it('over arbitrary arrival orders, lateness and restarts', async () => {
    await fc.assert(
      fc.asyncProperty(...propertyArbs, checkOne),
      { numRuns: Number(process.env.CCPULSE_PROPERTY_RUNS ?? 300) },
    );
  });

  it('regression: a webchat appeal whose closed segments are separated by gaps past the inactivity timeout', async () => {
    // found by the property above (seed -1325129070, path 151): the live view kept an appeal "in handling" after a crash
    await fc.assert(fc.asyncProperty(...propertyArbs, checkOne), { seed: -1325129070, path: '151' });
  });

  it('is not vacuous: the generated traffic has late events, retired appeals coming back and expiries', async () => {
    // one fixed sample of the same generators must exercise every path the property is about
    const appeals = fc.sample(fc.array(appealArb, { minLength: 30, maxLength: 30 }), { seed: 7, numRuns: 1 })[0];
    const delays = fc.sample(fc.array(delayArb, { minLength: 64, maxLength: 64 }), { seed: 7, numRuns: 1 })[0];
    const events = eventsOf(appeals);
    const log = events
      .map((e, k) => ({ e, at: e.ts + delays[k % delays.length] }))
      .sort((x, y) => x.at - y.at)
      .map((x, k) => ({ ...x.e, seq: k + 1 }));
    const { processor } = await run(log, log.map(() => 5), new Set([3, 9]), new Set([2, 8]));
    expect(processor.stats.late).toBeGreaterThan(3);
    const repairs = processor.live.repairsOf('t');
    expect(repairs.expired).toBeGreaterThan(0);
    expect(repairs.missingStart).toBeGreaterThan(0);
    expect(processor.stats.deadLettered).toBeGreaterThan(0);
    expect(processor.campaigns.answeredTotal('t', 'spring')).toBeGreaterThan(0);
  });
});
