import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CcEvent, EventType, LoggedEvent } from '../../contract/event.js';
import type { Storage } from '../../storage/storage.js';
import type { VerifyReads } from '../../verify/log-reads.js';
import { appealsPage, type AppealsPageOptions } from '../appeals-page.js';
import { decodeCursor, type AppealsCursor } from '../cursor.js';
import { COUNTED_AS, segmentItems } from '../segment-items.js';

/**
 * appealsPage on a backend's reads against the definition told in memory: every segment of every appeal
 * of the tenant (segmentItems over its whole logged story) that has a count of the query in the range is
 * listed, once, across pages of any size, and nothing else; whatever the scan window, the read page size,
 * the story batch, the filters (names like `__proto__` included) and another tenant's appeals of the same ids.
 */

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 21, 10, 0, 0);
const TYPES: EventType[] = ['APPEAL_NEW', 'APPEAL_RETURNED', 'APPEAL_SENT_DISTRIBUTION', 'APPEAL_APPOINTED', 'APPEAL_TRANSFERRED', 'APPEAL_CLOSED', 'APPEAL_MISSED'];
const QUEUES = ['q1', '__proto__'];
const CHANNELS = ['voice', 'chat'];
const OPERATORS = ['o1', 'constructor'];
const TIMEOUTS = { channels: [['voice', 20 * MIN]] as Array<[string, number]>, defaultMs: 60 * MIN };
const SL = { default: { targetSec: 20, shortAbandonSec: 5, abandonsCount: true }, queues: [['__proto__', { targetSec: 60, shortAbandonSec: 10, abandonsCount: false }]] as Array<[string, { targetSec: number; shortAbandonSec: number; abandonsCount: boolean }]>, channels: [] };

const caseArb = fc.record({
  appeals: fc.array(
    fc.record({
      startMin: fc.integer({ min: -90, max: 150 }),
      events: fc.array(
        fc.record({ type: fc.constantFrom(...TYPES, 'APPEAL_APPOINTED', 'APPEAL_SENT_DISTRIBUTION', 'APPEAL_MISSED'), afterSec: fc.integer({ min: 0, max: 900 }), queue: fc.constantFrom(...QUEUES), channel: fc.constantFrom(...CHANNELS), operator: fc.constantFrom(...OPERATORS) }),
        { minLength: 1, maxLength: 7 },
      ),
    }),
    { minLength: 1, maxLength: 20 },
  ),
  order: fc.array(fc.nat(), { maxLength: 100 }),
  from: fc.integer({ min: 0, max: 100 }),
  len: fc.integer({ min: 1, max: 120 }),
  queue: fc.option(fc.constantFrom(...QUEUES, 'nobody'), { nil: undefined }),
  channel: fc.option(fc.constantFrom(...CHANNELS), { nil: undefined }),
  operator: fc.option(fc.constantFrom(...OPERATORS), { nil: undefined }),
  // a team's operators (used when no operator is asked for)
  team: fc.option(fc.subarray([...OPERATORS, 'o9'], { minLength: 1 }), { nil: undefined }),
  outcome: fc.option(fc.constantFrom(...COUNTED_AS), { nil: undefined }),
  limit: fc.constantFrom(1, 2, 5, 1000),
  pageSize: fc.constantFrom(2, 3, 1000),
  appealBatch: fc.constantFrom(1, 3, 50),
  scanMin: fc.constantFrom(1, 5, 7, 45, 500),
});
type Case = typeof caseArb extends fc.Arbitrary<infer A> ? A : never;

function eventsOf(tenant: string, c: Case): CcEvent[] {
  const out: CcEvent[] = [];
  c.appeals.forEach((a, i) => {
    let sec = a.startMin * 60;
    for (const e of a.events) {
      sec += e.afterSec;
      const ev: CcEvent = { id: `${tenant}-e${out.length}`, type: e.type, ts: T0 + sec * 1000, appealId: `a${i}`, queue: e.queue, channel: e.channel };
      if (e.type === 'APPEAL_APPOINTED' || e.type === 'APPEAL_TRANSFERRED' || e.type === 'APPEAL_CLOSED') ev.operatorId = e.operator;
      out.push(ev);
    }
  });
  for (let i = 0; i < c.order.length && out.length > 1; i++) {
    const j = c.order[i] % out.length;
    const k = (i * 7 + 3) % out.length;
    [out[j], out[k]] = [out[k], out[j]];
  }
  return out;
}

export interface AppealsSubject {
  storage: Storage;
  reads: VerifyReads;
}

