import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventType, LoggedEvent } from '../contract/event.js';
import { decodeAppeals } from './appeal-codec.js';
import type { SavedAppeal } from './appeal-tracker.js';
import { StreamProcessor, type CheckpointTake } from './processor.js';
import { reconcileLateEvents } from './reconcile.js';
import { logReader } from './testing/harness.js';

/**
 * Checkpoints write an appeal whole, or only its new events as a continuation row, and delete rows of
 * appeals retired or rewritten. Whatever the arrival order, the retirements, the late events told again
 * from the log and the checkpoints' timing,
 * the rows a checkpoint leaves in storage must read back as exactly what memory held when it was taken.
 */

const T0 = Date.UTC(2026, 10, 21, 9, 0, 0);
const MIN = 60_000;
const TYPES: EventType[] = ['APPEAL_NEW', 'APPEAL_RETURNED', 'APPEAL_SENT_DISTRIBUTION', 'APPEAL_APPOINTED', 'APPEAL_TRANSFERRED', 'APPEAL_CLOSED', 'APPEAL_MISSED'];

const eventArb = fc.record({
  appeal: fc.integer({ min: 0, max: 3 }),
  type: fc.constantFrom(...TYPES),
  // now and then far enough ahead for settled appeals to be retired, and later events to tell a new story
  gap: fc.oneof(fc.integer({ min: 0, max: 2 * MIN }), fc.integer({ min: 0, max: 40 * MIN })),
  operator: fc.constantFrom(undefined, 'op1'),
});

const scenarioArb = fc.array(eventArb, { minLength: 1, maxLength: 40 }).chain((specs) =>
  fc.tuple(
    fc.constant(specs),
    // delivery: mostly in order, some events delivered a few places late
    fc.array(fc.tuple(fc.integer({ min: 0, max: specs.length - 1 }), fc.integer({ min: 1, max: 8 })), { maxLength: 12 }),
    fc.array(fc.integer({ min: 1, max: 15 }), { minLength: 40, maxLength: 40 }),
  ),
);

/** The appeal rows a sequence of commits leaves in storage (deletes first, then upserts, as storage applies them). */
class Rows {
  readonly rows = new Map<string, string>();
  commit(take: CheckpointTake): void {
    for (const key of take.deletes) this.rows.delete(key);
    for (const u of take.upserts) this.rows.set(u.key, u.value);
  }
  read(): SavedAppeal[] {
    return sortAppeals(decodeAppeals([...this.rows.values()].map((v) => JSON.parse(v))).map((a) => a.saved));
  }
}

const sortAppeals = (list: SavedAppeal[]) => JSON.parse(JSON.stringify([...list].sort((a, b) => a.appealId.localeCompare(b.appealId))));

describe('checkpoint rows', () => {
  it('read back as exactly what memory held, across continuations, rewrites, retirements and late events', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ([specs, swaps, batches]) => {
        let ts = T0;
        const events: LoggedEvent[] = specs.map((s, i) => {
          ts += s.gap;
          const e: LoggedEvent = { tenant: 't', seq: 0, id: `e${i}`, type: s.type, ts, appealId: `a${s.appeal}`, queue: 'q', channel: 'voice' };
          if (s.operator) e.operatorId = s.operator;
          return e;
        });
        for (const [i, by] of swaps) events.splice(Math.min(i + by, events.length - 1), 0, ...events.splice(i, 1));
        events.forEach((e, i) => (e.seq = i + 1));
        const p = new StreamProcessor({
          inactivityTimeoutOf: () => 10 * MIN,
          slPolicyOf: () => ({ targetSec: 20, shortAbandonSec: 5, abandonsCount: true }),
          now: () => T0,
          allowedLatenessMs: 5 * MIN,
        });
        const store = new Rows();
        let at = 0;
        for (const n of batches) {
          if (at >= events.length) break;
          p.apply(events.slice(at, at + n));
          at += n;
          await reconcileLateEvents(p, logReader(events.slice(0, at), new Set()), []);
          store.commit(p.takeCheckpoint());
          expect(store.read()).toEqual(sortAppeals(p.heldAppeals()));
        }
      }),
      { numRuns: 300 },
    );
  });
});
