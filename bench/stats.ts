/** Small numeric helpers for the benchmark: percentiles and rounding. */

export interface Summary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of an ascending-sorted array (q in 0..100). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((q / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function summarize(values: readonly number[], digits = 2): Summary {
  const s = Float64Array.from(values).sort();
  const n = s.length;
  let sum = 0;
  for (const v of s) sum += v;
  const r = (v: number) => round(v, digits);
  return {
    count: n,
    min: r(n ? s[0] : NaN),
    mean: r(n ? sum / n : NaN),
    p50: r(percentile(s as unknown as number[], 50)),
    p95: r(percentile(s as unknown as number[], 95)),
    p99: r(percentile(s as unknown as number[], 99)),
    max: r(n ? s[n - 1] : NaN),
  };
}

export function round(v: number, digits = 2): number {
  if (!Number.isFinite(v)) return v;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
