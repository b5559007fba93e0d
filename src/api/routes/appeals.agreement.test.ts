import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CcEvent, EventType } from '../../contract/event.js';
import { createSimulation } from '../../sim/index.js';
import { startTestApp, type TestApp } from '../testing/test-app.js';

/**
 * The drill-down agrees with the numbers: for any range, queue and channel, the appeals GET /v1/appeals
 * counts as offered, aa, ha, missed equal /v1/metrics' counters, its SL verdicts give the same SL %, the
 * appeals it lists as open at the end are as many as "Open at end", and the longest wait opens its own.
 * On simulated traffic with lost, duplicated and reordered events, and on random hand-made stories
 * delivered in random order, some later than the allowed lateness, some dead-lettered (a queue not
 * known in strict mode: the stream leaves them out, and so must the drill-down).
 */

const M = 60_000;
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 5 * 3_600_000;
const FIELDS = ['offered', 'aa', 'ha', 'missed'] as const;
const KINDS = ['offered', 'aa', 'ha', 'missed', 'withinSl', 'outsideSl', 'shortMissed'] as const;
type Tally = Record<(typeof KINDS)[number], number>;
interface Item {
  appealId: string;
  segment: number;
  counts: Array<{ as: (typeof KINDS)[number] | 'queued' | 'waited' | 'handled'; queue: string; channel: string; operator?: string; waitSec?: number }>;
}

let t: TestApp;
const TEAMS = new Map<string, string[]>();
const get = async (url: string) => {
  const res = await t.app.inject({ url });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  return res.json();
};
const post = async (events: unknown[]) => {
  for (let i = 0; i < events.length; i += 500) {
    const res = await t.app.inject({ method: 'POST', url: '/v1/events', payload: events.slice(i, i + 500) });
    expect(res.statusCode, res.body).toBe(202);
  }
};

/** Every item of the query, page after page (each item once: a repeat fails the test). */
async function listAll(query: string, limit = 1000): Promise<Item[]> {
  const out: Item[] = [];
  const keys = new Set<string>();
  for (let after: string | null = null, pages = 0; ; pages++) {
    expect(pages).toBeLessThan(10_000);
    const body: { items: Item[]; next: string | null } = await get(`/v1/appeals?${query}&limit=${limit}${after ? `&after=${after}` : ''}`);
    for (const i of body.items) {
      const k = `${i.appealId}#${i.segment}`;
      expect(keys.has(k), `${k} listed twice`).toBe(false);
      keys.add(k);
      out.push(i);
    }
    if (!(after = body.next)) return out;
  }
}

const tallyOf = (items: Item[]) => {
  const m = new Map<string, Tally>();
  for (const i of items) {
    for (const c of i.counts) {
      const k = `${c.queue}\u0001${c.channel}`;
      const tally = m.get(k) ?? (Object.fromEntries(KINDS.map((f) => [f, 0])) as Tally);
      if (isKind(c.as)) tally[c.as]++;
      m.set(k, tally);
    }
  }
  return m;
};
const round1 = (x: number) => Math.round(x * 10) / 10;
const isKind = (as: string): as is (typeof KINDS)[number] => (KINDS as readonly string[]).includes(as);

/**
 * The longest wait of a row opens the waits in its histogram bin: every one listed shows that bin's
 * lower edge (what the row shows), and none start a bin above it. `filter` selects the row's numbers.
 */
async function expectLongestWait(range: string, filter: string, longestWaitSec: number | null, where: string): Promise<void> {
  if (longestWaitSec === null) return;
  const items = await listAll(`${range}&${filter}&outcome=queued&minWaitSec=${longestWaitSec}`);
  expect(items.length, `longest wait of ${where}: no appeal listed`).toBeGreaterThan(0);
  for (const i of items) for (const c of i.counts) if (c.as === 'queued') expect(c.waitSec, `wait of ${i.appealId} behind the longest wait of ${where}`).toBe(longestWaitSec);
  if (longestWaitSec < 86_400) expect(await listAll(`${range}&${filter}&outcome=queued&minWaitSec=${longestWaitSec + 1}`), `a wait longer than the longest of ${where}`).toEqual([]);
}

