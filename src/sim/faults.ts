import type { CcEvent } from '../contract/event.js';
import type { Rng } from './rng.js';
import type { FaultOptions } from './types.js';

export interface FaultStats {
  dropped: number;
  silenced: number;
  duplicated: number;
  reordered: number;
  corrupted: number;
  delivered: number;
}

interface Pending {
  at: number;
  seq: number;
  e: CcEvent;
}

/** How long after the original a duplicate arrives (a client retry). */
const DUPLICATE_DELAY_MAX = 2_000;

/**
 * Generic fault injection between the model and the consumer: drop, duplicate, deliver late
 * (ts unchanged, so the consumer sees out-of-order event time) and corrupt. It has its own random
 * stream, so turning faults on never changes what the model itself does.
 */
export class FaultLayer {
  private ready: CcEvent[] = [];
  /** Late deliveries, sorted by (at, seq). */
  private late: Pending[] = [];
  private lateHead = 0;
  private seq = 0;
  private readonly dropTypes: Set<string> | null;
  readonly counts: FaultStats = { dropped: 0, silenced: 0, duplicated: 0, reordered: 0, corrupted: 0, delivered: 0 };

  constructor(
    private readonly opts: FaultOptions,
    private readonly rng: Rng,
    /** Epoch ms of sim time 0, to place the silence windows. */
    private readonly startTime = 0,
  ) {
    this.dropTypes = opts.dropTypes?.length ? new Set(opts.dropTypes) : null;
  }

  get pending(): number {
    return this.ready.length + this.late.length - this.lateHead;
  }

  /** Feed model events (in ts order). */
  push(events: CcEvent[]): void {
    const o = this.opts;
    for (let e of events) {
      const ts = e.ts; // delivery times come from the true ts: a corrupted event may have none
      if (o.silence && this.silenced(e)) {
        this.counts.silenced++;
        continue;
      }
      if (o.drop && (!this.dropTypes || this.dropTypes.has(e.type)) && this.rng.chance(o.drop)) {
        this.counts.dropped++;
        continue;
      }
      if (o.corrupt && this.rng.chance(o.corrupt)) {
        e = corrupt(e, this.rng);
        this.counts.corrupted++;
      }
      if (o.reorder && this.rng.chance(o.reorder)) {
        this.counts.reordered++;
        this.defer(e, ts + 1 + this.rng.next() * (o.reorderWindowMs ?? 60_000));
      } else this.ready.push(e);
      if (o.duplicate && this.rng.chance(o.duplicate)) {
        this.counts.duplicated++;
        this.defer({ ...e }, ts + this.rng.next() * DUPLICATE_DELAY_MAX);
      }
    }
  }

  /** Events whose delivery time is ≤ untilTs, in delivery order (ts order when nothing is late). */
  release(untilTs: number): CcEvent[] {
    const ready = this.ready;
    this.ready = [];
    if (this.lateHead === this.late.length) return this.delivered(ready);
    const out: CcEvent[] = [];
    let i = 0;
    // Merge the on-time events (already in ts order) with the late ones that are due.
    while (i < ready.length || (this.lateHead < this.late.length && this.late[this.lateHead].at <= untilTs)) {
      const l = this.lateHead < this.late.length && this.late[this.lateHead].at <= untilTs ? this.late[this.lateHead] : undefined;
      if (l && (i >= ready.length || l.at < ready[i].ts)) {
        out.push(l.e);
        this.lateHead++;
      } else out.push(ready[i++]);
    }
    if (this.lateHead > 4096 && this.lateHead * 2 > this.late.length) (this.late = this.late.slice(this.lateHead)), (this.lateHead = 0);
    return this.delivered(out);
  }

  /** Everything still held back, at the end of a run. */
  flush(): CcEvent[] {
    return this.release(Infinity);
  }

  private delivered(out: CcEvent[]): CcEvent[] {
    this.counts.delivered += out.length;
    return out;
  }

  private silenced(e: CcEvent): boolean {
    const t = e.ts - this.startTime;
    return this.opts.silence!.some(
      (w) => t >= w.from && t < w.to && (w.channel === undefined || w.channel === e.channel) && (w.queue === undefined || w.queue === e.queue),
    );
  }

  private defer(e: CcEvent, at: number): void {
    const p: Pending = { at, seq: this.seq++, e };
    // Binary insertion: late events are a small fraction, so an ordered array beats a heap in simplicity.
    let lo = this.lateHead;
    let hi = this.late.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.late[mid].at <= at) lo = mid + 1;
      else hi = mid;
    }
    this.late.splice(lo, 0, p);
  }
}

/** The kinds of damage a broken producer does; every one must be rejected by ingest validation. */
const CORRUPTIONS: Array<(e: Record<string, unknown>) => void> = [
  (e) => delete e.id,
  (e) => delete e.type,
  (e) => delete e.ts,
  (e) => (e.ts = 'yesterday-ish'),
  (e) => (e.type = 'APPEAL_EXPLODED'),
  (e) => (e.type === 'OPERATOR_STATUS' ? (e.status = 'asleep') : delete e.appealId),
  (e) => (e.type === 'OPERATOR_STATUS' ? delete e.operatorId : (e.channel = 42)),
];

function corrupt(e: CcEvent, rng: Rng): CcEvent {
  const copy = { ...e } as Record<string, unknown>;
  rng.pick(CORRUPTIONS)(copy);
  return copy as unknown as CcEvent;
}
