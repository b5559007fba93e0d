import { describe, expect, it } from 'vitest';
import { buildForecastState } from './build.js';
import { forecast } from './forecast.js';
import { newProfile, profileAdd, profileMean, profileRead } from './profile.js';
import { referenceProfile } from './testing/reference-profile.js';
import { DAY, HOUR, MONDAY, poissonCells, weeklyRate, WEEK } from './testing/series.js';
import { SLOTS_PER_WEEK } from './time.js';

describe('seasonal profile', () => {
  it('the latest week weighs 1, each week before it weekDecay times less', () => {
    const p = newProfile();
    profileAdd(p, 10, 100, 30, 0.5);
    profileAdd(p, 10, 101, 60, 0.5);
    expect(profileMean(p, 10)).toBeCloseTo((0.5 * 30 + 60) / 1.5, 12);
    // a week with no data for the slot ages the older ones all the same
    profileAdd(p, 10, 103, 90, 0.5);
    expect(profileMean(p, 10)).toBeCloseTo((0.125 * 30 + 0.25 * 60 + 90) / 1.375, 12);
    expect(profileMean(p, 11)).toBeNull();
  });

  it('reads through a [n, 1 − 2n, n] kernel, dropping neighbours no week saw, wrapping the week', () => {
    const p = newProfile();
    profileAdd(p, 0, 1, 40, 0.8);
    profileAdd(p, 1, 1, 80, 0.8);
    profileAdd(p, SLOTS_PER_WEEK - 1, 1, 20, 0.8);
    expect(profileRead(p, 0, 0.25)).toBeCloseTo(0.25 * 20 + 0.5 * 40 + 0.25 * 80, 12);
    expect(profileRead(p, 1, 0.25)).toBeCloseTo((0.25 * 40 + 0.5 * 80) / 0.75, 12);
    expect(profileRead(p, 0, 0)).toBe(40);
    expect(profileRead(p, 2, 0.25)).toBeNull(); // its neighbour was seen, the slot itself was not
  });

  it('read as of a week, a slot already updated that week shows its past weeks only', () => {
    const p = newProfile();
    profileAdd(p, 5, 1, 10, 0.8);
    profileAdd(p, 5, 2, 100, 0.8);
    expect(profileMean(p, 5, 2)).toBe(10);
    expect(profileMean(p, 5, 3)).toBeCloseTo((0.8 * 10 + 100) / 1.8, 12);
    expect(profileMean(p, 5)).toBeCloseTo((0.8 * 10 + 100) / 1.8, 12);
    profileAdd(p, 6, 1, 20, 0.8);
    expect(profileRead(p, 6, 0.25, 2)).toBeCloseTo((0.25 * 10 + 0.5 * 20) / 0.75, 12);
  });

  it('a spike this week does not leak into the forecast of the next slot through the kernel', () => {
    const cells = Array.from({ length: WEEK / 60_000 + 10 * 60 + 15 }, (_, i) => {
      const bucket = MONDAY + i * 60_000;
      const spike = bucket >= MONDAY + WEEK + 10 * HOUR; // week 2, Monday 10:00–10:15
      return { bucket, offered: spike ? 50 : 2 };
    });
    const state = buildForecastState({ cells });
    const f = forecast(state, MONDAY + WEEK + 10 * HOUR + 15 * 60_000, { channel: { arrivalsPerHour: 0, ahtSec: 60 } });
    expect(f.levelCorrection).toBeGreaterThan(2); // today is far above the profile …
    expect(f.slots[0].seasonal! / f.levelCorrection!).toBeCloseTo(30, 9); // … but the profile is last week's 30
  });

  it('built from a history equals the plain per-week average, gaps and partial slots left out', () => {
    const from = MONDAY + 7 * HOUR + 5 * 60_000; // starts mid-slot: that slot is not seen whole
    const to = MONDAY + 3 * WEEK - 2 * 60_000;
    const cells = poissonCells(weeklyRate(3), from, (to - from) / 60_000, 42);
    const gaps = [
      { from: MONDAY + 2 * DAY, to: MONDAY + 3 * DAY }, // week 1 has no Wednesday
      { from: MONDAY + WEEK + 10 * HOUR + 7 * 60_000, to: MONDAY + WEEK + 10 * HOUR + 9 * 60_000 }, // two minutes of week 2
    ];
    const kept = cells.filter((c) => !gaps.some((g) => c.bucket >= g.from && c.bucket < g.to));
    for (const weekDecay of [0.8, 1]) {
      const state = buildForecastState({ cells: kept, from, to, gaps }, { seasonal: { weekDecay } });
      const want = referenceProfile(kept, { from, to, gaps }, weekDecay);
      let seen = 0;
      for (let slot = 0; slot < SLOTS_PER_WEEK; slot++) {
        const got = profileMean(state.profile, slot);
        if (!want.has(slot)) expect(got, `slot ${slot}`).toBeNull();
        else {
          expect(got, `slot ${slot}`).toBeCloseTo(want.get(slot)!, 9);
          seen++;
        }
      }
      // three weeks see every slot of the week whole at least once, whatever the gaps took
      expect(seen).toBe(SLOTS_PER_WEEK);
    }
  });
});
