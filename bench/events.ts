/**
 * Synthetic, valid ccpulse events for the benchmark: interleaved appeal lifecycles
 * (NEW → SENT_DISTRIBUTION → APPOINTED → CLOSED, a few MISSED) over a few queues and channels,
 * plus an occasional OPERATOR_STATUS. Ids are unique per run; `ts` is the wall clock at generation,
 * never decreasing within an appeal.
 */
import type { CcEvent } from '../src/contract/event.js';

export const QUEUES = ['general', 'billing', 'tech', 'sales', 'vip'] as const;
export const CHANNELS = ['voice', 'telegram', 'webchat', 'whatsapp', 'email'] as const;
const OPERATORS = 200;
const STATUSES = ['ready', 'busy', 'break', 'ready', 'ready'] as const;

interface OpenAppeal {
  id: string;
  queue: string;
  channel: string;
  /** Next step: 0 = SENT_DISTRIBUTION, 1 = APPOINTED (or MISSED), 2 = CLOSED. */
  step: number;
  operatorId?: string;
  lastTs: number;
}

/** Deterministic xorshift32, so runs are comparable. */
function rng(seed: number) {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

export class EventGenerator {
  private readonly open: OpenAppeal[] = [];
  private readonly rand: () => number;
  private nextEvent = 0;
  private nextAppeal = 0;

  /**
   * @param prefix unique per generator (run id + client index) so ids never collide across clients
   * @param targetOpen how many appeals are in flight at once (bounds QA, makes lifecycles interleave)
   */
  constructor(
    private readonly prefix: string,
    seed: number,
    private readonly targetOpen = 1_000,
  ) {
    this.rand = rng(seed);
  }

  /** Emitted so far (all types). */
  get emitted(): number {
    return this.nextEvent;
  }

  batch(n: number): CcEvent[] {
    const out: CcEvent[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next();
    return out;
  }

  next(): CcEvent {
    const now = Date.now();
    const r = this.rand();
    const id = `${this.prefix}-e${this.nextEvent++}`;
    // ~1% operator status changes.
    if (r < 0.01) {
      return {
        id,
        type: 'OPERATOR_STATUS',
        ts: now,
        operatorId: `op${Math.floor(this.rand() * OPERATORS)}`,
        status: STATUSES[Math.floor(this.rand() * STATUSES.length)],
      };
    }
    // Start a new appeal when under the target of open ones (and sometimes regardless).
    if (this.open.length < this.targetOpen * (0.5 + this.rand()) || this.open.length === 0) {
      const a: OpenAppeal = {
        id: `${this.prefix}-a${this.nextAppeal++}`,
        queue: QUEUES[Math.floor(this.rand() * QUEUES.length)],
        channel: CHANNELS[Math.floor(this.rand() * CHANNELS.length)],
        step: 0,
        lastTs: now,
      };
      this.open.push(a);
      return { id, type: 'APPEAL_NEW', ts: now, appealId: a.id, channel: a.channel, queue: a.queue };
    }
    // Advance a random open appeal one step.
    const k = Math.floor(this.rand() * this.open.length);
    const a = this.open[k];
    const ts = Math.max(now, a.lastTs);
    a.lastTs = ts;
    const base = { id, ts, appealId: a.id, channel: a.channel, queue: a.queue };
    switch (a.step++) {
      case 0:
        return { ...base, type: 'APPEAL_SENT_DISTRIBUTION' };
      case 1:
        if (this.rand() < 0.05) {
          this.remove(k);
          return { ...base, type: 'APPEAL_MISSED' };
        }
        a.operatorId = `op${Math.floor(this.rand() * OPERATORS)}`;
        return { ...base, type: 'APPEAL_APPOINTED', operatorId: a.operatorId };
      default:
        this.remove(k);
        return { ...base, type: 'APPEAL_CLOSED', operatorId: a.operatorId! };
    }
  }

  private remove(k: number): void {
    const last = this.open.pop()!;
    if (k < this.open.length) this.open[k] = last;
  }
}
