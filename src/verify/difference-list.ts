import type { CellDifference } from '../metrics/recompute.js';

/** The differences found, chunk by chunk, keeping the first `cap` (a broken week could list millions) and counting all. */
export class DifferenceList {
  readonly items: CellDifference[] = [];
  total = 0;

  constructor(private readonly cap: number) {}

  add(found: readonly CellDifference[]): void {
    this.total += found.length;
    for (const d of found) {
      if (this.items.length >= this.cap) break;
      this.items.push(d);
    }
  }

  get truncated(): boolean {
    return this.total > this.items.length;
  }
}
