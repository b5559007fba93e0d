import { describe, expect, it } from 'vitest';
import type { CcEvent } from '../contract/event.js';
import { createSimulation } from './index.js';

const MIN = 60_000;

function collect(sim: ReturnType<typeof createSimulation>, untilMin: number, into: CcEvent[]): void {
  while (sim.now < sim.startTime + untilMin * MIN) into.push(...sim.next(sim.now + MIN));
}

const missedIn = (events: CcEvent[], key: string, from: number): number =>
  events.filter((e) => e.type === 'APPEAL_MISSED' && e.ts >= from && `${e.queue}/${e.channel}` === key).length;

describe('staffing actions', () => {
  it('addOperators logs in new operators that take work and cut abandons', () => {
    const base = createSimulation({ scenario: 'understaffed', seed: 8, faults: {} });
    const helped = createSimulation({ scenario: 'understaffed', seed: 8, faults: {} });
    const a: CcEvent[] = [];
    const b: CcEvent[] = [];
    collect(base, 20, a);
    collect(helped, 20, b);
    const at = helped.now;
    const ids = helped.actions.addOperators('billing', 'voice', 4);
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(4);
    collect(base, 80, a);
    collect(helped, 80, b);
    const login = b.filter((e) => e.type === 'OPERATOR_STATUS' && ids.includes(e.operatorId!) && e.ts === at);
    expect(login).toHaveLength(4);
    expect(login.every((e) => e.queue === 'billing' && e.channel === 'voice')).toBe(true);
    expect(b.some((e) => e.type === 'APPEAL_APPOINTED' && ids.includes(e.operatorId!))).toBe(true);
    expect(missedIn(b, 'billing/voice', at)).toBeLessThan(missedIn(a, 'billing/voice', at) / 2);
  });

  it('removeOperators lets them finish their work, then logs them off; they get no new work', () => {
    const sim = createSimulation({ scenario: 'demo', seed: 3, faults: {} });
    const ev: CcEvent[] = [];
    collect(sim, 30, ev);
    const at = sim.now;
    const ids = sim.actions.removeOperators('support', 'telegram', 3);
    expect(ids).toHaveLength(3);
    collect(sim, 60, ev);
    for (const id of ids) {
      const after = ev.filter((e) => e.operatorId === id && e.ts >= at);
      expect(after.filter((e) => e.type === 'APPEAL_APPOINTED')).toEqual([]);
      expect(after.filter((e) => e.type === 'OPERATOR_STATUS').at(-1)?.status).toBe('offline');
    }
    expect(sim.stats().operatorsOnline).toBe(43 - 3);
  });

  it('moveOperators re-skills operators: re-announced under the new queue, new work only from there', () => {
    const sim = createSimulation({ scenario: 'demo', seed: 4, faults: {} });
    const ev: CcEvent[] = [];
    collect(sim, 30, ev);
    const at = sim.now;
    const ids = sim.actions.moveOperators({ queue: 'sales', channel: 'voice' }, { queue: 'billing', channel: 'voice' }, 2);
    expect(ids).toHaveLength(2);
    collect(sim, 60, ev);
    for (const id of ids) {
      const status = ev.filter((e) => e.type === 'OPERATOR_STATUS' && e.operatorId === id && e.ts >= at);
      expect(status[0]).toMatchObject({ ts: at, queue: 'billing', channel: 'voice' });
      const appointed = ev.filter((e) => e.type === 'APPEAL_APPOINTED' && e.operatorId === id && e.ts > at);
      expect(appointed.length).toBeGreaterThan(0);
      expect(appointed.every((e) => e.queue === 'billing')).toBe(true);
    }
  });

  it('rejects unknown streams and campaigns', () => {
    const sim = createSimulation({ scenario: 'demo', seed: 1 });
    expect(() => sim.actions.addOperators('nope', 'voice', 1)).toThrow();
    expect(() => sim.actions.moveOperators({ queue: 'sales', channel: 'voice' }, { queue: 'x', channel: 'y' }, 1)).toThrow();
    expect(() => sim.actions.setCampaignPacing('nope', 2)).toThrow(/no campaign/);
  });
});
