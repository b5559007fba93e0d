import { cellRules, ruleSettingsOf } from '../../settings/rules.js';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../config/config.js';
import { openPgliteStorage } from '../../storage/pglite/index.js';
import { CampaignTally } from '../../stream/campaign-tally.js';
import { Recommender } from './recommender.js';

const item = (id: string, key: string, reason: string) => ({ id, key, kind: 'long-wait', state: 'open' as const, severity: 'warning' as const, reason, data: {}, openedAt: 1, updatedAt: 1 });

describe('saving recommendations', () => {
  it('one change the store refuses (a NUL in its text) does not hold back the others: they are saved, it is given up after 5 tries', async () => {
    const storage = await openPgliteStorage({});
    try {
      const r = await Recommender.start({
        source: { tenants: () => [], tiles: () => [], cell: () => undefined, handling: () => ({ maxHeld: new Map(), startedAt: new Map(), streamsOf: new Map() }), campaigns: new CampaignTally() },
        storage,
        settings: DEFAULT_CONFIG.recommend,
        rulesOf: () => cellRules(ruleSettingsOf(DEFAULT_CONFIG)),
        now: () => 1,
      });
      const record = (r as unknown as { record(tenant: string, t: object): void }).record.bind(r);
      record('t1', { item: item('r1', 'a', 'fine'), from: null, to: 'open', at: 1 });
      record('t1', { item: item('r2', 'b', 'not storable \u0000'), from: null, to: 'open', at: 1 });
      record('t1', { item: item('r3', 'c', 'fine too'), from: null, to: 'open', at: 1 });
      let failures = 0;
      for (let i = 0; i < 10; i++) {
        try {
          await r.flush();
          break;
        } catch {
          failures++;
        }
      }
      expect(failures).toBe(4); // the fifth try gives it up, and the flush succeeds
      const saved = await storage.listRecommendations({ tenant: 't1', open: true, limit: 10 });
      expect(saved.map((x) => x.num).sort()).toEqual([1, 3]);
      // and what comes after is saved at once
      record('t1', { item: item('r4', 'd', 'later'), from: null, to: 'open', at: 2 });
      await r.flush();
      expect((await storage.listRecommendations({ tenant: 't1', open: true, limit: 10 })).map((x) => x.num).sort()).toEqual([1, 3, 4]);
    } finally {
      await storage.close();
    }
  });
});
