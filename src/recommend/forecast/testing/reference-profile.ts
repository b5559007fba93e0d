/**
 * The seasonal profile computed the plain way, for the tests: group the minutes of a history by local
 * week and 15-minute slot of the week (with Date's own calendar, not time.ts), keep the slots seen
 * whole (15 minutes inside [from, to), none in a gap), and average each slot of the week over the weeks
 * that saw it, the latest weighing 1 and each week before it `weekDecay` times the one after.
 */
import type { MinuteCell } from '../types.js';

const MIN = 60_000;

export function referenceProfile(
  cells: readonly MinuteCell[],
  span: { from: number; to: number; gaps?: ReadonlyArray<{ from: number; to: number }> },
  weekDecay: number,
  utcOffsetMinutes = 0,
): Map<number, number> {
  const offered = new Map<number, number>();
  for (const c of cells) offered.set(c.bucket, (offered.get(c.bucket) ?? 0) + c.offered);
  const inGap = (m: number) => (span.gaps ?? []).some((g) => m >= g.from && m < g.to);

  // (week, slot of week) → [arrivals, minutes seen]
  const seen = new Map<string, { week: number; slot: number; arrivals: number; minutes: number }>();
  for (let m = span.from; m < span.to; m += MIN) {
    if (inGap(m)) continue;
    const local = new Date(m + utcOffsetMinutes * MIN);
    const weekday = (local.getUTCDay() + 6) % 7; // Monday 0
    const slot = weekday * 96 + local.getUTCHours() * 4 + Math.floor(local.getUTCMinutes() / 15);
    const monday = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() - weekday);
    const week = Math.round(monday / (7 * 86_400_000));
    const key = `${week}:${slot}`;
    const s = seen.get(key) ?? { week, slot, arrivals: 0, minutes: 0 };
    s.arrivals += offered.get(m) ?? 0;
    s.minutes++;
    seen.set(key, s);
  }
  const bySlot = new Map<number, Array<{ week: number; arrivals: number }>>();
  for (const s of seen.values()) {
    if (s.minutes !== 15) continue;
    const list = bySlot.get(s.slot) ?? [];
    list.push({ week: s.week, arrivals: s.arrivals });
    bySlot.set(s.slot, list);
  }
  const out = new Map<number, number>();
  for (const [slot, weeks] of bySlot) {
    const latest = Math.max(...weeks.map((w) => w.week));
    let num = 0;
    let den = 0;
    for (const w of weeks) {
      const weight = weekDecay ** (latest - w.week);
      num += weight * w.arrivals;
      den += weight;
    }
    out.set(slot, num / den);
  }
  return out;
}
