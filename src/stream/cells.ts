import { type Counters, addCounters, emptyCounters, isZero } from '../metrics/counters.js';
import type { RollupCell } from '../storage/storage.js';

export const cellKey = (tenant: string, queue: string, channel: string, operator: string, bucket: number) =>
  `${tenant}\u0001${queue}\u0001${channel}\u0001${operator}\u0001${bucket}`;

type Level<T> = Map<string, T>;
type ByBucket = Map<number, RollupCell>;

/**
 * Rollup cells, to which deltas are added. Used for the checkpoint's pending deltas and the live window.
 * Indexed level by level (tenant, queue, channel, operator, minute) by the very strings the events
 * carry: every event adds to a few cells, and a joined key string per add was a measurable share of
 * the main thread's time and garbage.
 */
export class CellMap {
  private readonly index: Level<Level<Level<Level<ByBucket>>>> = new Map();
  private count = 0;

  add(tenant: string, queue: string, channel: string, operator: string, bucket: number, delta: Partial<Counters>, sign = 1): void {
    addCounters(this.cell(tenant, queue, channel, operator, bucket).counters, delta, sign);
  }

  addCell(cell: RollupCell, sign = 1): void {
    this.add(cell.tenant, cell.queue, cell.channel, cell.operator, cell.bucket, cell.counters, sign);
  }

  private cell(tenant: string, queue: string, channel: string, operator: string, bucket: number): RollupCell {
    let byQueue = this.index.get(tenant);
    if (!byQueue) this.index.set(tenant, (byQueue = new Map()));
    let byChannel = byQueue.get(queue);
    if (!byChannel) byQueue.set(queue, (byChannel = new Map()));
    let byOperator = byChannel.get(channel);
    if (!byOperator) byChannel.set(channel, (byOperator = new Map()));
    let byBucket = byOperator.get(operator);
    if (!byBucket) byOperator.set(operator, (byBucket = new Map()));
    let cell = byBucket.get(bucket);
    if (!cell) {
      byBucket.set(bucket, (cell = { tenant, queue, channel, operator, bucket, counters: emptyCounters() }));
      this.count++;
    }
    return cell;
  }

  get(tenant: string, queue: string, channel: string, operator: string, bucket: number): RollupCell | undefined {
    return this.index.get(tenant)?.get(queue)?.get(channel)?.get(operator)?.get(bucket);
  }

  *values(): IterableIterator<RollupCell> {
    for (const byQueue of this.index.values())
      for (const byChannel of byQueue.values())
        for (const byOperator of byChannel.values()) for (const byBucket of byOperator.values()) yield* byBucket.values();
  }

  /** Forgets cells of minutes before `bucket`. */
  dropBefore(bucket: number): void {
    for (const byQueue of this.index.values())
      for (const byChannel of byQueue.values())
        for (const byOperator of byChannel.values())
          for (const [operator, byBucket] of byOperator) {
            for (const b of byBucket.keys()) {
              if (b >= bucket) continue;
              byBucket.delete(b);
              this.count--;
            }
            if (byBucket.size === 0) byOperator.delete(operator);
          }
  }

  /** The cells by cellKey (a copy). */
  get cells(): Map<string, RollupCell> {
    const m = new Map<string, RollupCell>();
    for (const c of this.values()) m.set(cellKey(c.tenant, c.queue, c.channel, c.operator, c.bucket), c);
    return m;
  }

  /** Cells with any non-zero content (a retraction can leave a cell all zero). */
  nonZero(): RollupCell[] {
    return [...this.values()].filter((c) => !isZero(c.counters));
  }

  get size(): number {
    return this.count;
  }
}