/** The drill-down of [from, to) against /v1/metrics of the same range, per queue × channel. */
async function expectAgreement(from: number, to: number): Promise<number> {
  const range = `from=${from}&to=${to}`;
  const tally = tallyOf(await listAll(range));
  const { rows } = await get(`/v1/metrics?${range}&groupBy=queue,channel`);
  const zero = Object.fromEntries(KINDS.map((f) => [f, 0])) as Tally;
  const keys = new Set([...tally.keys(), ...rows.map((r: { queue: string; channel: string }) => `${r.queue}\u0001${r.channel}`)]);
  let counted = 0;
  for (const k of keys) {
    const row = rows.find((r: { queue: string; channel: string }) => `${r.queue}\u0001${r.channel}` === k) ?? { offered: 0, aa: 0, ha: 0, missed: 0, slPct: null };
    const mine = tally.get(k) ?? zero;
    const where = `${k.replace('\u0001', ' × ')} in ${new Date(from).toISOString()}–${new Date(to).toISOString()}`;
    for (const f of FIELDS) expect(mine[f], `${f} of ${where}`).toBe(row[f]);
    const judged = mine.withinSl + mine.outsideSl;
    expect(judged ? round1((mine.withinSl / judged) * 100) : null, `slPct of ${where}`).toBe(row.slPct);
    counted += mine.offered + mine.aa + mine.ha + mine.missed;
    const [queue, channel] = k.split('\u0001');
    const filter = `queue=${encodeURIComponent(queue)}&channel=${encodeURIComponent(channel)}`;
    await expectLongestWait(range, filter, row.longestWaitSec ?? null, where);
    // Open at end: the appeals open at `to` in this queue × channel, whether or not they had an event in the range
    if (row.qa) expect((await listAll(`${range}&${filter}&outcome=open`)).length, `open at the end of ${where}`).toBe(row.qa);
  }
  const open = rows.reduce((n: number, r: { qa: number }) => n + r.qa, 0);
  expect((await listAll(`${range}&outcome=open`, 17)).length, `open at ${new Date(to).toISOString()}`).toBe(open);
  await expectOperatorAgreement(range, 'operator');
  await expectOperatorAgreement(range, 'team');
  return counted;
}

/** The same for each operator's numbers (each hand-over to them) and each team's, against /v1/metrics grouped so. */
async function expectOperatorAgreement(range: string, by: 'operator' | 'team'): Promise<void> {
  const { rows } = await get(`/v1/metrics?${range}&groupBy=${by}`);
  for (const row of rows as Array<Record<string, number | string | null>>) {
    const who = row[by] as string;
    if (who === '') continue; // operators in no team: no team to ask for
    const items = await listAll(`${range}&${by}=${encodeURIComponent(who)}`);
    const mine = Object.fromEntries(KINDS.map((f) => [f, 0])) as Tally;
    for (const i of items) {
      for (const c of i.counts) {
        expect(by === 'operator' ? c.operator === who : TEAMS.get(who)!.includes(c.operator!), `${c.operator}'s count listed for ${by} ${who}`).toBe(true);
        if (isKind(c.as)) mine[c.as]++;
      }
    }
    const where = `${by} ${who} in ${range}`;
    await expectLongestWait(range, `${by}=${encodeURIComponent(who)}`, row.longestWaitSec as number | null, where);
    for (const f of FIELDS) expect(mine[f], `${f} of ${where}`).toBe(row[f]);
    const judged = mine.withinSl + mine.outsideSl;
    expect(judged ? round1((mine.withinSl / judged) * 100) : null, `slPct of ${where}`).toBe(row.slPct);
  }
}

const sim = createSimulation({ scenario: 'random', seed: 11, startTime: T0, durationMs: 60 * M, faults: { drop: 0.02, duplicate: 0.02, reorder: 0.3, reorderWindowMs: 120_000 } });
const simEvents = sim.next(sim.endTime + 30 * M);

beforeAll(async () => {
  // strict queues: the simulation's and the property's, not 'qx' (its events go to the dead-letter queue)
  const knownQueues = [...new Set(simEvents.flatMap((e) => (e.queue ? [e.queue] : [])))].concat('qa', 'qb');
  t = await startTestApp({ knownQueues });
  // teams: the property's two operators in one, some of the simulation's in another, the rest in none
  const simOperators = [...new Set(simEvents.flatMap((e) => (e.operatorId ? [e.operatorId] : [])))].sort();
  TEAMS.set('pair', ['o1', 'o2']).set('sim', simOperators.filter((_, i) => i % 3 === 0));
  const res = await t.app.inject({ method: 'PUT', url: '/v1/settings', payload: { version: 0, settings: { teams: Object.fromEntries(TEAMS) } } });
  expect(res.statusCode, res.body).toBe(200);
}, 60_000);
afterAll(() => t?.close());

