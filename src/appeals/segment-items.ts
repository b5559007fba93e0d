import type { LoggedEvent } from '../contract/event.js';
import { splitSegments, storyOrder, tellSegment, toAppealEvent, type AppealEvent, type Contribution } from '../metrics/appeal-story.js';
import type { SlPolicyOf } from '../metrics/finalize.js';
import { binLowerSec, histCountBelow } from '../metrics/wait-histogram.js';

/**
 * The drill-down's unit: one segment of an appeal (APPEAL_NEW or APPEAL_RETURNED to its end), which is
 * what the rollups count (`offered` counts segments). What a segment is counted as, and where (queue ×
 * channel × minute), is read off the very contributions tellSegment gives the rollups, never worked out
 * again: so the appeals listed for a number are exactly the ones behind it.
 */

/**
 * The numbers of GET /v1/metrics an appeal can be behind (the `outcome` filter). `waited`: a wait the
 * averages and percentiles of waiting are taken over (AWT, p50–p95); `handled`: a stretch of handling
 * AHT is taken over (per operator, each operator's own stretch, a transferred one included); `queued`:
 * a wait to its end, answered or abandoned, which the longest wait is the largest of.
 */
export const COUNTED_AS = ['offered', 'aa', 'ha', 'missed', 'withinSl', 'outsideSl', 'shortMissed', 'waited', 'handled', 'queued'] as const;
export type CountedAs = (typeof COUNTED_AS)[number];

/** One number the segment is behind: the metric, and the cell (queue × channel × operator × minute) it is counted in. */
export interface Count {
  as: CountedAs;
  queue: string;
  channel: string;
  /** '' for the queue × channel numbers; an operator's id for that operator's numbers (grouped by operator or team). */
  operator: string;
  bucket: number;
  /** The lower edge of the wait's histogram bin (what the longest wait shows), for a count that carries a wait. */
  waitSec?: number;
}

/** One step of the open-appeals level (Open at end): +1 where the segment entered a queue × channel, −1 where it left. */
export interface QaStep {
  queue: string;
  channel: string;
  bucket: number;
  delta: number;
}

/** Where the segment stands now. */
export type SegmentState = 'waiting' | 'inHandling' | 'closed' | 'missed' | 'expired';

/** Judged by the policy of the cell the wait is counted in; null where SL does not judge it (not answered, or no wait known). */
export type SlVerdict = 'within' | 'outside' | 'excluded' | null;

export interface SegmentItem {
  appealId: string;
  /** 1-based place of the segment in the appeal's story as the log holds it now. */
  segment: number;
  /** The segment's first event, in story order: the segment's identity (see cursor.ts). */
  start: AppealEvent;
  queue: string;
  channel: string;
  operators: string[];
  state: SegmentState;
  waitSec: number | null;
  handleSec: number | null;
  sl: SlVerdict;
  slTargetSec: number;
  counts: Count[];
  /** Where the segment was open, as the rollups' level of open appeals counts it (not shown in the answer). */
  qa: QaStep[];
  events: AppealEvent[];
}

export interface StoryContext {
  inactivityTimeoutOf: (channel: string) => number;
  slPolicyOf: SlPolicyOf;
}

/** Every segment of one appeal's story (its logged events, dead letters already left out), told as the rollups tell it. */
export function segmentItems(appealId: string, logged: readonly LoggedEvent[], ctx: StoryContext): SegmentItem[] {
  const events = logged.filter((e) => e.type !== 'OPERATOR_STATUS').map(toAppealEvent).sort(storyOrder);
  const segments = splitSegments(events, ctx.inactivityTimeoutOf);
  return segments.map((seg, i) => {
    const out: Contribution[] = [];
    const open = tellSegment(seg, 0, segments[i + 1]?.[0].ts, ctx.inactivityTimeoutOf, out);
    return itemOf(appealId, i + 1, seg, open !== null, out, ctx.slPolicyOf);
  });
}

