import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CcEvent, LoggedEvent } from '../contract/event.js';
import { createSimulation } from '../sim/index.js';
import { StreamProcessor } from '../stream/processor.js';
import { diffCells, recomputeCells } from './recompute.js';

const timeoutOf = (channel: string) => (channel === 'voice' ? 2 * 3_600_000 : channel === 'email' ? 7 * 86_400_000 : 86_400_000);

/** Delivery as the log sees it: a repeated id is a duplicate and only its first arrival is kept. */
function logged(delivered: CcEvent[]): LoggedEvent[] {
  const seen = new Set<string>();
  const out: LoggedEvent[] = [];
  for (const e of delivered) {
    if (seen.has(e.id)) continue;
    seen.add(e.id);
    out.push({ ...e, tenant: 'default', seq: out.length + 1 });
  }
  return out;
}

describe('the stream equals the batch recomputation from raw events', () => {
  it('on randomized traffic with 1% of events lost, 2% duplicated and delivery reordered by up to 2 minutes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (seed) => {
        const sim = createSimulation({
          scenario: 'random',
          seed,
          durationMs: 45 * 60_000,
          faults: { drop: 0.01, duplicate: 0.02, reorder: 0.3, reorderWindowMs: 120_000 },
        });
        const events = logged(sim.next(sim.endTime + 3_600_000));
        expect(events.length).toBeGreaterThan(100);

        const stream = new StreamProcessor({ inactivityTimeoutOf: timeoutOf, slPolicyOf: () => ({ targetSec: 20, shortAbandonSec: 5, abandonsCount: true }), now: () => sim.endTime });
        // delivered in small batches, as HTTP posts would be
        for (let i = 0; i < events.length; i += 37) stream.apply(events.slice(i, i + 37));
        const streamed = stream.takeCheckpoint().rollupDeltas;

        const batch = recomputeCells(events, timeoutOf).values();
        expect(diffCells(streamed, batch)).toEqual([]);
      }),
      { numRuns: 12 },
    );
  });

  it('notices when the stream and the batch disagree', () => {
    const sim = createSimulation({ scenario: 'demo', seed: 3, durationMs: 10 * 60_000 });
    const events = logged(sim.next(sim.endTime));
    const stream = new StreamProcessor({ inactivityTimeoutOf: timeoutOf, slPolicyOf: () => ({ targetSec: 20, shortAbandonSec: 5, abandonsCount: true }) });
    stream.apply(events.filter((e) => e.type !== 'APPEAL_CLOSED' || e.seq % 10 !== 0));
    const diff = diffCells(stream.takeCheckpoint().rollupDeltas, recomputeCells(events, timeoutOf).values());
    expect(diff.some((d) => d.field === 'ha')).toBe(true);
  });
});
