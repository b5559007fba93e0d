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

  reset(): void {
    for (const b of this.touched) {
      this.counts[b] = 0;
      this.marked[b] = 0;
    }
    this.touched.length = 0;
    if (this.extra.size) this.extra.clear();
  }

  add(bin: number, v: number): void {
    if (bin >= 0 && bin < this.counts.length) {
      if (this.marked[bin] === 0) {
        this.marked[bin] = 1;
        this.touched.push(bin);
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
}