describe('GET /v1/appeals agrees with GET /v1/metrics', () => {
  it('on an hour of simulated traffic with lost, duplicated, reordered and very late events', async () => {
    const events = simEvents;
    // one appeal event in 30 held back and sent last: hours later in event time than the allowed lateness
    const late = events.filter((e, i) => e.type !== 'OPERATOR_STATUS' && i % 30 === 7);
    await post(events.filter((e, i) => !(e.type !== 'OPERATOR_STATUS' && i % 30 === 7)));
    await post(late);
    expect(late.length).toBeGreaterThan(20);
    const whole = await expectAgreement(T0, T0 + 90 * M);
    expect(whole).toBeGreaterThan(300);
    await expectAgreement(T0 + 7 * M + 13_000, T0 + 23 * M + 1); // edges widened to whole minutes, as /v1/metrics does
    await expectAgreement(T0 + 30 * M, T0 + 31 * M);
    await expectAgreement(T0 - 60 * M, T0 + 15 * M);

    // a number drilled into by its own filters gives just as many appeals, in small pages
    const { rows } = await get(`/v1/metrics?from=${T0}&to=${T0 + 60 * M}&groupBy=queue,channel`);
    const busiest = [...rows].sort((a, b) => b.missed - a.missed)[0];
    expect(busiest.missed).toBeGreaterThan(0);
    const q = `from=${T0}&to=${T0 + 60 * M}&queue=${encodeURIComponent(busiest.queue)}&channel=${encodeURIComponent(busiest.channel)}`;
    expect((await listAll(`${q}&outcome=missed`, 7)).length).toBe(busiest.missed);
    expect((await listAll(`${q}&outcome=offered`, 13)).length).toBe(busiest.offered);
    expect((await listAll(`${q}&outcome=aa`, 50)).length).toBe(busiest.aa);
  }, 240_000);

  it('on random stories delivered in random order (property)', async () => {
    let run = 0;
    let dead = 0;
    const segment = fc.record({
      queue: fc.constantFrom('qa', 'qb'),
      channel: fc.constantFrom('voice', 'webchat'),
      startSec: fc.integer({ min: 0, max: 50 * 60 }),
      sdDelaySec: fc.integer({ min: 0, max: 30 }),
      end: fc.constantFrom('answer', 'miss', 'none'),
      waitSec: fc.integer({ min: 0, max: 90 }),
      handleSec: fc.integer({ min: 1, max: 600 }),
      close: fc.boolean(),
      transferTo: fc.option(fc.constantFrom('qa', 'qb', 'qx'), { nil: undefined }),
      returnAfterSec: fc.option(fc.integer({ min: 0, max: 900 }), { nil: undefined }),
    });
    const delivery = fc.record({ order: fc.integer(), lost: fc.integer({ min: 0, max: 99 }), late: fc.integer({ min: 0, max: 99 }) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ seg: segment, delivery: fc.array(delivery, { minLength: 12, maxLength: 12 }) }), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 1, max: 60 }),
        async (appeals, subFrom, subLen) => {
          const base = T0 - (++run + 2) * 3 * 3_600_000; // each run an hour of its own, far from the others
          const sent: Array<{ e: object; order: number; late: boolean }> = [];
          appeals.forEach(({ seg, delivery: d }, i) => {
            const appealId = `p${run}-${i}`;
            let k = 0;
            const at = (sec: number, type: EventType, extra: Partial<CcEvent> = {}) => {
              const how = d[k++];
              if (k > 1 && how.lost < 15) return; // a lost event (never the first: the story would be empty)
              sent.push({ e: { id: `${appealId}-${k}`, type, ts: base + sec * 1000, appealId, queue: seg.queue, channel: seg.channel, ...extra }, order: how.order, late: how.late < 20 });
            };
            const s = seg.startSec;
            at(s, 'APPEAL_NEW');
            at(s + seg.sdDelaySec, 'APPEAL_SENT_DISTRIBUTION');
            const queued = s + seg.sdDelaySec;
            if (seg.end === 'miss') at(queued + seg.waitSec, 'APPEAL_MISSED');
            if (seg.end === 'answer') {
              at(queued + seg.waitSec, 'APPEAL_APPOINTED', { operatorId: 'o1' });
              if (seg.transferTo) at(queued + seg.waitSec + 5, 'APPEAL_TRANSFERRED', { operatorId: 'o2', queue: seg.transferTo });
              if (seg.close) at(queued + seg.waitSec + seg.handleSec, 'APPEAL_CLOSED', { operatorId: 'o2', ...(seg.transferTo ? { queue: seg.transferTo } : {}) });
            }
            if (seg.returnAfterSec !== undefined) {
              const r = queued + seg.waitSec + seg.handleSec + seg.returnAfterSec;
              at(r, 'APPEAL_RETURNED');
              at(r + 4, 'APPEAL_MISSED');
            }
          });
          sent.sort((a, b) => a.order - b.order);
          await post(sent.filter((x) => !x.late).map((x) => x.e));
          await post(sent.filter((x) => x.late).map((x) => x.e));
          await expectAgreement(base, base + 80 * M);
          await expectAgreement(base + subFrom * M + 7_000, base + (subFrom + subLen) * M);
          dead += sent.filter((x) => (x.e as { queue: string }).queue === 'qx').length;
        },
      ),
      { numRuns: 25 },
    );
    expect(dead, 'dead letters among the events sent').toBeGreaterThan(0);
  }, 300_000);
});
