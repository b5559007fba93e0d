/**
 * Seeded PRNG and the few distributions the simulator needs.
 * Written here (not a dependency) so a seed means the same stream of numbers forever:
 * determinism of every scenario rests on this file.
 */

/** sfc32: tiny, fast, 128-bit state (a longer period than mulberry32, which matters for multi-million-sample runs). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // splitmix32 expands the single seed into four well-mixed state words.
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Independent child stream (faults, campaigns) so enabling one feature does not shift another's numbers. */
  fork(salt: number): Rng {
    return new Rng((this.u32() ^ Math.imul(salt, 0x9e3779b1)) >>> 0);
  }

  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  exp(mean: number): number {
    // 1 - u is in (0, 1], so the log is finite.
    return -mean * Math.log(1 - this.next());
  }

  normal(): number {
    // Box–Muller; the second variate is discarded to keep the state sequence simple to reason about.
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal parameterised by its mean and coefficient of variation, the way handle times are quoted. */
  logNormal(mean: number, cv: number): number {
    const s2 = Math.log(1 + cv * cv);
    return Math.exp(Math.log(mean) - s2 / 2 + Math.sqrt(s2) * this.normal());
  }
}

/**
 * A duration distribution in milliseconds, in the compact form scenarios are written in:
 * a number is a constant; `{ exp: mean }`; `{ logn: mean, cv }`; `{ uniform: [lo, hi] }`.
 */
export type Dist = number | { exp: number } | { logn: number; cv: number } | { uniform: [number, number] };

export function sample(rng: Rng, d: Dist): number {
  if (typeof d === 'number') return d;
  if ('exp' in d) return rng.exp(d.exp);
  if ('logn' in d) return rng.logNormal(d.logn, d.cv);
  return rng.uniform(d.uniform[0], d.uniform[1]);
}

/** Mean of a distribution: used to size scenarios and in tests. */
export function meanOf(d: Dist): number {
  if (typeof d === 'number') return d;
  if ('exp' in d) return d.exp;
  if ('logn' in d) return d.logn;
  return (d.uniform[0] + d.uniform[1]) / 2;
}
