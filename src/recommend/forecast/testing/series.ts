/**
 * Synthetic minute series with known structure, for the tests: counts drawn from a rate function,
 * either exactly (deterministic rounding that carries the remainder, so every window's total is the
 * rate's integral to within one appeal) or as Poisson draws from a seeded generator.
 */
import type { MinuteCell } from '../types.js';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
export const WEEK = 7 * DAY;
/** Monday 2026-01-05 00:00 UTC. */
export const MONDAY = Date.UTC(2026, 0, 5);

/** Arrivals per minute as a function of the minute's start. */
export type Rate = (minuteStart: number) => number;

/** Counts whose running total follows the rate's running total, rounded: no noise, whole appeals. */
export function exactCells(rate: Rate, from: number, minutes: number, extra: (m: number) => Partial<MinuteCell> = () => ({})): MinuteCell[] {
  const out: MinuteCell[] = [];
  let want = 0;
  let given = 0;
  for (let i = 0; i < minutes; i++) {
    const m = from + i * MIN;
    want += rate(m);
    const n = Math.round(want) - given;
    given += n;
    out.push({ bucket: m, offered: n, ...extra(m) });
  }
  return out;
}

/** Plain counts, exactly the rate (fractional where it is), for models that must reproduce it to the digit. */
export function rateCells(rate: Rate, from: number, minutes: number): MinuteCell[] {
  return Array.from({ length: minutes }, (_, i) => ({ bucket: from + i * MIN, offered: rate(from + i * MIN) }));
}

/** sfc32: small, seeded, good enough for test noise. */
export function rng(seed: number): () => number {
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = seed >>> 0;
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

export function poisson(mean: number, u: () => number): number {
  if (mean <= 0) return 0;
  if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(u)));
  const l = Math.exp(-mean);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= u();
  } while (p > l);
  return k - 1;
}

function normal(u: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

export function poissonCells(rate: Rate, from: number, minutes: number, seed: number): MinuteCell[] {
  const u = rng(seed);
  return Array.from({ length: minutes }, (_, i) => ({ bucket: from + i * MIN, offered: poisson(rate(from + i * MIN), u) }));
}

/** A working-week shape like the simulator's center: quiet nights, a day plateau, lighter weekends. */
export function weeklyRate(perMinuteAtPeak: number): Rate {
  const weekday = [1, 1, 1, 1, 1, 0.6, 0.45];
  return (m) => {
    const dayMs = ((m % DAY) + DAY) % DAY;
    const h = dayMs / HOUR;
    const day = (Math.floor(m / DAY) + 3) % 7; // 1970-01-01 was a Thursday; Monday = 0
    // 0.1 at night, rising 07:00–09:00 to 1, falling 17:00–20:00: smooth enough for the profile's kernel.
    const shape = h < 7 ? 0.1 : h < 9 ? 0.1 + 0.45 * (h - 7) : h < 17 ? 1 : h < 20 ? 1 - 0.3 * (h - 17) : 0.1;
    return perMinuteAtPeak * shape * weekday[day];
  };
}

/** Sum of a rate over [from, to) (minutes). */
export function integrate(rate: Rate, from: number, to: number): number {
  let s = 0;
  for (let m = from; m < to; m += MIN) s += rate(m);
  return s;
}
