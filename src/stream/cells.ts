import { type Counters, addCounters, emptyCounters, isZero } from '../metrics/counters.js';
import type { RollupCell } from '../storage/storage.js';

export const cellKey = (tenant: string, queue: string, channel: string, operator: string, bucket: number) =>
  `${tenant}\u0001${queue}\u0001${channel}\u0001${operator}\u0001${bucket}`;

/** Rollup cells by key, to which deltas are added. Used for the checkpoint's pending deltas and the live window. */
export class CellMap {
  readonly cells = new Map<string, RollupCell>();

  add(tenant: string, queue: string, channel: string, operator: string, bucket: number, delta: Partial<Counters>, sign = 1): void {
    const key = cellKey(tenant, queue, channel, operator, bucket);
    let cell = this.cells.get(key);
    if (!cell) {
      cell = { tenant, queue, channel, operator, bucket, counters: emptyCounters() };
      this.cells.set(key, cell);
    }
    addCounters(cell.counters, delta, sign);
  }

  addCell(cell: RollupCell, sign = 1): void {
    this.add(cell.tenant, cell.queue, cell.channel, cell.operator, cell.bucket, cell.counters, sign);
  }

  get(key: string): RollupCell | undefined {
    return this.cells.get(key);
  }

  /** Cells with any non-zero content (a retraction can leave a cell all zero). */
  nonZero(): RollupCell[] {
    return [...this.cells.values()].filter((c) => !isZero(c.counters));
  }

  get size(): number {
    return this.cells.size;
  }
}
