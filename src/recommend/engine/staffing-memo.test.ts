import { cellRules, ruleSettingsOf } from '../../settings/rules.js';
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_CONFIG } from '../../config/config.js';
import { openPgliteStorage } from '../../storage/pglite/index.js';
import { CampaignTally } from '../../stream/campaign-tally.js';
import { emptyCounters } from '../../metrics/counters.js';

const calls = { n: 0 };
vi.mock('../advisor/rules.js', async (orig) => {
  const m = await orig<typeof import('../advisor/rules.js')>();
  return { ...m, staffingFor: (...a: Parameters<typeof m.staffingFor>) => (calls.n++, m.staffingFor(...a)) };
});
const { Recommender } = await import('./recommender.js');

const T0 = Date.UTC(2026, 10, 30, 9, 0);
describe('the staffing memo during a surge', () => {
  it('searches the staffing again only when the surge read moves a 5 % step, not at every evaluation', async () => {
    const storage = await openPgliteStorage({});
    let now = T0;
    // sales/voice: 2 arrivals a minute for 20 minutes, then 40 a minute in the last 3 (a surge), nothing else changes
    const cell = (_t: string, _q: string, _c: string, b: number) => {
      const k = (T0 + 10 * 60_000 - b) / 60_000; // minutes before the "current" minute of the test
      if (k < 0 || k > 20) return undefined;
      return { ...emptyCounters(), offered: k <= 3 ? 40 : 2 };
    };
    const ops = { offline: 0, ready: 5, busy: 0, break: 0, acw: 0 };
    const mv = { offered: 0, aa: 0, ha: 0, missed: 0 } as never;
    const tile = { queue: 'sales', channel: 'voice', qa: 0, waiting: 0, inHandling: 0, longestWaitSec: 0, targets: { slPct: 80, slSec: 20, longWaitSec: 120 }, lastEventAt: null, operators: ops, operatorsHome: ops, last15m: mv, last60m: mv };
    try {
      const r = await Recommender.start({
        source: { tenants: () => ['t'], tiles: () => [tile], cell: cell as never, handling: () => ({ maxHeld: new Map(), startedAt: new Map(), streamsOf: new Map() }), campaigns: new CampaignTally() },
        storage,
        settings: DEFAULT_CONFIG.recommend,
        rulesOf: () => cellRules(ruleSettingsOf(DEFAULT_CONFIG)),
        now: () => now,
        staffingBudgetMs: Infinity,
      });
      now = T0 + 10 * 60_000; // exactly on a minute
      r.evaluate();
      await r.loaded();
      r.evaluate();
      const before = calls.n;
      // ten evaluations over 10 seconds of the same minute: no cell, no tile changes
      for (let s = 1; s <= 10; s++) {
        now = T0 + 10 * 60_000 + s * 1000;
        r.evaluate();
      }
      const board = r.board('t');
      expect(board.some((i) => i.kind === 'staffing-add')).toBe(true);
      // the rate read over (60 + s) seconds falls ~1.5 % a second: a few 5 % steps in ten seconds, not ten searches
      expect(calls.n - before).toBeLessThanOrEqual(4);
    } finally {
      await storage.close();
    }
  });
});
