/**
 * Pacing advice for outbound campaigns, from their answered and dropped calls as the stream tallies them
 * (src/stream/campaign-tally.ts): slow down above the drop cap (3 % of answered by default, as regulators
 * and dialers use it); speed up well under it while operators wait; and, for a registered campaign with
 * an answer rate, whether it finishes by its deadline at the pace of the last 15 minutes. Pure.
 */
import type { Condition } from '../lifecycle/lifecycle.js';
import type { Campaign } from '../../storage/storage.js';
import type { CampaignMinute } from '../../stream/campaign-tally.js';

const MINUTE_MS = 60_000;
/** The window judged, and the least answered calls in it that make a judgement. */
const WINDOW_MINUTES = 15;
const MIN_ANSWERED = 30;

/** What a registration (PUT /v1/campaigns/:id) adds to what the events say. */
export type CampaignPlan = Pick<Campaign, 'id' | 'queue' | 'listSize' | 'deadline' | 'dropCapPct' | 'answerRate'>;

/** What pacing reads of a tenant's campaigns (the stream's CampaignTally). */
export interface CampaignCounts {
  campaigns(tenant: string): Array<{ id: string; queue: string; channel: string }>;
  window(tenant: string, id: string, from: number): CampaignMinute;
  answeredTotal(tenant: string, id: string): number;
}

/** Answered calls of a campaign in total and over the last 15 minutes. */
export function campaignProgress(counts: CampaignCounts, tenant: string, id: string, now: number): { answeredTotal: number; answeredLast15: number; droppedLast15: number } {
  const w = counts.window(tenant, id, windowStart(now));
  return { answeredTotal: counts.answeredTotal(tenant, id), answeredLast15: w.answered, droppedLast15: w.dropped };
}

/**
 * When a registered campaign finishes at the pace of the last 15 minutes: the answered calls still to
 * go (its list × answer rate, less those answered so far) and the time they are done by, or null when
 * nothing was answered lately; null altogether without an answer rate (nothing to count down from).
 */
export function finishForecast(plan: Pick<CampaignPlan, 'listSize' | 'answerRate' | 'deadline'>, p: { answeredTotal: number; answeredLast15: number }, now: number): { remaining: number; eta: number | null; onTime: boolean } | null {
  if (plan.answerRate === undefined) return null;
  const remaining = Math.max(0, Math.round(plan.listSize * plan.answerRate - p.answeredTotal));
  if (remaining === 0) return { remaining: 0, eta: now, onTime: true };
  const perMinute = p.answeredLast15 / WINDOW_MINUTES;
  const eta = perMinute > 0 ? now + (remaining / perMinute) * MINUTE_MS : null;
  return { remaining, eta, onTime: eta !== null && eta <= plan.deadline };
}

const windowStart = (now: number) => now - (now % MINUTE_MS) - (WINDOW_MINUTES - 1) * MINUTE_MS;

/**
 * The pacing conditions of a tenant's campaigns at `now`, against each one's registered drop cap or
 * `dropCapPct`; and the finish-time forecast of the registered ones.
 */
export function pacingConditions(counts: CampaignCounts, tenant: string, now: number, opts: { dropCapPct: number; readyOn: (queue: string) => number; plans?: ReadonlyMap<string, CampaignPlan> }): Condition[] {
  const out: Condition[] = [];
  for (const plan of opts.plans?.values() ?? []) {
    const late = finishLate(plan, campaignProgress(counts, tenant, plan.id, now), now);
    if (late) out.push(late);
  }
  for (const c of counts.campaigns(tenant)) {
    const id = c.id;
    const plan = opts.plans?.get(id);
    const capPct = plan?.dropCapPct ?? opts.dropCapPct;
    const { answered, dropped } = counts.window(tenant, id, windowStart(now));
    if (answered < MIN_ANSWERED) continue;
    const dropPct = (100 * dropped) / answered;
    const ready = opts.readyOn(c.queue);
    const data = { campaign: id, queue: c.queue, answered, dropped, dropPct: Math.round(dropPct * 10) / 10, capPct, readyOperators: ready };
    if (dropPct > capPct) {
      out.push({
        key: `campaign-slow-down:${id}`,
        kind: 'campaign-slow-down',
        active: true,
        severity: dropPct > 2 * capPct ? 'critical' : 'warning',
        reason: `campaign ${id}: slow down — ${data.dropPct} % of answered calls dropped in the last ${WINDOW_MINUTES} minutes (${dropped} of ${answered}), over the ${capPct} % cap`,
        data,
      });
    } else if (dropPct < capPct / 3 && ready > 0) {
      out.push({
        key: `campaign-speed-up:${id}`,
        kind: 'campaign-speed-up',
        active: true,
        severity: 'info',
        reason: `campaign ${id}: room to speed up — ${data.dropPct} % dropped in the last ${WINDOW_MINUTES} minutes (cap ${capPct} %) while ${ready} operator${ready === 1 ? ' waits' : 's wait'} on ${c.queue}`,
        data,
      });
    }
  }
  return out;
}

/**
 * A registered campaign that will not be done by its deadline at the pace of the last 15 minutes: the
 * answered calls its list should still make (list size × answer rate, less those answered so far) over the answered calls a minute lately. Null when it is on time, or when there is
 * nothing to judge by (no answer rate registered, nothing answered lately and the deadline not passed).
 */
function finishLate(plan: CampaignPlan, p: { answeredTotal: number; answeredLast15: number }, now: number): Condition | null {
  if (plan.answerRate === undefined) return null;
  // whole calls: a fraction of one left over is done (as finishForecast and the dashboard count it)
  const remaining = Math.max(0, Math.round(plan.listSize * plan.answerRate - p.answeredTotal));
  if (remaining === 0) return null;
  const perMinute = p.answeredLast15 / WINDOW_MINUTES;
  const eta = perMinute > 0 ? now + (remaining / perMinute) * MINUTE_MS : Infinity;
  if (eta <= plan.deadline) return null;
  const when = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');
  return {
    key: `campaign-late:${plan.id}`,
    kind: 'campaign-late',
    active: true,
    severity: now >= plan.deadline ? 'critical' : 'warning',
    reason:
      perMinute > 0
        ? `campaign ${plan.id}: at the pace of the last 15 minutes (${Math.round(perMinute * 60)} answered an hour) it finishes about ${when(eta)} UTC, after its deadline ${when(plan.deadline)} UTC — ${Math.round(remaining)} answered calls to go`
        : `campaign ${plan.id}: no call answered in the last 15 minutes, ${Math.round(remaining)} to go before its deadline ${when(plan.deadline)} UTC`,
    data: { campaign: plan.id, remaining: Math.round(remaining), answeredPerHour: Math.round(perMinute * 60), eta: Number.isFinite(eta) ? eta : null, deadline: plan.deadline },
  };
}
