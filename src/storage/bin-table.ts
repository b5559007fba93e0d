import { sortedPercentileBin } from '../metrics/wait-histogram.js';

/**
 * Scratch space for merging sparse wait histograms (bin → count) of many cells into one, reused from
 * one group to the next: the history reads of PostgreSQL and ClickHouse merge a week's thousands of
 * cells here rather than in a Map per group (docs/STORAGE.md). Counts are kept in a table indexed by
 * bin, remembering which were touched so a reset costs only those.
 */
export class BinTable {
  private readonly counts = new Float64Array(1024);
  /** 1 for a bin in `touched` (a look-up here, not a search of the list: a week's answer adds ~100k times). */
  private readonly marked = new Uint8Array(1024);
  private readonly touched: number[] = [];
  private readonly extra = new Map<number, number>(); // bins beyond the table (none are made today)
  /** The lowest and highest bin of the table touched since the reset (summarize scans between them). */
  private lo = Infinity;
  private hi = -1;

  reset(): void {
    for (const b of this.touched) {
      this.counts[b] = 0;
      this.marked[b] = 0;
    }
    this.touched.length = 0;
    this.lo = Infinity;
    this.hi = -1;
    if (this.extra.size) this.extra.clear();
  }

  add(bin: number, v: number): void {
    if (bin >= 0 && bin < this.counts.length) {
      if (this.marked[bin] === 0) {
        this.marked[bin] = 1;
        this.touched.push(bin);
        if (bin < this.lo) this.lo = bin;
        if (bin > this.hi) this.hi = bin;
      }
      this.counts[bin] += v;
    } else this.extra.set(bin, (this.extra.get(bin) ?? 0) + v);
  }

  get(bin: number): number {
    return bin >= 0 && bin < this.counts.length ? this.counts[bin] : (this.extra.get(bin) ?? 0);
  }

  /** Bins whose counts do not net to zero, ascending. */
  nonZeroBins(): number[] {
    const out = this.touched.filter((b) => this.counts[b] !== 0);
    for (const [b, v] of this.extra) if (v !== 0) out.push(b);
    return out.sort((a, b) => a - b);
  }

  /**
   * The sum of the counts, the nearest-rank percentile bins of `ps` (ascending; the rules of
   * wait-histogram.ts sortedPercentileBin) and the highest bin not netting to zero, in one ascending pass
   * over the bins touched, without building arrays: a week's history finishes thousands of groups here.
   */
  summarize(ps: readonly number[]): { total: number; at: Array<number | null>; max: number | null } {
    const at: Array<number | null> = ps.map(() => null);
    if (this.extra.size) {
      const bins = this.nonZeroBins();
      const counts = bins.map((b) => this.get(b));
      return { total: counts.reduce((a, b) => a + b, 0), at: ps.map((p) => sortedPercentileBin(bins, counts, p)), max: bins.length ? bins[bins.length - 1] : null };
    }
    // the bins between the lowest and the highest touched, ascending (a histogram's bins are few and
    // close together: cheaper than sorting the touched ones)
    const counts = this.counts;
    let total = 0;
    let max: number | null = null;
    for (let b = this.lo; b <= this.hi; b++) {
      const c = counts[b];
      if (c !== 0) {
        total += c;
        max = b;
      }
    }
    if (total === 0) return { total, at, max };
    const ranks = ps.map((p) => Math.max(1, Math.ceil((p / 100) * total)));
    let seen = 0;
    let k = 0;
    for (let b = this.lo; b <= this.hi && k < ranks.length; b++) {
      const c = counts[b];
      if (c === 0) continue;
      seen += c;
      while (k < ranks.length && seen >= ranks[k]) at[k++] = b;
    }
    while (k < ps.length) at[k++] = max;
    return { total, at, max };
  }
}
