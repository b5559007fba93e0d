import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, type QueueSituation, type Staffing } from './rules.js';
import { moves, sharedSkills } from './moves.js';

const situation = (queue: string, channel: string, available: number, extra: Partial<QueueSituation> = {}): QueueSituation => ({
  queue, channel, model: 'erlang-c', sl: { targetPct: 80, thresholdSec: 20 }, recent: { offered: 50, slPct: 90, abandonPct: 1 },
  waiting: 0, longestWaitSec: 0, available, forecast: { perHour: 100, ahtSec: 180, basis: 'recent' }, expectedLast15: 50,
  silentSec: 0, expectedWhileSilent: 0, thresholds: DEFAULT_THRESHOLDS, ...extra,
});
/** The requirement per queue, as the staffing math would say it. */
const required = (r: Record<string, number>) => (s: QueueSituation): Staffing => ({ required: new Map(Object.entries(r)).get(s.queue)!, withNow: null, withRequired: null as never });
const skills = (entries: Array<[string, string[]]>) => sharedSkills(new Map(entries.map(([op, streams]) => [op, new Map(streams.map((k) => [k.replace('/', '\u0001'), 0]))])));

describe('moving operators between queues they were seen handling', () => {
  it('moves the fewest of gap, surplus and operators seen on both, with the numbers', () => {
    const out = moves(
      [situation('sales', 'voice', 10), situation('billing', 'voice', 2, { waiting: 4, recent: { offered: 30, slPct: 40, abandonPct: 10 } })],
      required({ sales: 6, billing: 5 }),
      skills([['ann', ['sales/voice', 'billing/voice']], ['bob', ['sales/voice', 'billing/voice']], ['cid', ['sales/voice']]]),
    );
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ key: 'staffing-move:sales:voice>billing:voice', kind: 'staffing-move', active: true, data: { move: 2, from: { queue: 'sales' }, to: { queue: 'billing' }, operators: ['ann', 'bob'] } });
    expect(out[0].reason).toBe('move 2 operators from sales voice to billing voice — billing voice is 3 short, sales voice has 4 to spare, and 2 operators were seen handling both in the last 8 hours');
  });

  it('never moves from a queue that is waiting, under its target, or without a surplus; nor without shared skills', () => {
    const skilled = skills([['ann', ['sales/voice', 'billing/voice']]]);
    const short = situation('billing', 'voice', 1);
    expect(moves([situation('sales', 'voice', 10, { waiting: 1 }), short], required({ sales: 6, billing: 5 }), skilled)).toEqual([]);
    expect(moves([situation('sales', 'voice', 10, { recent: { offered: 50, slPct: 82, abandonPct: 1 } }), short], required({ sales: 6, billing: 5 }), skilled)).toEqual([]);
    expect(moves([situation('sales', 'voice', 6), short], required({ sales: 6, billing: 5 }), skilled)).toEqual([]);
    expect(moves([situation('sales', 'voice', 10), short], required({ sales: 6, billing: 5 }), skills([['ann', ['sales/voice']]]))).toEqual([]);
    // arrivals rising above the forecast (every queue surging at once): the surplus may not last
    expect(moves([situation('sales', 'voice', 10, { recent: { offered: 70, slPct: 95, abandonPct: 0 } }), short], required({ sales: 6, billing: 5 }), skilled)).toEqual([]);
    // and with no forecast made 15 minutes ago to compare with, nothing is moved either
    expect(moves([situation('sales', 'voice', 10, { expectedLast15: 0 }), short], required({ sales: 6, billing: 5 }), skilled)).toEqual([]);
  });

  it('spreads one surplus over several short queues, the shortest first, never beyond it', () => {
    const everyone = skills(Array.from({ length: 10 }, (_, i) => [`op${i}`, ['sales/voice', 'billing/voice', 'care/voice']] as [string, string[]]));
    const out = moves(
      [situation('sales', 'voice', 9), situation('billing', 'voice', 1), situation('care', 'voice', 3)],
      required({ sales: 5, billing: 4, care: 5 }),
      everyone,
    );
    expect(out.map((c) => [c.data.to, c.data.move])).toEqual([
      [{ queue: 'billing', channel: 'voice' }, 3],
      [{ queue: 'care', channel: 'voice' }, 1],
    ]);
  });

  it('costs the pairs of operators seen, not every pair of short and spare queues: thousands of queues stay fast', () => {
    const board = Array.from({ length: 3_000 }, (_, i) => [situation(`spare${i}`, 'voice', 10), situation(`short${i}`, 'voice', 1, { waiting: 3 })]).flat();
    const five = () => ({ required: 5, withNow: null, withRequired: null as never });
    const t0 = performance.now();
    // nobody seen on two of them: nothing to move (9 million pairs looked up: about a second on this thread)
    expect(moves(board, five, skills([]))).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(250);
    // the pairs seen still move, in the order of the board
    const out = moves(board, five, skills([['ann', ['spare7/voice', 'short2/voice']], ['bob', ['spare3/voice', 'short2/voice']]]));
    expect(out.map((c) => [c.data.from, c.data.move])).toEqual([
      [{ queue: 'spare3', channel: 'voice' }, 1],
      [{ queue: 'spare7', channel: 'voice' }, 1],
    ]);
  });

  it('pairs up the 20 queues × channels an operator was seen on last: one id seen on a thousand is not a million pairs', () => {
    const seen = new Map(Array.from({ length: 1_000 }, (_, i) => [`q${i}\u0001voice`, i * 60_000]));
    const t0 = performance.now();
    const pairs = sharedSkills(new Map([['bot', seen]]));
    expect(performance.now() - t0).toBeLessThan(250);
    expect(pairs.size).toBe(20 * 19);
    expect(pairs.has('q999\u0001voice\u0002q980\u0001voice')).toBe(true);
    expect(pairs.has('q999\u0001voice\u0002q979\u0001voice')).toBe(false);
  });

  it("never gives two different moves one key, whatever ':' and '>' the queues' names hold", () => {
    // x → "y:voice>z" and "x:voice>y" → z were both staffing-move:x:voice>y:voice>z:voice
    const board = [situation('x', 'voice', 10), situation('y:voice>z', 'voice', 1, { waiting: 3 }), situation('x:voice>y', 'voice', 10), situation('z', 'voice', 1, { waiting: 3 })];
    const out = moves(
      board,
      () => ({ required: 5, withNow: null, withRequired: null as never }),
      skills([['ann', ['x/voice', 'y:voice>z/voice']], ['bob', ['x:voice>y/voice', 'z/voice']]]),
    );
    expect(out.map((c) => [c.data.from, c.data.to])).toEqual([
      [{ queue: 'x', channel: 'voice' }, { queue: 'y:voice>z', channel: 'voice' }],
      [{ queue: 'x:voice>y', channel: 'voice' }, { queue: 'z', channel: 'voice' }],
    ]);
    expect(new Set(out.map((c) => c.key)).size).toBe(2);
  });
});
