import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventType, LoggedEvent } from '../contract/event.js';
import { isZero } from '../metrics/counters.js';
import type { RollupCell } from '../storage/storage.js';
import { CellMap } from './cells.js';
import { StreamProcessor, type CheckpointTake, type ProcessorState } from './processor.js';

const T0 = Date.UTC(2026, 10, 21, 9, 0, 0);
const QUEUES = ['sales', 'support'];
const CHANNELS = ['voice', 'webchat'];

/** A random appeal: one or two segments, each with some lifecycle events possibly lost. */
const appealArb = fc.record({
  start: fc.integer({ min: 0, max: 3_600_000 }),
  queue: fc.constantFrom(...QUEUES),
  channel: fc.constantFrom(...CHANNELS),
  sdAfter: fc.integer({ min: 0, max: 5_000 }),
  waitMs: fc.integer({ min: 0, max: 300_000 }),
  handleMs: fc.integer({ min: 1_000, max: 900_000 }),
  outcome: fc.constantFrom('closed', 'missed', 'open', 'transferred'),
  lose: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
  returnsAfter: fc.option(fc.integer({ min: 1_000, max: 7_200_000 })),
});

type Appeal = typeof appealArb extends fc.Arbitrary<infer T> ? T : never;

function eventsOf(appeals: Appeal[]): LoggedEvent[] {
  const out: LoggedEvent[] = [];
  appeals.forEach((a, i) => {
    const appealId = `a${i}`;
    const push = (type: EventType, at: number, lost: boolean, extra: Partial<LoggedEvent> = {}) => {
      if (!lost) out.push({ tenant: 't', seq: 0, id: `${appealId}-${out.length}`, type, ts: T0 + at, appealId, queue: a.queue, channel: a.channel, ...extra });
    };
    const segment = (startType: EventType, at: number) => {
      push(startType, at, false);
      const queued = at + a.sdAfter;
      push('APPEAL_SENT_DISTRIBUTION', queued, a.lose[0]);
      if (a.outcome === 'missed') return push('APPEAL_MISSED', queued + a.waitMs, a.lose[1]);
      push('APPEAL_APPOINTED', queued + a.waitMs, a.lose[2], { operatorId: 'op1' });
      if (a.outcome === 'transferred') push('APPEAL_TRANSFERRED', queued + a.waitMs + a.handleMs / 2, a.lose[3], { operatorId: 'op2', queue: 'support' });
      if (a.outcome !== 'open') push('APPEAL_CLOSED', queued + a.waitMs + a.handleMs, a.lose[4], { operatorId: 'op2', queue: a.outcome === 'transferred' ? 'support' : a.queue });
    };
    segment('APPEAL_NEW', a.start);
    if (a.returnsAfter !== null) segment('APPEAL_RETURNED', a.start + a.sdAfter + a.waitMs + a.handleMs + a.returnsAfter);
  });
  return out;
}

const newProcessor = (allowedLatenessMs = 48 * 3_600_000) =>
  new StreamProcessor({
    inactivityTimeoutOf: (c) => (c === 'voice' ? 3_600_000 : 7_200_000),
    slPolicyOf: () => ({ targetSec: 20, shortAbandonSec: 5, abandonsCount: true }),
    now: () => T0 + 2 * 3_600_000,
    // the shuffle test reorders across hours: there every appeal is kept, so no event counts as too late
    allowedLatenessMs,
  });

const withSeq = (events: LoggedEvent[]) => events.map((e, i) => ({ ...e, seq: i + 1 }));

/** The rollups a run produced: the sum of every checkpoint's deltas, zero cells removed, in key order. */
function rollupsOf(...takes: RollupCell[][]): Record<string, RollupCell['counters']> {
  const sum = new CellMap();
  for (const t of takes) for (const c of t) sum.addCell(c);
  return Object.fromEntries([...sum.cells].filter(([, c]) => !isZero(c.counters)).sort(([a], [b]) => a.localeCompare(b)).map(([k, c]) => [k, c.counters]));
}

const savedAppeals = (take: CheckpointTake) => take.upserts.map((u) => JSON.parse(u.value));

describe('stream processor invariants', () => {
  it('the rollups do not depend on the order events are delivered in', () => {
    fc.assert(
      fc.property(fc.array(appealArb, { minLength: 1, maxLength: 25 }), fc.integer(), (appeals, seed) => {
        const events = eventsOf(appeals);
        const inOrder = newProcessor();
        inOrder.apply(withSeq([...events].sort((a, b) => a.ts - b.ts)));
        const shuffled = newProcessor();
        shuffled.apply(withSeq(fc.sample(fc.shuffledSubarray(events, { minLength: events.length }), { seed, numRuns: 1 })[0]));
        expect(rollupsOf(shuffled.takeCheckpoint().rollupDeltas)).toEqual(rollupsOf(inOrder.takeCheckpoint().rollupDeltas));
        expect(shuffled.live.snapshot('t', 0)).toEqual(inOrder.live.snapshot('t', 0));
      }),
      { numRuns: 150 },
    );
  });

  it('with the default retention, delivery delayed by up to 2 minutes gives the in-order rollups', () => {
    fc.assert(
      fc.property(fc.array(appealArb, { minLength: 1, maxLength: 25 }), fc.array(fc.integer({ min: 0, max: 120_000 }), { minLength: 200, maxLength: 200 }), (appeals, delays) => {
        const events = eventsOf(appeals).sort((a, b) => a.ts - b.ts);
        const inOrder = newProcessor(5 * 60_000);
        inOrder.apply(withSeq(events));
        const delayed = newProcessor(5 * 60_000);
        const arrival = events.map((e, i) => ({ e, at: e.ts + delays[i % delays.length] })).sort((a, b) => a.at - b.at);
        delayed.apply(withSeq(arrival.map((x) => x.e)));
        expect(rollupsOf(delayed.takeCheckpoint().rollupDeltas)).toEqual(rollupsOf(inOrder.takeCheckpoint().rollupDeltas));
      }),
      { numRuns: 150 },
    );
  });

  it('checkpoint, restore from the serialized state and continue equals one uninterrupted run', () => {
    fc.assert(
      fc.property(fc.array(appealArb, { minLength: 1, maxLength: 25 }), fc.double({ min: 0, max: 1, noNaN: true }), (appeals, cut) => {
        const events = withSeq(eventsOf(appeals));
        const k = Math.floor(events.length * cut);
        const whole = newProcessor();
        whole.apply(events);
        const first = newProcessor();
        first.apply(events.slice(0, k));
        const take1 = first.takeCheckpoint();
        const second = newProcessor();
        second.restore(JSON.parse(take1.state) as ProcessorState, savedAppeals(take1));
        // as the engine does at start: the live window comes from the committed rollups
        second.live.seedRecent(take1.rollupDeltas.filter((c) => c.operator === ''));
        second.apply(events); // replays from the start: positions up to the checkpoint are skipped
        expect(rollupsOf(take1.rollupDeltas, second.takeCheckpoint().rollupDeltas)).toEqual(rollupsOf(whole.takeCheckpoint().rollupDeltas));
        expect(second.live.snapshot('t', 0)).toEqual(whole.live.snapshot('t', 0));
      }),
      { numRuns: 150 },
    );
  });
});
