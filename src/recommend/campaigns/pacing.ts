/**
 * Outbound campaigns as their events show them (learned, not registered): per campaign, the answered
 * calls and the drops (an answered call no agent took: APPEAL_MISSED of an outbound appeal) minute by
 * minute, and the pacing advice that follows against the drop cap (3 % of answered by default, as
 * regulators and dialers use it): slow down above the cap; speed up well under it while operators wait.
 */
import type { LoggedEvent } from '../../contract/event.js';
import type { Condition } from '../lifecycle/lifecycle.js';
import type { Campaign } from '../../storage/storage.js';

const MINUTE_MS = 60_000;
/** The window judged, and the least answered calls in it that make a judgement. */
const WINDOW_MINUTES = 15;
const MIN_ANSWERED = 30;

interface Counted {
  queue: string;
  /** Minute start → answered and dropped in it. */
  minutes: Map<number, { answered: number; dropped: number }>;
  /** Answered since this server started (the finish-time forecast's progress). */
  answeredTotal: number;
}

/** What a registration (PUT /v1/campaigns/:id) adds to what the events say. */
export type CampaignPlan = Pick<Campaign, 'id' | 'queue' | 'listSize' | 'deadline' | 'dropCapPct' | 'answerRate'>;

export class CampaignCounts {
  /** Tenant → campaign id → its minutes. */
  private readonly tenants = new Map<string, Map<string, Counted>>();

  /** Counts the outbound appeal events of a batch (called on the apply path: a check per event). */
  note(events: readonly LoggedEvent[]): void {
    for (const e of events) {
      if (e.campaignId === undefined || (e.type !== 'APPEAL_SENT_DISTRIBUTION' && e.type !== 'APPEAL_MISSED')) continue;
      let campaigns = this.tenants.get(e.tenant);
      if (!campaigns) this.tenants.set(e.tenant, (campaigns = new Map()));
      let c = campaigns.get(e.campaignId);
      if (!c) campaigns.set(e.campaignId, (c = { queue: e.queue ?? '', minutes: new Map(), answeredTotal: 0 }));
      const minute = e.ts - (e.ts % MINUTE_MS);
      let m = c.minutes.get(minute);
      if (!m) c.minutes.set(minute, (m = { answered: 0, dropped: 0 }));
      if (e.type === 'APPEAL_SENT_DISTRIBUTION') {
        m.answered++;
        c.answeredTotal++;
      } else m.dropped++;
    }
  }

  /** Answered calls of a campaign since this server started, and over the last 15 minutes. */
  progress(tenant: string, id: string): { answeredTotal: number; answeredLast15: number } {
    const c = this.tenants.get(tenant)?.get(id);
    let last15 = 0;
    for (const m of c?.minutes.values() ?? []) last15 += m.answered;
    return { answeredTotal: c?.answeredTotal ?? 0, answeredLast15: last15 };
  }

  /**
   * The pacing conditions of a tenant's campaigns at `now` (minutes older than the window are
   * forgotten), against each one's registered drop cap or `dropCapPct`; and, for a registered campaign
   * with an answer rate, whether it finishes by its deadline at the pace of the last 15 minutes.
   */
  conditions(tenant: string, now: number, opts: { dropCapPct: number; readyOn: (queue: string) => number; plans?: ReadonlyMap<string, CampaignPlan> }): Condition[] {
    const out: Condition[] = [];
    for (const plan of opts.plans?.values() ?? []) {
      const late = finishLate(plan, this.progress(tenant, plan.id), now);
      if (late) out.push(late);
    }
    for (const [id, c] of this.tenants.get(tenant) ?? []) {
      const plan = opts.plans?.get(id);
      const capPct = plan?.dropCapPct ?? opts.dropCapPct;
      let answered = 0;
      let dropped = 0;
      for (const [minute, m] of c.minutes) {
        if (minute < now - WINDOW_MINUTES * MINUTE_MS) c.minutes.delete(minute);
        else {
          answered += m.answered;
          dropped += m.dropped;
        }
      }
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
}

/**
 * A registered campaign that will not be done by its deadline at the pace of the last 15 minutes: the
 * answered calls its list should still make (list size × answer rate, less those answered since this
 * server started) over the answered calls a minute lately. Null when it is on time, or when there is
 * nothing to judge by (no answer rate registered, nothing answered lately and the deadline not passed).
 */
function finishLate(plan: CampaignPlan, p: { answeredTotal: number; answeredLast15: number }, now: number): Condition | null {
  if (plan.answerRate === undefined) return null;
  const remaining = Math.max(0, plan.listSize * plan.answerRate - p.answeredTotal);
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
