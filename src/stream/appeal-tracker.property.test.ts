import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventType } from '../contract/event.js';
import { storyOrder, tellAppealStory, type AppealEvent, type Contribution, type OpenSegment } from '../metrics/appeal-story.js';
import { addToAppeal, restoreAppeal, saveAppeal, type AppealSink, type AppealState } from './appeal-tracker.js';
import { CellMap } from './cells.js';

/**
 * The stream tells an appeal incrementally (an event in order changes only the last segment); the
 * definition is tellAppealStory over all the events. After every event, in any arrival order, what the
 * stream has handed on must sum to exactly what the definition gives, and the open part must be the same.
 */

const T0 = Date.UTC(2026, 10, 21, 9, 0, 0);
const MIN = 60_000;
const timeoutOf = (channel: string) => (channel === 'voice' ? 30 * MIN : 90 * MIN);
const TYPES: EventType[] = ['APPEAL_NEW', 'APPEAL_RETURNED', 'APPEAL_SENT_DISTRIBUTION', 'APPEAL_APPOINTED', 'APPEAL_TRANSFERRED', 'APPEAL_CLOSED', 'APPEAL_MISSED'];

// Arbitrary lifecycles, not only plausible ones: any type in any order, gaps past the timeouts, equal times, moves between queues.
const eventArb = fc.record({
  type: fc.constantFrom(...TYPES),
  gap: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5 * MIN }), fc.integer({ min: 0, max: 3 * 60 * MIN })),
  queue: fc.constantFrom('sales', 'support'),
  channel: fc.constantFrom('voice', 'webchat'),
  operator: fc.constantFrom(undefined, 'op1', 'op2'),
});

const scenarioArb = fc
  .array(eventArb, { minLength: 1, maxLength: 14 })
  .chain((evs) => fc.tuple(fc.constant(evs), fc.shuffledSubarray([...evs.keys()], { minLength: evs.length, maxLength: evs.length }), fc.boolean()));

function toEvents(specs: Array<{ type: EventType; gap: number; queue: string; channel: string; operator?: string }>): AppealEvent[] {
  let ts = T0;
  return specs.map((s, i) => {
    ts += s.gap;
    const ev: AppealEvent = { id: `e${String(i).padStart(2, '0')}`, type: s.type, ts, queue: s.queue, channel: s.channel };
    if (s.operator) ev.operatorId = s.operator;
    return ev;
  });
}

function cellsOf(contributions: Iterable<Contribution>): CellMap {
  const m = new CellMap();
  for (const c of contributions) m.add('t', c.queue, c.channel, c.operator, c.bucket, c.counters);
  return m;
}

const sorted = (m: CellMap) => m.nonZero().sort((a, b) => a.queue.localeCompare(b.queue) || a.channel.localeCompare(b.channel) || a.operator.localeCompare(b.operator) || a.bucket - b.bucket);

describe('the incremental appeal story equals tellAppealStory', () => {
  it('after every event, over arbitrary lifecycles and arrival orders (and a save/restore midway)', () => {
    fc.assert(
      fc.property(scenarioArb, ([specs, order, restoreMidway]) => {
        const events = toEvents(specs);
        const handed = new CellMap();
        let open: OpenSegment | null = null;
        const sink: AppealSink = {
          contribution: (_t, c, sign) => handed.add('t', c.queue, c.channel, c.operator, c.bucket, c.counters, sign),
          openChanged: (_t, _k, prev, next) => {
            expect(prev).toEqual(open);
            open = next;
          },
        };
        let st: AppealState = { tenant: 't', appealId: 'a', events: [], timeouts: {}, lastSegment: 0, tail: [], open: null, lastTs: 0, stored: { events: 0, rows: 0 } };
        const seen: AppealEvent[] = [];
        order.forEach((i, n) => {
          if (restoreMidway && n === Math.floor(order.length / 2)) st = restoreAppeal(JSON.parse(JSON.stringify(saveAppeal(st))), timeoutOf, { events: 0, rows: 0 });
          addToAppeal(st, { ...events[i] }, sink, timeoutOf);
          seen.push(events[i]);
          const story = tellAppealStory([...seen].sort(storyOrder), timeoutOf);
          expect(sorted(handed)).toEqual(sorted(cellsOf(story.contributions)));
          expect(open).toEqual(story.open);
          expect(st.open).toEqual(story.open);
        });
      }),
      { numRuns: 400 },
    );
  });
});
