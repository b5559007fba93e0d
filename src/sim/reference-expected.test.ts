import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CcEvent } from '../contract/event.js';
import { createSimulation } from './index.js';
import { expectedRows, referenceFixture, reportedWaitSec } from './reference-expected.js';

const T0 = Date.UTC(2026, 0, 5, 9);
let n = 0;
const ev = (type: CcEvent['type'], appealId: string, atMs: number, extra: Partial<CcEvent> = {}): CcEvent => ({
  id: `t${++n}`,
  type,
  ts: T0 + atMs,
  appealId,
  queue: 'support',
  channel: 'voice',
  ...extra,
});
const byTs = (events: CcEvent[]) => [...events].sort((a, b) => a.ts - b.ts);

describe('reference-expected (the independent calculator)', () => {
  it('the shipped fixture is what the calculator makes of today’s reference run', () => {
    const shipped = JSON.parse(readFileSync(new URL('./fixtures/reference-seed1.json', import.meta.url), 'utf8'));
    const { run, ...fresh } = referenceFixture(1);
    expect(fresh).toEqual(shipped); // if this fails after a simulator change, regenerate (see README.md)
    expect(run.length).toBe(shipped.events);
  });

  it('the reference run ends with every appeal closed or missed, for any seed', () => {
    for (const seed of [1, 2, 3, 7, 9, 11, 42]) {
      const sim = createSimulation({ scenario: 'reference', seed });
      while (!sim.done) sim.next(sim.now + 30 * 60_000);
      const st = sim.stats();
      expect(st.closed + st.missed).toBe(st.segments);
      expect(st.waiting).toBe(0);
    }
  });

  it('computes a hand-checked example', () => {
    const events = byTs([
      // A1: queued at 1 s, answered after 12.5 s, handled 240 s
      ev('APPEAL_NEW', 'A1', 0),
      ev('APPEAL_SENT_DISTRIBUTION', 'A1', 1_000),
      ev('APPEAL_APPOINTED', 'A1', 13_500, { operatorId: 'o1' }),
      ev('APPEAL_CLOSED', 'A1', 253_500, { operatorId: 'o1' }),
      // A2: abandoned after 40 s (counts against SL)
      ev('APPEAL_NEW', 'A2', 0),
      ev('APPEAL_SENT_DISTRIBUTION', 'A2', 1_000),
      ev('APPEAL_MISSED', 'A2', 41_000),
      // A3: abandoned after 3 s (a short abandon: not in SL at all)
      ev('APPEAL_NEW', 'A3', 9_000),
      ev('APPEAL_SENT_DISTRIBUTION', 'A3', 10_000),
      ev('APPEAL_MISSED', 'A3', 13_000),
      // A4: answered after 130.7 s (reported at 5 s resolution: 130), handled 60 s
      ev('APPEAL_NEW', 'A4', 0),
      ev('APPEAL_SENT_DISTRIBUTION', 'A4', 0),
      ev('APPEAL_APPOINTED', 'A4', 130_700, { operatorId: 'o2' }),
      ev('APPEAL_CLOSED', 'A4', 190_700, { operatorId: 'o2' }),
      // webchat: waits 12.2 s and 12.3 s → mean 12.25 → 12.3 (half up); both within 20 s
      ev('APPEAL_NEW', 'C1', 0, { channel: 'webchat' }),
      ev('APPEAL_SENT_DISTRIBUTION', 'C1', 0, { channel: 'webchat' }),
      ev('APPEAL_APPOINTED', 'C1', 12_200, { channel: 'webchat', operatorId: 'c' }),
      ev('APPEAL_CLOSED', 'C1', 20_000, { channel: 'webchat', operatorId: 'c' }),
      ev('APPEAL_NEW', 'C2', 0, { channel: 'webchat' }),
      ev('APPEAL_SENT_DISTRIBUTION', 'C2', 0, { channel: 'webchat' }),
      ev('APPEAL_APPOINTED', 'C2', 12_300, { channel: 'webchat', operatorId: 'c' }),
      ev('APPEAL_CLOSED', 'C2', 20_000, { channel: 'webchat', operatorId: 'c' }),
      { id: 's1', type: 'OPERATOR_STATUS', ts: T0, operatorId: 'o1', status: 'ready', queue: 'support', channel: 'voice' },
    ]);
    expect(expectedRows(events)).toEqual([
      {
        queue: 'support', channel: 'voice', offered: 4, aa: 2, ha: 2, missed: 2, qa: 0,
        awtSec: 71.6, ahtSec: 150, asaSec: 71.6,
        slPct: 33.3, // 1 within 20 s ÷ (2 answered + 1 abandon ≥ 5 s)
        abandonPct: 50, // 2 ÷ (2 + 2)
        waitP50Sec: 12, waitP90Sec: 130, waitP95Sec: 130, longestWaitSec: 130,
      },
      {
        queue: 'support', channel: 'webchat', offered: 2, aa: 2, ha: 2, missed: 0, qa: 0,
        awtSec: 12.3, ahtSec: 7.8, asaSec: 12.3, slPct: 100, abandonPct: 0,
        waitP50Sec: 12, waitP90Sec: 12, waitP95Sec: 12, longestWaitSec: 12,
      },
    ]);
  });

  it('reports waits at ccpulse’s resolution: 1 s below 2 min, 5 s below 10 min, 1 min below 1 h, 15 min below a day', () => {
    const cases: Array<[number, number]> = [
      [0, 0], [999, 0], [19_999, 19], [119_999, 119], [120_000, 120], [124_999, 120], [599_999, 595],
      [600_000, 600], [659_999, 600], [3_599_999, 3_540], [3_600_000, 3_600], [4_499_999, 3_600], [86_399_999, 85_500],
      [86_400_000, 86_400], [10 * 86_400_000, 86_400],
    ];
    for (const [ms, sec] of cases) expect([ms, reportedWaitSec(ms)]).toEqual([ms, sec]);
  });

  it('refuses what it does not model: open appeals, transfers, broken lifecycles', () => {
    const open = [ev('APPEAL_NEW', 'X', 0), ev('APPEAL_SENT_DISTRIBUTION', 'X', 1_000)];
    expect(() => expectedRows(open)).toThrow(/still open/);
    const transfer = [...open, ev('APPEAL_APPOINTED', 'X', 2_000, { operatorId: 'a' }), ev('APPEAL_TRANSFERRED', 'X', 3_000, { operatorId: 'b' })];
    expect(() => expectedRows(transfer)).toThrow(/not modelled/);
    expect(() => expectedRows([ev('APPEAL_NEW', 'Y', 0), ev('APPEAL_APPOINTED', 'Y', 1_000, { operatorId: 'a' })])).toThrow(/lifecycle order/);
    expect(() => expectedRows([ev('APPEAL_NEW', 'Z', 5_000), ev('APPEAL_SENT_DISTRIBUTION', 'Z', 1_000)])).toThrow(/ts order/);
  });
});
