import { describe, expect, it } from 'vitest';
import type { CcEvent } from '../contract/event.js';
import { checkAppealOrder, createSimulation, getScenario, type ScenarioDef } from './index.js';

/** The campaign scenario with a list small enough for a unit test (the full 1.5M list runs in ~10 s). */
function small(contacts: number, agents = 100, lines = 400): ScenarioDef {
  const def = getScenario('campaign');
  return { ...def, campaigns: def.campaigns!.map((c) => ({ ...c, contacts, agents, lines })) };
}

function runAll(def: ScenarioDef, setup?: (sim: ReturnType<typeof createSimulation>) => void) {
  const sim = createSimulation({ scenario: def, seed: 6 });
  setup?.(sim);
  const events: CcEvent[] = [];
  while (!sim.done) events.push(...sim.next(sim.now + 600_000));
  const st = sim.stats() as unknown as Record<string, { dialed: number; answered: number; dropped: number; dropPct: number }>;
  return { sim, events, c: st['campaign:spring-promo'] };
}

describe('outbound campaign', () => {
  it('dials the whole list, with predictive pacing keeping drops under 3% of answered', () => {
    const { events, c, sim } = runAll(small(30_000));
    expect(sim.done).toBe(true);
    expect(c.dialed).toBe(30_000);
    expect(c.answered / c.dialed).toBeCloseTo(0.3, 1);
    expect(c.dropPct).toBeLessThan(3);
    const appeals = events.filter((e) => e.type !== 'OPERATOR_STATUS');
    expect(appeals.every((e) => e.direction === 'outbound' && e.campaignId === 'spring-promo' && e.channel === 'voice')).toBe(true);
    expect(events.filter((e) => e.type === 'APPEAL_NEW').length).toBe(c.answered);
    expect(events.filter((e) => e.type === 'APPEAL_MISSED').length).toBe(c.dropped);
    expect(checkAppealOrder(events)).toEqual([]);
    // Agents are kept busy: the dialer is worth having only if it beats one dial per free agent.
    const talkMs = events.filter((e) => e.type === 'APPEAL_CLOSED').length * 60_000;
    expect(talkMs / (100 * (sim.now - sim.startTime))).toBeGreaterThan(0.6);
    // Every agent ends logged off.
    const last = new Map<string, string>();
    for (const e of events) if (e.type === 'OPERATOR_STATUS') last.set(e.operatorId!, e.status!);
    expect([...last.values()].every((s) => s === 'offline')).toBe(true);
  });

  it('a fixed, too aggressive ratio set through actions drops far more', () => {
    const { c } = runAll(small(30_000), (sim) => sim.actions.setCampaignPacing('spring-promo', 15));
    expect(c.dropPct).toBeGreaterThan(10);
  });

  it('respects the line limit', () => {
    const { c, sim } = runAll(small(5_000, 100, 20));
    expect(c.dialed).toBe(5_000);
    // 20 lines, ~30 s per attempt at most → at least 5,000 × 0.3 × 8 s / 20 lines of sim time.
    expect(sim.now - sim.startTime).toBeGreaterThan(5_000 * 8_000 * 0.3 / 20);
  });
});
