import type { MetricsRow } from '../../contract/api.js';
import type { CcEvent, EventType, LoggedEvent } from '../../contract/event.js';
import { buildHistory, type GroupKey } from '../../metrics/history.js';
import type { SlPolicy } from '../../metrics/finalize.js';
import { StreamProcessor } from '../processor.js';
import { reconcileLateEvents, type AppealLogReader } from '../reconcile.js';

/** The reconciliation's view of an in-memory log (for tests of the processor alone; storage backends pass the conformance suite). */
export function logReader(log: readonly LoggedEvent[], deadLettered: ReadonlySet<number> = new Set()): AppealLogReader {
  return {
    readAppealEvents: async (tenant, ids, maxSeq) => log.filter((e) => e.tenant === tenant && e.appealId !== undefined && ids.includes(e.appealId) && e.seq <= maxSeq),
    deadLetteredSeqs: async (seqs) => seqs.filter((s) => deadLettered.has(s)),
  };
}

export const T0 = Date.UTC(2026, 10, 21, 10, 0, 0);
export const sec = (s: number) => T0 + s * 1000;

/**
 * Runs hand-built events through the real stream processor (no storage: the checkpoint deltas are the
 * rollups) and reads metrics the way the API does.
 */
export class Harness {
  readonly processor: StreamProcessor;
  private seq = 0;
  private id = 0;
  constructor(
    readonly opts: { now?: number; timeoutSec?: number; sl?: Partial<SlPolicy>; slByQueue?: Record<string, Partial<SlPolicy>> } = {},
  ) {
    const base: SlPolicy = { targetSec: 20, shortAbandonSec: 5, abandonsCount: true, ...opts.sl };
    this.processor = new StreamProcessor({
      inactivityTimeoutOf: () => (opts.timeoutSec ?? 3600) * 1000,
      slPolicyOf: (q) => ({ ...base, ...opts.slByQueue?.[q] }),
      now: () => opts.now ?? sec(3600),
    });
  }

  /** Appeal event shorthand: ev('APPEAL_NEW', 'a1', 0) at T0 + 0 s in queue sales, channel voice. */
  ev(type: EventType, appealId: string, atSec: number, extra: Partial<CcEvent> = {}): LoggedEvent {
    return { tenant: 't', seq: 0, id: `e${++this.id}`, type, ts: sec(atSec), appealId, queue: 'sales', channel: 'voice', ...extra };
  }

  /** The log so far: every event pushed, with its position. */
  readonly log: LoggedEvent[] = [];

  /** Applies events in the order given, each a new log position. */
  push(...events: Array<LoggedEvent | LoggedEvent[]>): this {
    const logged = events.flat().map((e) => ({ ...e, seq: ++this.seq }));
    this.log.push(...logged);
    this.processor.apply(logged);
    return this;
  }

  /** Reconciles waiting late events against the harness's log, as the engine does against storage. */
  async reconcile(): Promise<this> {
    await reconcileLateEvents(this.processor, logReader(this.log), []);
    return this;
  }

  policy(q: string): SlPolicy {
    return { targetSec: 20, shortAbandonSec: 5, abandonsCount: true, ...this.opts.sl, ...this.opts.slByQueue?.[q] };
  }

  rows(opts: { fromSec?: number; toSec?: number; groupBy?: GroupKey[]; intervalMin?: number; level?: 'queue' | 'operator' } = {}): MetricsRow[] {
    const level = opts.level ?? 'queue';
    const cells = [...this.processor.pendingCells()].filter((c) => (level === 'queue' ? c.operator === '' : c.operator !== ''));
    return buildHistory(
      cells,
      [],
      {
        from: sec(opts.fromSec ?? 0),
        to: sec(opts.toSec ?? 7200),
        groupBy: opts.groupBy ?? [],
        intervalMs: opts.intervalMin ? opts.intervalMin * 60_000 : undefined,
        level,
        finalBefore: this.processor.finalBefore('t'),
      },
      (q) => this.policy(q),
    );
  }

  /** All metrics over the whole range, all queues and channels together. */
  total(opts: { fromSec?: number; toSec?: number } = {}): MetricsRow {
    return this.rows(opts)[0];
  }

  repairs(): Record<string, number> {
    return this.processor.live.repairsOf('t');
  }
}
