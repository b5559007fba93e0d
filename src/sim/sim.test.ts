import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, type CcEvent } from '../contract/event.js';
import { checkAppealOrder, createSimulation, type Simulation, type SimulationOptions } from './index.js';

const MIN = 60_000;

function drain(sim: Simulation, stepMs = MIN): CcEvent[] {
  const out: CcEvent[] = [];
  while (!sim.done) for (const e of sim.next(sim.now + stepMs)) out.push(e);
  return out;
}

function run(opts: SimulationOptions, stepMs?: number): { sim: Simulation; events: CcEvent[] } {
  const sim = createSimulation(opts);
  return { sim, events: drain(sim, stepMs) };
}

const count = (events: CcEvent[], type: CcEvent['type']): number => events.filter((e) => e.type === type).length;

describe('simulation core', () => {
  it('is deterministic: same seed, same events; another seed, other events', () => {
    const a = run({ scenario: 'demo', seed: 42, durationMs: 20 * MIN }).events;
    const b = run({ scenario: 'demo', seed: 42, durationMs: 20 * MIN }).events;
    const c = run({ scenario: 'demo', seed: 43, durationMs: 20 * MIN }).events;
    expect(a.length).toBeGreaterThan(1000);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('does not depend on how time is sliced by next()', () => {
    const coarse = run({ scenario: 'demo', seed: 5, durationMs: 15 * MIN }, 15 * MIN).events;
    const fine = run({ scenario: 'demo', seed: 5, durationMs: 15 * MIN }, 777).events;
    expect(fine).toEqual(coarse);
  });

  it('emits valid, unique, ts-ordered events with every appeal in a valid order (no faults)', () => {
    const { events } = run({ scenario: 'demo', seed: 3, durationMs: 60 * MIN, faults: {} });
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(events.findIndex((e, i) => i > 0 && e.ts < events[i - 1].ts)).toBe(-1);
    expect(checkAppealOrder(events)).toEqual([]);
    const bad = events.filter(
      (e) =>
        !EVENT_TYPES.includes(e.type) ||
        !Number.isInteger(e.ts) ||
        (e.type === 'OPERATOR_STATUS' ? !(e.queue && e.channel && e.operatorId && e.status) : e.direction !== 'inbound'),
    );
    expect(bad).toEqual([]);
    // The lifecycle features all occur.
    for (const t of ['APPEAL_TRANSFERRED', 'APPEAL_RETURNED', 'APPEAL_MISSED'] as const) expect(count(events, t)).toBeGreaterThan(0);
    expect(new Set(events.filter((e) => e.type === 'OPERATOR_STATUS').map((e) => e.status))).toEqual(new Set(['ready', 'busy', 'acw', 'break']));
  });

  it('stamps events with startTime + sim time and ids unique per run', () => {
    const startTime = Date.UTC(2030, 5, 1, 12);
    const sim = createSimulation({ scenario: 'demo', seed: 1, startTime, durationMs: 5 * MIN });
    const events = drain(sim);
    expect(events[0].ts).toBe(startTime);
    expect(events.at(-1)!.ts).toBeLessThanOrEqual(startTime + 5 * MIN);
    const other = run({ scenario: 'demo', seed: 1, startTime: startTime + 1, durationMs: 5 * MIN }).events;
    expect(other[0].id).not.toBe(events[0].id);
  });
});

describe('demo scenario', () => {
  const { sim, events } = run({ scenario: 'demo', seed: 1, durationMs: 2 * 60 * MIN });

  it('has several queues and channels, ~40 operators and 4–8 events/s', () => {
    const appeal = events.filter((e) => e.type === 'APPEAL_NEW');
    expect(new Set(appeal.map((e) => e.queue))).toEqual(new Set(['sales', 'support', 'billing']));
    expect(new Set(appeal.map((e) => e.channel))).toEqual(new Set(['voice', 'telegram', 'whatsapp', 'webchat', 'email']));
    expect(new Set(appeal.map((e) => `${e.queue}/${e.channel}`)).size).toBeGreaterThanOrEqual(8);
    const ops = new Set(events.filter((e) => e.type === 'OPERATOR_STATUS').map((e) => e.operatorId));
    expect(ops.size).toBeGreaterThanOrEqual(35);
    expect(ops.size).toBeLessThanOrEqual(50);
    const perSec = events.length / 7200;
    expect(perSec).toBeGreaterThanOrEqual(4);
    expect(perSec).toBeLessThanOrEqual(8);
  });

  it('has a few percent abandons, and a short-staffed queue that suffers most', () => {
    const missed = count(events, 'APPEAL_MISSED');
    const pct = missed / count(events, 'APPEAL_SENT_DISTRIBUTION');
    expect(pct).toBeGreaterThan(0.01);
    expect(pct).toBeLessThan(0.08);
    const byQueue = (key: string): number => events.filter((e) => e.type === 'APPEAL_MISSED' && `${e.queue}/${e.channel}` === key).length / events.filter((e) => e.type === 'APPEAL_NEW' && `${e.queue}/${e.channel}` === key).length;
    expect(byQueue('billing/voice')).toBeGreaterThan(2 * byQueue('sales/voice'));
  });

  it('loses ~1% of SENT_DISTRIBUTION / APPOINTED / CLOSED, and only those', () => {
    const st = sim.stats();
    const lossable = (st.byType.APPEAL_SENT_DISTRIBUTION ?? 0) + (st.byType.APPEAL_APPOINTED ?? 0) + (st.byType.APPEAL_CLOSED ?? 0);
    expect(st.faults.dropped / lossable).toBeGreaterThan(0.006);
    expect(st.faults.dropped / lossable).toBeLessThan(0.014);
    for (const t of ['APPEAL_NEW', 'APPEAL_MISSED', 'OPERATOR_STATUS'] as const) expect(count(events, t)).toBe(st.byType[t]);
    expect(checkAppealOrder(events)).not.toEqual([]); // some appeals are now incomplete…
    expect(checkAppealOrder(events, { lossy: true })).toEqual([]); // …but only in the ways loss allows
  });
});
