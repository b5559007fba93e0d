import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CcEvent, EventType } from '../../contract/event.js';
import type { Storage } from '../../storage/storage.js';
import type { VerifyReads } from '../log-reads.js';
import { checkAgainstWholeLog, MIN, type DeadFate } from './whole-log-check.js';

/**
 * verifyRange against the old whole-log recomputation on generated logs (see whole-log-check.ts):
 * stories that begin long before the range and end long after it, channels with different timeouts
 * (voice 20 min, email 3 h, others 1 h), appeals moving between channels, any log order, dead letters
 * committed and pending, events logged while verify runs, pages down to 2 rows.
 */

const T0 = Date.UTC(2026, 10, 21, 10, 0, 0);
const TYPES: EventType[] = ['APPEAL_NEW', 'APPEAL_RETURNED', 'APPEAL_SENT_DISTRIBUTION', 'APPEAL_APPOINTED', 'APPEAL_TRANSFERRED', 'APPEAL_CLOSED', 'APPEAL_MISSED'];

const eventArb = fc.record({
  type: fc.constantFrom(...TYPES, 'APPEAL_APPOINTED', 'APPEAL_SENT_DISTRIBUTION'),
  offset: fc.integer({ min: 0, max: 600 }),
  sec: fc.integer({ min: 0, max: 59 }),
  channel: fc.constantFrom('voice', 'email', 'chat'),
  queue: fc.constantFrom('q1', 'q2'),
  operator: fc.constantFrom('o1', 'o2'),
});
const appealArb = fc.record({
  channel: fc.constantFrom('voice', 'email', 'chat', null), // null: each event its own (the appeal moves)
  startMin: fc.integer({ min: -300, max: 240 }), // the range is [T0, T0 + 2 h)
  spread: fc.constantFrom(5, 30, 120, 400), // minutes its events spread over
  events: fc.array(eventArb, { minLength: 1, maxLength: 8 }),
});
const caseArb = fc.record({
  appeals: fc.array(appealArb, { minLength: 1, maxLength: 25 }),
  swaps: fc.array(fc.nat(), { maxLength: 200 }),
  dead: fc.array(fc.constantFrom<DeadFate>('no', 'no', 'no', 'no', 'no', 'stored', 'pending'), { maxLength: 50 }),
  laterShare: fc.constantFrom(0, 0.1, 0.3, 0.6),
  chunkMin: fc.constantFrom(15, 30, 60, 120),
  pageSize: fc.constantFrom(2, 3, 7, 1000),
  appealBatch: fc.constantFrom(1, 3, 50),
  scanMin: fc.constantFrom(1, 7, 45, 500), // appeal-id scans narrower than a chunk, not dividing it, wider
});
type Case = typeof caseArb extends fc.Arbitrary<infer A> ? A : never;

function eventsOf(tenant: string, c: Case): CcEvent[] {
  const out: CcEvent[] = [];
  c.appeals.forEach((a, i) => {
    for (const e of a.events) {
      const atMin = a.startMin + Math.round((e.offset / 600) * a.spread);
      const ev: CcEvent = { id: `${tenant}-e${out.length}`, type: e.type, ts: T0 + atMin * MIN + e.sec * 1000, appealId: `a${i}`, channel: a.channel ?? e.channel, queue: e.queue };
      if (e.type === 'APPEAL_APPOINTED' || e.type === 'APPEAL_TRANSFERRED' || e.type === 'APPEAL_CLOSED') ev.operatorId = e.operator;
      out.push(ev);
    }
  });
  for (let i = 0; i < c.swaps.length && out.length > 1; i++) {
    const j = c.swaps[i] % out.length;
    const k = (i * 7 + 3) % out.length;
    [out[j], out[k]] = [out[k], out[j]];
  }
  return out;
}

/** A backend to run the property on: its storage and verify's reads on it. */
export interface VerifySubject {
  storage: Storage;
  reads: VerifyReads;
}

/** The property, on one backend (`enabled`: whether its server is there; see testing/require-server.ts). */
export function verifyRangeProperty(name: string, open: () => Promise<VerifySubject>, opts: { enabled?: () => Promise<boolean>; runs?: number } = {}) {
describe(`verifyRange equals the whole-log recomputation (${name})`, () => {
let subject: VerifySubject;
let enabled = true;
let runs = 0;
beforeAll(async () => {
  enabled = opts.enabled ? await opts.enabled() : true;
  if (enabled) subject = await open();
});
afterAll(async () => {
  if (enabled) await subject.storage.close();
});

const run = (c: Case, corrupt = false) => {
  const tenant = `p${++runs}`;
  const events = eventsOf(tenant, c);
  return checkAgainstWholeLog(subject.storage, subject.reads, {
    tenant, events, laterFrom: Math.ceil(events.length * (1 - c.laterShare)), perSnapshot: 3,
    deadFate: (i) => (c.dead.length ? c.dead[i % c.dead.length] : 'no'),
    from: T0, to: T0 + 120 * MIN, chunkMs: c.chunkMin * MIN, pageSize: c.pageSize, appealBatch: c.appealBatch, scanMs: c.scanMin * MIN, corrupt,
  });
};

  it('on generated logs', async (ctx) => {
    if (!enabled) return ctx.skip();
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const r = await run(c);
        expect(r.differences).toEqual([]);
        expect(r.totalDifferences).toBe(0);
      }),
      { numRuns: Number(process.env.CCPULSE_PROPERTY_RUNS ?? opts.runs ?? 80) },
    );
  }, 300_000);

  it('is not vacuous: a wrong stream side is reported', async (ctx) => {
    if (!enabled) return ctx.skip();
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const r = await run(c, true);
        if (r.cells > 0) expect(r.totalDifferences).toBeGreaterThan(0);
      }),
      { numRuns: 10 },
    );
  }, 120_000);
});
}
