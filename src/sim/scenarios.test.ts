import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CcEvent } from '../contract/event.js';
import { checkAppealOrder, createSimulation, getScenario, SCENARIOS, type SimulationOptions } from './index.js';

const MIN = 60_000;

function run(opts: SimulationOptions): { events: CcEvent[]; start: number; stats: ReturnType<ReturnType<typeof createSimulation>['stats']> } {
  const sim = createSimulation(opts);
  const events: CcEvent[] = [];
  while (!sim.done) for (const e of sim.next(sim.now + 5 * MIN)) events.push(e);
  return { events, start: sim.startTime, stats: sim.stats() };
}

/** Events of a type (and optional channel) with sim time in [fromMin, toMin). */
function within(r: { events: CcEvent[]; start: number }, type: CcEvent['type'], fromMin: number, toMin: number, channel?: string): CcEvent[] {
  return r.events.filter((e) => e.type === type && e.ts >= r.start + fromMin * MIN && e.ts < r.start + toMin * MIN && (!channel || e.channel === channel));
}

const abandonRate = (events: CcEvent[]): number => events.filter((e) => e.type === 'APPEAL_MISSED').length / events.filter((e) => e.type === 'APPEAL_SENT_DISTRIBUTION').length;

describe('named scenarios', () => {
  it.each(Object.keys(SCENARIOS).filter((n) => n !== 'high-load' && n !== 'campaign'))('%s runs and emits valid appeal lifecycles', (name) => {
    const r = run({ scenario: name, seed: 3, durationMs: 30 * MIN, faults: {} });
    expect(r.events.length).toBeGreaterThan(50);
    expect(checkAppealOrder(r.events)).toEqual([]);
    expect(getScenario(name, 3).description.length).toBeGreaterThan(10);
  });

  it('a weekday profile shapes arrivals day by day (here: weekends at half and a quarter)', () => {
    const base = getScenario('reference', 1);
    const week = {
      ...base,
      name: 'week',
      durationMs: 7 * 24 * 60 * MIN,
      load: { weekday: [1, 1, 1, 1, 1, 0.5, 0.25] },
      streams: base.streams.map((s) => ({ ...s, perHour: 25, patience: undefined })),
    };
    const monday = Date.UTC(2026, 0, 5, 0, 0, 0);
    const r = run({ scenario: week, seed: 5, startTime: monday, faults: {} });
    const perDay = Array.from({ length: 7 }, (_, d) => within(r, 'APPEAL_NEW', d * 1440, (d + 1) * 1440).length);
    const weekdayMean = perDay.slice(0, 5).reduce((a, b) => a + b, 0) / 5; // ~1,200 a day (2 streams × 25/h × 24 h)
    expect(weekdayMean).toBeGreaterThan(1000);
    expect(perDay[5] / weekdayMean).toBeCloseTo(0.5, 1);
    expect(perDay[6] / weekdayMean).toBeCloseTo(0.25, 1);
  });

  it('rejects an unknown scenario', () => {
    for (const scenario of ['nope', 'constructor', '__proto__', 'toString']) expect(() => createSimulation({ scenario })).toThrow(/unknown scenario/);
  });

  it('reference: constant route delay and handle times, checkable event by event', () => {
    const r = run({ scenario: 'reference', seed: 1 });
    const at = new Map<string, Partial<Record<CcEvent['type'], CcEvent>>>();
    for (const e of r.events) if (e.appealId) at.set(e.appealId, { ...at.get(e.appealId), [e.type]: e });
    let closed = 0;
    for (const a of at.values()) {
      expect(a.APPEAL_SENT_DISTRIBUTION!.ts - a.APPEAL_NEW!.ts).toBeCloseTo(1_000, -1);
      if (a.APPEAL_CLOSED) {
        closed++;
        expect(a.APPEAL_CLOSED.ts - a.APPEAL_APPOINTED!.ts).toBeCloseTo(a.APPEAL_NEW!.channel === 'voice' ? 3 * MIN : 6 * MIN, -1);
      }
    }
    expect(closed).toBeGreaterThan(40);
    const news = r.events.filter((e) => e.type === 'APPEAL_NEW');
    expect(news.filter((e) => e.channel === 'voice').length).toBeGreaterThan(35); // Poisson(60)
    expect(news.filter((e) => e.channel === 'webchat').length).toBeGreaterThan(12); // Poisson(30)
  });

  it('morning-peak: arrivals at 09:00–10:00 far exceed 07:00–08:00, and late shifts log in at 09:00', () => {
    const r = run({ scenario: 'morning-peak', seed: 2, durationMs: 3 * 60 * MIN });
    expect(within(r, 'APPEAL_NEW', 120, 180).length).toBeGreaterThan(2.5 * within(r, 'APPEAL_NEW', 0, 60).length);
    const logins = within(r, 'OPERATOR_STATUS', 120, 120.01).filter((e) => e.status !== 'offline'); // ready, or busy at once with a backlog
    expect(logins.length).toBeGreaterThanOrEqual(10);
  });

  it('flash-crowd: nothing arrives during the outage, then a surge', () => {
    const r = run({ scenario: 'flash-crowd', seed: 2 });
    expect(within(r, 'APPEAL_NEW', 20, 30)).toEqual([]);
    expect(within(r, 'APPEAL_NEW', 30, 40).length).toBeGreaterThan(2.2 * (within(r, 'APPEAL_NEW', 0, 20).length / 2));
    expect(abandonRate(within(r, 'APPEAL_MISSED', 30, 50).concat(within(r, 'APPEAL_SENT_DISTRIBUTION', 30, 50)))).toBeGreaterThan(abandonRate(within(r, 'APPEAL_MISSED', 0, 20).concat(within(r, 'APPEAL_SENT_DISTRIBUTION', 0, 20))));
  });

  it('silent-channel: no whatsapp event at all for 30 minutes, other channels unaffected', () => {
    const r = run({ scenario: 'silent-channel', seed: 2 });
    const wa = (from: number, to: number): number => r.events.filter((e) => e.channel === 'whatsapp' && e.type !== 'OPERATOR_STATUS' && e.ts >= r.start + from * MIN && e.ts < r.start + to * MIN).length;
    expect(wa(20, 50)).toBe(0);
    expect(wa(0, 20)).toBeGreaterThan(200);
    expect(wa(50, 90)).toBeGreaterThan(200);
    expect(within(r, 'APPEAL_NEW', 20, 50, 'telegram').length).toBeGreaterThan(100);
    expect(r.stats.faults.silenced).toBeGreaterThan(0);
  });

  it('understaffed: abandons are several times the demo’s', () => {
    const under = run({ scenario: 'understaffed', seed: 4, durationMs: 60 * MIN });
    const demo = run({ scenario: 'demo', seed: 4, durationMs: 60 * MIN });
    expect(abandonRate(under.events)).toBeGreaterThan(3 * abandonRate(demo.events));
  });

  it('email-backlog: the email backlog builds up to noon and drains by the end of the day', () => {
    const r = run({ scenario: 'email-backlog', seed: 5 });
    const backlogAt = (min: number): number => {
      const open = new Set<string>();
      for (const e of r.events) {
        if (e.ts > r.start + min * MIN) break;
        if (e.channel !== 'email') continue;
        if (e.type === 'APPEAL_SENT_DISTRIBUTION') open.add(e.appealId!);
        if (e.type === 'APPEAL_APPOINTED') open.delete(e.appealId!);
      }
      return open.size;
    };
    const noon = backlogAt(240);
    expect(noon).toBeGreaterThan(20);
    expect(noon).toBeGreaterThan(3 * backlogAt(30));
    expect(backlogAt(480)).toBeLessThan(noon / 2);
  });

  it('random: the seed decides the center, deterministically', () => {
    expect(getScenario('random', 1)).toEqual(getScenario('random', 1));
    expect(getScenario('random', 1)).not.toEqual(getScenario('random', 2));
    const shapes = new Set([1, 2, 3, 4, 5].map((s) => getScenario('random', s).streams.map((x) => `${x.queue}/${x.channel}`).join()));
    expect(shapes.size).toBeGreaterThan(3);
  });

  it('high-load: 1,000+ operators and ~700 events/s', () => {
    const r = run({ scenario: 'high-load', seed: 1, durationMs: 4 * MIN });
    const ops = new Set(r.events.filter((e) => e.type === 'OPERATOR_STATUS').map((e) => e.operatorId));
    expect(ops.size).toBeGreaterThan(1_000);
    // Skip the first minute: the login burst and empty queues are not steady state.
    const rate = r.events.filter((e) => e.ts >= r.start + MIN).length / 180;
    expect(rate).toBeGreaterThan(550);
    expect(rate).toBeLessThan(900);
  });

  it('property: any random center yields unique ids and valid lifecycles', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const r = run({ scenario: 'random', seed, durationMs: 20 * MIN, faults: {} });
        expect(new Set(r.events.map((e) => e.id)).size).toBe(r.events.length);
        expect(checkAppealOrder(r.events)).toEqual([]);
      }),
      { numRuns: 15, seed: 42 },
    );
  });
});
