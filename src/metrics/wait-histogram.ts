/**
 * Wait times are kept as sparse histograms so percentiles and SL can be merged across buckets, queues and
 * ranges, and so a contribution can be retracted exactly (a max or a t-digest cannot be un-added).
 *
 * Resolution: 1 s below 2 min, 5 s below 10 min, 1 min below 1 h, 15 min below 24 h, one bin beyond.
 * A percentile is the lower edge of the bin holding the nearest-rank sample, so it is exact at that
 * resolution; SL thresholds and the short-abandon threshold must sit on a bin edge (checked at boot).
 */

/** Sparse counts by key; a histogram's keys are bin indexes. Zero counts are never kept. */
export type CountMap = Record<string, number>;
export type Histogram = CountMap;

const EDGES: ReadonlyArray<{ fromSec: number; stepSec: number; firstBin: number }> = (() => {
  const spans = [
    { fromSec: 0, toSec: 120, stepSec: 1 },
    { fromSec: 120, toSec: 600, stepSec: 5 },
    { fromSec: 600, toSec: 3600, stepSec: 60 },
    { fromSec: 3600, toSec: 86_400, stepSec: 900 },
  ];
  let firstBin = 0;
  return spans.map((s) => {
    const out = { fromSec: s.fromSec, stepSec: s.stepSec, firstBin };
    firstBin += (s.toSec - s.fromSec) / s.stepSec;
    return out;
  });
})();
const LAST_BIN = 120 + 96 + 50 + 92; // every wait of a day or more

export function binOf(waitMs: number): number {
  const sec = Math.max(0, waitMs) / 1000;
  for (let i = EDGES.length - 1; i >= 0; i--) {
    const e = EDGES[i];
    if (sec >= e.fromSec) {
      const bin = e.firstBin + Math.floor((sec - e.fromSec) / e.stepSec);
      return Math.min(bin, LAST_BIN);
    }
  }
  return 0;
}

/** Lower edge of a bin, in seconds. */
export function binLowerSec(bin: number): number {
  if (bin >= LAST_BIN) return 86_400;
  for (let i = EDGES.length - 1; i >= 0; i--) {
    const e = EDGES[i];
    if (bin >= e.firstBin) return e.fromSec + (bin - e.firstBin) * e.stepSec;
  }
  return 0;
}

/** True when `sec` is a bin edge, so "wait < sec" can be answered exactly from a histogram. */
export function isBinEdge(sec: number): boolean {
  return binLowerSec(binOf(sec * 1000)) === sec;
}

export function addCounts(into: CountMap, from: CountMap, sign = 1): void {
  for (const k in from) {
    const v = (into[k] ?? 0) + sign * from[k];
    if (v === 0) delete into[k];
    else into[k] = v;
  }
}

export function histCount(h: Histogram): number {
  let n = 0;
  for (const k in h) n += h[k];
  return n;
}

/** Count of samples strictly below `sec` (sec must be a bin edge). */
export function histCountBelow(h: Histogram, sec: number): number {
  const limit = binOf(sec * 1000);
  let n = 0;
  for (const k in h) if (Number(k) < limit) n += h[k];
  return n;
}

/** Nearest-rank percentile (p in 0..100), as the lower edge of its bin in seconds; null when empty. */
export function histPercentileSec(h: Histogram, p: number): number | null {
  const bin = histPercentileBin(h, p);
  return bin === null ? null : binLowerSec(bin);
}

/** Nearest-rank percentile (p in 0..100) as the bin holding it; null when empty. */
export function histPercentileBin(h: Histogram, p: number): number | null {
  const bins = Object.keys(h).map(Number).sort((a, b) => a - b);
  return sortedPercentileBin(bins, bins.map((b) => h[b]), p);
}

/** The same, over a histogram given as bins in ascending order and their counts (as storage merges them). */
export function sortedPercentileBin(bins: readonly number[], counts: readonly number[], p: number): number | null {
  let total = 0;
  for (const c of counts) total += c;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (let i = 0; i < bins.length; i++) {
    seen += counts[i];
    if (seen >= rank) return bins[i];
  }
  return bins[bins.length - 1];
}