export function appealsPageProperty(name: string, open: () => Promise<AppealsSubject>, opts: { enabled?: () => Promise<boolean>; runs?: number } = {}) {
  describe(`appealsPage lists the segments the definitions count (${name})`, () => {
    let subject: AppealsSubject;
    let enabled = true;
    let runs = 0;
    beforeAll(async () => {
      enabled = opts.enabled ? await opts.enabled() : true;
      if (enabled) subject = await open();
    });
    afterAll(async () => {
      if (enabled) await subject.storage.close();
    });

    it('on generated logs, page after page', async (ctx) => {
      if (!enabled) return ctx.skip();
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          const tenant = `ap${++runs}`;
          const events = eventsOf(tenant, c);
          // another tenant with the same appeal ids: never read
          const decoy = eventsOf(`${tenant}x`, { ...c, order: [] }).map((e) => ({ ...e, queue: QUEUES[0], channel: CHANNELS[0] }));
          const seqs = await subject.storage.append([...events.map((event) => ({ tenant, event })), ...decoy.map((event) => ({ tenant: `${tenant}x`, event }))]);
          const maxSeq = Math.max(...seqs.map((s) => s ?? 0));
          const from = T0 + c.from * MIN;
          const to = Math.min(from + c.len * MIN, from + 24 * 60 * MIN);
          const base: Omit<AppealsPageOptions, 'after'> = {
            tenant, from, to, queue: c.queue, channel: c.channel, operator: c.operator, team: c.operator === undefined ? c.team : undefined, outcome: c.outcome, limit: c.limit,
            maxSeq, deadSeqs: [], timeouts: TIMEOUTS, sl: SL, archived: [], scanMs: c.scanMin * MIN, pageSize: c.pageSize, appealBatch: c.appealBatch,
          };

          const got: string[] = [];
          const gotCounts = new Map<string, string[]>();
          let after: AppealsCursor | null = null;
          for (let page = 0; ; page++) {
            expect(page).toBeLessThan(500);
            const r = await appealsPage(subject.reads, { ...base, after });
            const items = JSON.parse(r.itemsJson) as Array<{ appealId: string; segment: number; counts: Array<{ as: string; queue: string; channel: string; operator?: string; minute: string }> }>;
            expect(items.length).toBeLessThanOrEqual(c.limit);
            for (const i of items) {
              got.push(`${i.appealId}#${i.segment}`);
              gotCounts.set(`${i.appealId}#${i.segment}`, i.counts.map((k) => `${k.as} ${k.queue} ${k.channel} ${k.operator ?? ''} ${k.minute}`).sort());
            }
            if (r.next === null) break;
            expect(items.length).toBe(c.limit);
            after = decodeCursor(r.next);
            expect(after).not.toBeNull();
          }

          const byAppeal = new Map<string, LoggedEvent[]>();
          events.forEach((e, i) => byAppeal.set(e.appealId!, [...(byAppeal.get(e.appealId!) ?? []), { ...e, tenant, seq: seqs[i]! }]));
          const ctxOf = {
            inactivityTimeoutOf: (ch: string) => new Map(TIMEOUTS.channels).get(ch) ?? TIMEOUTS.defaultMs,
            slPolicyOf: (q: string) => new Map(SL.queues).get(q) ?? SL.default,
          };
          const want = new Map<string, string[]>();
          // whose numbers: an operator's, else a team's operators', else the queue × channel cells'
          const team = c.operator === undefined ? c.team : undefined;
          const whose = (op: string) => (c.operator !== undefined ? op === c.operator : team ? team.includes(op) : op === '');
          for (const [id, story] of byAppeal) {
            for (const item of segmentItems(id, story, ctxOf)) {
              const where = item.counts.filter((k) => k.bucket >= from && k.bucket < to && (c.queue === undefined || k.queue === c.queue) && (c.channel === undefined || k.channel === c.channel) && whose(k.operator));
              if (c.operator !== undefined && !item.operators.includes(c.operator)) continue;
              if (team && !item.operators.some((op) => team.includes(op))) continue;
              if (!where.some((k) => c.outcome === undefined || k.as === c.outcome)) continue;
              want.set(`${id}#${item.segment}`, where.map((k) => `${k.as} ${k.queue} ${k.channel} ${k.operator} ${new Date(k.bucket).toISOString()}`).sort());
            }
          }
          expect(new Set(got).size, 'an item listed twice').toBe(got.length);
          expect([...got].sort()).toEqual([...want.keys()].sort());
          for (const [k, counts] of want) expect(gotCounts.get(k), k).toEqual(counts);
        }),
        {
          numRuns: Number(process.env.CCPULSE_PROPERTY_RUNS ?? opts.runs ?? 60),
          // found by the property: a page that fills up with the segments left of the cursor's own appeal
          examples: [[{ appeals: [{ startMin: 0, events: [0, 1, 2].map(() => ({ type: 'APPEAL_NEW' as const, afterSec: 0, queue: 'q1', channel: 'voice', operator: 'o1' })) }, { startMin: 0, events: [{ type: 'APPEAL_NEW', afterSec: 0, queue: 'q1', channel: 'voice', operator: 'o1' }] }], order: [], from: 0, len: 1, queue: undefined, channel: undefined, operator: undefined, team: undefined, outcome: undefined, limit: 1, pageSize: 2, appealBatch: 1, scanMin: 1 }]],
        },
      );
    }, 300_000);
  });
}
