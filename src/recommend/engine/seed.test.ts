import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../config/config.js';
import type { CcEvent } from '../../contract/event.js';
import { openPgliteStorage } from '../../storage/pglite/index.js';
import { Engine } from '../../stream/engine.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const WEEK = 7 * 24 * HOUR;
/** Monday 2026-11-30 12:00 UTC. */
const NOW = Date.UTC(2026, 10, 30, 12, 0);

/** `perMinute` calls a minute on sales/voice over [from, to), answered at once, handled 2 minutes. */
function calls(from: number, to: number, tag: string, perMinute = 1): CcEvent[] {
  const out: CcEvent[] = [];
  for (let t = from; t < to; t += MIN / perMinute) {
    const appealId = `${tag}-${t}`;
    const base = { appealId, queue: 'sales', channel: 'voice' };
    out.push(
      { id: `${appealId}:new`, type: 'APPEAL_NEW', ts: t, ...base } as CcEvent,
      { id: `${appealId}:sd`, type: 'APPEAL_SENT_DISTRIBUTION', ts: t, ...base } as CcEvent,
      { id: `${appealId}:ap`, type: 'APPEAL_APPOINTED', ts: t + 5_000, operatorId: 'op1', ...base } as CcEvent,
      { id: `${appealId}:cl`, type: 'APPEAL_CLOSED', ts: t + 125_000, operatorId: 'op1', ...base } as CcEvent,
    );
  }
  return out;
}

async function situationAfterStart(storage: Awaited<ReturnType<typeof openPgliteStorage>>) {
  const engine = await Engine.start({ storage, config: DEFAULT_CONFIG, now: () => NOW, recommendOnChange: false });
  try {
    const r = engine.recommender!;
    r.evaluate();
    await r.loaded();
    r.evaluate();
    return r.situations('default').find((s) => s.queue === 'sales' && s.channel === 'voice')!;
  } finally {
    await engine.stop();
  }
}

describe('forecasts seeded from history when the recommender starts', () => {
  /** Three hours at 60/h today; with `lastWeek`, the same hours last week at 60/h and the hours after them at 120/h. */
  async function forecastAfterRestart(lastWeek: boolean) {
    const storage = await openPgliteStorage({});
    try {
      const engine = await Engine.start({ storage, config: DEFAULT_CONFIG, now: () => NOW, recommendOnChange: false });
      if (lastWeek) {
        await engine.append('default', calls(NOW - WEEK - 3 * HOUR, NOW - WEEK, 'lastweek'));
        await engine.append('default', calls(NOW - WEEK, NOW - WEEK + 2 * HOUR, 'lastweek-peak', 2));
      }
      await engine.append('default', calls(NOW - 3 * HOUR, NOW, 'today'));
      await engine.stop(); // commits the checkpoint: the rollups hold it all
      return await situationAfterStart(storage);
    } finally {
      await storage.close();
    }
  }

  it("a restart keeps the weekly profile: last week's rise at this hour is in the forecast", async () => {
    const [seeded, recentOnly] = await Promise.all([forecastAfterRestart(true), forecastAfterRestart(false)]);
    // without last week: about the flow of the last hours, 60/h (blended with the channel's prior)
    expect(recentOnly.forecast.perHour).toBeGreaterThan(35);
    expect(recentOnly.forecast.perHour).toBeLessThan(75);
    // with it, read back from history at the start: the rise to 120/h it showed at this hour
    expect(seeded.forecast.perHour).toBeGreaterThan(recentOnly.forecast.perHour * 1.15);
    expect(seeded.forecast.basis).not.toBe('prior');
    expect(seeded.forecast.ahtSec).toBeGreaterThan(100);
    expect(seeded.forecast.ahtSec).toBeLessThan(140);
  });
});
