import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conditionsFor, DEFAULT_THRESHOLDS, normalQuantile, planFor, plannedPerHour, staffingFor, type QueueSituation } from './rules.js';

const base: QueueSituation = {
  queue: 'billing',
  channel: 'voice',
  model: 'erlang-c',
  sl: { targetPct: 80, thresholdSec: 20 },
  recent: { offered: 50, slPct: 85, abandonPct: 2 },
  waiting: 0,
  longestWaitSec: 0,
  available: 14,
  // 200 an hour at 180 s: 10 Erlangs, the published case (14 agents: 88.8 % in 20 s)
  forecast: { perHour: 200, ahtSec: 180, basis: 'blend' },
  expectedLast15: 50,
  silentSec: 0,
  expectedWhileSilent: 0,
  thresholds: DEFAULT_THRESHOLDS,
};
const byKind = (s: QueueSituation) => new Map(conditionsFor(s).map((c) => [c.kind, c]));

describe('advice and alerts for one queue × channel', () => {
  it('says nothing when staffing matches the forecast and the queue meets its target', () => {
    expect(conditionsFor(base).filter((c) => c.active)).toEqual([]);
  });

  it('advises adding operators: how many, why, and the SL expected with and without them', () => {
    const c = byKind({ ...base, available: 10, recent: { offered: 50, slPct: 61, abandonPct: 4 } }).get('staffing-add')!;
    expect(c).toMatchObject({ active: true, severity: 'critical', key: 'staffing-add:billing:voice', data: { required: 14, available: 10, add: 4, onPrior: false } });
    expect(c.data.expectedSlPctWithAdvice).toBeCloseTo(88.8, 0);
    expect(c.data.expectedSlPctNow as number).toBeLessThan(10); // 10 agents at 10 Erlangs: unstable
    expect(c.reason).toMatch(/billing voice: add 4 operators now/);
    expect(c.reason).toMatch(/needs 14 for 80 % in 20 s; 10 on it/);
  });

  it('advises releasing only a clear surplus while SL is comfortably met and nobody waits', () => {
    expect(byKind({ ...base, available: 20 }).get('staffing-release')).toMatchObject({ active: true, severity: 'info', data: { release: 3, surplus: 6 } }); // half the surplus: the forecast may be low for a while
    expect(byKind({ ...base, available: 15 }).get('staffing-release')!.active).toBe(false); // one spare is no surplus
    expect(byKind({ ...base, available: 20, waiting: 3 }).get('staffing-release')!.active).toBe(false);
    expect(byKind({ ...base, available: 20, recent: { offered: 50, slPct: 82, abandonPct: 1 } }).get('staffing-release')!.active).toBe(false);
  });

  it('plans for a surge the forecast has not caught up with, read at the low end of the last minutes\' arrivals', () => {
    // 200/h forecast; 15 in the last minute (900/h), 30 in the last 3 (600/h)
    const s = { ...base, arrivedLately: [{ count: 15, sec: 60 }, { count: 30, sec: 180 }] };
    const plan = planFor(s);
    // each window at count − 1.645·√count: 15 → 8.63/min (517.7/h), 30 → 20.99 per 3 min (420/h); the
    // larger, rounded up to the 5 % grid (1.05^129 = 541.3)
    expect(plan.basis).toBe('surge');
    expect(plan.perHour).toBeCloseTo(1.05 ** 129, 6);
    expect(plan.perHour).toBeGreaterThanOrEqual(((15 - 1.645 * Math.sqrt(15)) * 3600) / 60);
    expect(plan.surge).toMatchObject({ count: 15, sec: 60 });
    const add = byKind(s).get('staffing-add')!;
    expect(add.active).toBe(true);
    expect(add.data).toMatchObject({ basis: 'surge', forecastPerHour: 200 });
    expect(add.data.required as number).toBeGreaterThan(staffingFor(base)!.required);
    expect(add.reason).toMatch(/15 arrivals in the last 1 min \(at least 541\.3\/h, forecast 200\/h\)/);
    // and nothing is released in a surge, whatever the surplus
    expect(byKind({ ...s, available: 60 }).get('staffing-release')!.active).toBe(false);
  });

  it('takes no surge from noise, a handful of arrivals, or a channel whose threshold absorbs minutes', () => {
    // 200/h is 3.3 a minute: 7 in a minute reads as at least 2.65/min, under the forecast
    expect(planFor({ ...base, arrivedLately: [{ count: 7, sec: 60 }] })).toMatchObject({ basis: 'forecast', perHour: 200 });
    // a quiet queue (6/h): 4 arrivals in a minute are too few to name a surge
    expect(planFor({ ...base, forecast: { ...base.forecast, perHour: 6 }, arrivedLately: [{ count: 4, sec: 60 }] }).basis).toBe('forecast');
    // read at 223/h: above the forecast, but not 1.2× it
    expect(planFor({ ...base, arrivedLately: [{ count: 90, sec: 1200 }] }).basis).toBe('forecast');
    // email (1 h threshold): a minute's burst is the backlog math's business
    expect(planFor({ ...base, sl: { targetPct: 80, thresholdSec: 3600 }, arrivedLately: [{ count: 40, sec: 60 }] }).basis).toBe('forecast');
    fc.assert(
      fc.property(fc.double({ min: 0, max: 5000, noNaN: true }), fc.array(fc.record({ count: fc.nat(10_000), sec: fc.double({ min: 0, max: 600, noNaN: true }) }), { maxLength: 4 }), fc.nat(500), fc.double({ min: 0, max: 3600, noNaN: true }), (perHour, windows, waiting, longestWaitSec) => {
        const p = planFor({ ...base, forecast: { ...base.forecast, perHour }, arrivedLately: windows, waiting, longestWaitSec });
        // never below the forecast, always finite, and a surge only with a window that makes one
        expect(Number.isFinite(p.perHour)).toBe(true);
        expect(p.perHour).toBeGreaterThanOrEqual(perHour);
        if (p.basis === 'surge') expect(windows.some((w) => w.count >= 5 && w.sec >= 30)).toBe(true);
      }),
    );
  });

  it('reads no surge from the noise of a correct forecast, re-read every 5 seconds over its sliding windows', () => {
    // Poisson arrivals at exactly the forecast rate; the windows the recommender builds (arrivedLately)
    let seed = 7;
    const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const poisson = (l: number) => {
      let k = 0;
      let p = Math.exp(-l);
      let sum = p;
      const u = rnd();
      while (u > sum) sum += p *= l / ++k;
      return k;
    };
    for (const perHour of [30, 120, 600, 3000]) {
      const minutes = 3_000;
      const at = Array.from({ length: minutes }, () => Array.from({ length: poisson(perHour / 60) }, () => rnd() * 60));
      let surged = 0;
      for (let m = 6; m < minutes; m++) {
        let any = false;
        for (let sec = 0; sec < 60 && !any; sec += 5) {
          let count = at[m].filter((t) => t < sec).length;
          const windows = [];
          for (let k = 1; k <= 5; k++) {
            count += at[m - k].length;
            if (k === 1 || k === 3 || k === 5) windows.push({ count, sec: sec + k * 60 });
          }
          any = planFor({ ...base, forecast: { ...base.forecast, perHour }, arrivedLately: windows }).basis === 'surge';
        }
        if (any) surged++;
      }
      // under one minute in 500 (with the 95 % bound alone: one in 35 at 120/h)
      expect(surged / minutes, `${perHour}/h`).toBeLessThan(0.002);
    }
    // while a real surge, 3× the forecast, is read within the first minute of it at 600/h
    const surge = planFor({ ...base, forecast: { ...base.forecast, perHour: 600 }, arrivedLately: [{ count: 30, sec: 60 }] });
    expect(surge.basis).toBe('surge');
  });

  it('adds a backlog waiting past the threshold as work to clear within five minutes', () => {
    expect(planFor({ ...base, waiting: 10, longestWaitSec: 15 })).toMatchObject({ backlog: 0, perHour: 200 }); // within the threshold: the model's own queue
    const plan = planFor({ ...base, waiting: 10, longestWaitSec: 45 });
    expect(plan).toMatchObject({ backlog: 10, basis: 'forecast' });
    expect(plan.perHour).toBeCloseTo(200 + (10 * 3600) / 300, 9);
    expect(byKind({ ...base, waiting: 10, longestWaitSec: 45 }).get('staffing-add')!.reason).toMatch(/and 10 waiting \(the longest 45 s, past 20 s\) to work off/);
  });

  it('releases nobody while a channel is silent against its forecast (an outage upstream comes back all at once)', () => {
    expect(byKind({ ...base, available: 20 }).get('staffing-release')!.active).toBe(true);
    expect(byKind({ ...base, available: 20, silentSec: 120, expectedWhileSilent: 6.7 }).get('staffing-release')!.active).toBe(false);
    expect(byKind({ ...base, available: 20, silentSec: 30, expectedWhileSilent: 1.7 }).get('staffing-release')!.active).toBe(true);
  });

  it('says when the advice rests on priors, and raises no forecast-based alert then', () => {
    const m = byKind({ ...base, available: 5, forecast: { ...base.forecast, basis: 'prior' }, expectedLast15: 50, recent: { offered: 0, slPct: null, abandonPct: null }, expectedWhileSilent: 100, silentSec: 1800 });
    expect(m.get('staffing-add')!.reason).toMatch(/priors/);
    expect(m.get('staffing-add')!.data.onPrior).toBe(true);
    expect(m.get('off-forecast')!.active).toBe(false);
    expect(m.get('channel-silent')!.active).toBe(false);
  });

  it('raises the alerts on what is happening now, with their thresholds', () => {
    const m = byKind({ ...base, recent: { offered: 40, slPct: 55, abandonPct: 25 }, waiting: 6, longestWaitSec: 400, expectedLast15: 10, silentSec: 0 });
    expect(m.get('sl-under-target')).toMatchObject({ active: true, severity: 'critical' });
    expect(m.get('long-wait')).toMatchObject({ active: true, severity: 'critical', data: { longestWaitSec: 400, waiting: 6 } });
    expect(m.get('abandon-high')).toMatchObject({ active: true, severity: 'critical' });
    expect(m.get('off-forecast')).toMatchObject({ active: true, data: { offered: 40, expected: 10 } });
    const silent = byKind({ ...base, silentSec: 1200, expectedWhileSilent: 66 }).get('channel-silent')!;
    expect(silent).toMatchObject({ active: true, severity: 'critical' });
    expect(silent.reason).toMatch(/nothing for 20 min while 66 arrivals were expected/);
  });

  it('flags contacts stuck in handling: over 4× the AHT and at least 10 minutes', () => {
    // AHT 180 s: 4× is 12 min
    const m = byKind({ ...base, handlingAgesSec: [60, 700, 800, 2400] });
    expect(m.get('stuck')).toMatchObject({ active: true, severity: 'warning', data: { stuck: 2, oldestSec: 2400, stuckAfterSec: 720 } });
    expect(m.get('stuck')!.reason).toMatch(/2 contacts in handling for over 12 min .*the oldest 40 min/);
    expect(byKind({ ...base, handlingAgesSec: [700] }).get('stuck')!.active).toBe(false);
    // a short AHT does not make a few minutes "stuck": the 10-minute floor
    expect(byKind({ ...base, forecast: { ...base.forecast, ahtSec: 30 }, handlingAgesSec: [500] }).get('stuck')!.active).toBe(false);
    expect(byKind({ ...base }).get('stuck')!.active).toBe(false);
  });

  it('does not judge SL or abandons on a handful of appeals', () => {
    const m = byKind({ ...base, recent: { offered: 3, slPct: 0, abandonPct: 100 } });
    expect(m.get('sl-under-target')!.active).toBe(false);
    expect(m.get('abandon-high')!.active).toBe(false);
  });

  it('for any situation: one condition per key, finite numbers, never add and release at once, add exactly when short', () => {
    const situation = fc.record({
      model: fc.constantFrom('erlang-c' as const, 'erlang-a' as const, 'chat' as const),
      targetPct: fc.integer({ min: 50, max: 99 }),
      thresholdSec: fc.integer({ min: 5, max: 3600 }),
      offered: fc.nat(2000),
      slPct: fc.option(fc.double({ min: 0, max: 100, noNaN: true })),
      abandonPct: fc.option(fc.double({ min: 0, max: 100, noNaN: true })),
      waiting: fc.nat(500),
      longestWaitSec: fc.double({ min: 0, max: 86_400, noNaN: true }),
      available: fc.nat(2000),
      perHour: fc.double({ min: 0, max: 5000, noNaN: true }),
      ahtSec: fc.double({ min: 1, max: 3600, noNaN: true }),
      basis: fc.constantFrom('prior' as const, 'recent' as const, 'seasonal' as const, 'blend' as const),
      patienceSec: fc.option(fc.double({ min: 5, max: 3600, noNaN: true })),
      concurrency: fc.integer({ min: 1, max: 6 }),
      planQuantile: fc.option(fc.double({ min: 0.5, max: 0.999, noNaN: true })),
    });
    fc.assert(
      fc.property(situation, (x) => {
        const s: QueueSituation = {
          ...base, model: x.model, sl: { targetPct: x.targetPct, thresholdSec: x.thresholdSec },
          recent: { offered: x.offered, slPct: x.slPct, abandonPct: x.abandonPct }, waiting: x.waiting, longestWaitSec: x.longestWaitSec,
          available: x.available, forecast: { perHour: x.perHour, ahtSec: x.ahtSec, basis: x.basis },
          patienceSec: x.patienceSec ?? undefined, concurrency: x.concurrency, planQuantile: x.planQuantile ?? undefined,
        };
        // beyond what the staffing math takes (10,000 agents) is not a queue anyone staffs
        if ((plannedPerHour(x.perHour, x.planQuantile ?? 0.5) * x.ahtSec) / 3600 > 1500) return;
        const cs = conditionsFor(s);
        expect(new Set(cs.map((c) => c.key)).size).toBe(cs.length);
        for (const c of cs) for (const v of Object.values(c.data)) if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true);
        const add = cs.find((c) => c.kind === 'staffing-add')!;
        const release = cs.find((c) => c.kind === 'staffing-release')!;
        expect(add.active && release.active).toBe(false);
        if (add.data.required !== undefined) expect(add.active).toBe((add.data.required as number) > x.available);
      }),
      { numRuns: 200 },
    );
  });
});

describe('planning for the upper quantile of a 15-minute interval', () => {
  it('takes the normal quantile from published values', () => {
    // Abramowitz & Stegun, table 26.1
    expect(normalQuantile(0.6)).toBeCloseTo(0.2533471, 6);
    expect(normalQuantile(0.95)).toBeCloseTo(1.6448536, 6);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.999)).toBeCloseTo(3.090232, 6);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 6);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });

  it('raises the rate to the quantile of Poisson arrivals, close to the exact Poisson quantile', () => {
    expect(plannedPerHour(400, 0.5)).toBe(400);
    expect(plannedPerHour(400, 0.95)).toBeCloseTo(4 * (100 + 1.6448536 * 10), 4);
    // exact Poisson(100): P(N ≤ 116) = 0.9478, P(N ≤ 117) = 0.9572 — the approximation sits between
    const perInterval = plannedPerHour(400, 0.95) / 4;
    expect(perInterval).toBeGreaterThan(116);
    expect(perInterval).toBeLessThan(117);
    expect(plannedPerHour(0, 0.95)).toBe(0);
  });
});