function itemOf(appealId: string, index: number, seg: AppealEvent[], isOpen: boolean, out: Contribution[], slPolicyOf: SlPolicyOf): SegmentItem {
  const counts: Count[] = [];
  const qa: QaStep[] = [];
  const at = (as: CountedAs, c: Contribution) => {
    const hist = c.counters.waitHist ?? c.counters.abandonHist;
    const bin = hist ? Object.keys(hist)[0] : undefined;
    counts.push({ as, queue: c.queue, channel: c.channel, operator: c.operator, bucket: c.bucket, ...(bin !== undefined ? { waitSec: binLowerSec(Number(bin)) } : {}) });
  };
  let offeredAt: Contribution | undefined;
  let waitSec: number | null = null;
  let handleSec: number | null = null;
  let sl: SlVerdict = null;
  let slTargetSec = slPolicyOf(seg[0].queue, seg[0].channel).targetSec;
  for (const c of out) {
    const k = c.counters;
    const policy = slPolicyOf(c.queue, c.channel);
    for (const as of countedAs(k, policy)) at(as, c);
    if (k.qaDelta) qa.push({ queue: c.queue, channel: c.channel, bucket: c.bucket, delta: k.qaDelta });
    // an operator's numbers (each hand-over to them) are counted by the same tests; the segment's own
    // fields (its wait, its verdict) are those of the queue-level cells the queue × channel numbers sum
    if (c.operator !== '') continue;
    if (k.offered) offeredAt = c;
    if (k.waitCount) waitSec = k.waitSumMs! / 1000;
    if (k.handleCount) handleSec = k.handleSumMs! / 1000;
    if (k.waitHist) {
      slTargetSec = policy.targetSec;
      sl = histCountBelow(k.waitHist, policy.targetSec) > 0 ? 'within' : 'outside';
    }
    if (k.missed) {
      slTargetSec = policy.targetSec;
      sl = policy.abandonsCount && histCountBelow(k.abandonHist!, policy.shortAbandonSec) === 0 ? 'outside' : 'excluded';
    }
  }
  const last = seg[seg.length - 1];
  const end = seg.find((e) => e.type === 'APPEAL_CLOSED' || e.type === 'APPEAL_MISSED');
  const answered = counts.some((c) => c.as === 'aa') || seg.some((e) => (e.type === 'APPEAL_APPOINTED' || e.type === 'APPEAL_TRANSFERRED') && e.operatorId);
  const state: SegmentState = end?.type === 'APPEAL_MISSED' ? 'missed' : end ? 'closed' : !isOpen ? 'expired' : answered ? 'inHandling' : 'waiting';
  if (state === 'missed') waitSec = (end!.ts - queuedAtOf(seg)) / 1000;
  const operators = [...new Set(seg.flatMap((e) => (e.operatorId ? [e.operatorId] : [])))];
  return {
    appealId,
    segment: index,
    start: seg[0],
    queue: (offeredAt ?? last).queue,
    channel: (offeredAt ?? last).channel,
    operators,
    state,
    waitSec: waitSec === null ? null : Math.max(0, waitSec),
    handleSec,
    sl,
    slTargetSec,
    counts,
    qa,
    events: seg,
  };
}

/** The numbers one contribution counts in, judged as MetricAccumulator.add judges them (by its cell's SL policy). */
function countedAs(k: Contribution['counters'], policy: ReturnType<SlPolicyOf>): CountedAs[] {
  const out: CountedAs[] = [];
  if (k.offered) out.push('offered');
  if (k.aa) out.push('aa');
  if (k.ha) out.push('ha');
  if (k.waitCount) out.push('waited');
  if (k.handleCount) out.push('handled');
  if (k.waitHist || k.abandonHist) out.push('queued');
  if (k.waitHist) out.push(histCountBelow(k.waitHist, policy.targetSec) > 0 ? 'withinSl' : 'outsideSl');
  if (k.missed) {
    out.push('missed');
    const short = histCountBelow(k.abandonHist!, policy.shortAbandonSec) > 0;
    if (short) out.push('shortMissed');
    if (policy.abandonsCount && !short) out.push('outsideSl');
  }
  return out;
}

/**
 * Queued at, as tellSegment takes it: the first APPEAL_SENT_DISTRIBUTION before the appeal reached an
 * operator, else the segment's first event. (Only a missed segment's wait needs it here: the answered
 * one's comes with its contribution.)
 */
function queuedAtOf(seg: AppealEvent[]): number {
  for (const e of seg) {
    if (e.type === 'APPEAL_SENT_DISTRIBUTION') return e.ts;
    if (e.type === 'APPEAL_APPOINTED' || (e.type === 'APPEAL_TRANSFERRED' && e.operatorId)) break;
  }
  return seg[0].ts;
}

/**
 * The queue × channel the segment was open in at `at` (an edge of minutes), as the level "Open at end"
 * counts it: every step before `at` summed, per queue × channel; null when it was open nowhere.
 */
export function openAt(item: Pick<SegmentItem, 'qa'>, at: number): { queue: string; channel: string } | null {
  const level = new Map<string, { queue: string; channel: string; n: number }>();
  for (const s of item.qa) {
    if (s.bucket >= at) continue;
    const key = `${s.queue}\u0001${s.channel}`;
    const l = level.get(key) ?? { queue: s.queue, channel: s.channel, n: 0 };
    l.n += s.delta;
    level.set(key, l);
  }
  for (const l of level.values()) if (l.n > 0) return { queue: l.queue, channel: l.channel };
  return null;
}
