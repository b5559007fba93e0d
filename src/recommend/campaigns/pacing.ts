/**
 * Outbound campaigns as their events show them (learned, not registered): per campaign, the answered
 * calls and the drops (an answered call no agent took: APPEAL_MISSED of an outbound appeal) minute by
 * minute, and the pacing advice that follows against the drop cap (3 % of answered by default, as
 * regulators and dialers use it): slow down above the cap; speed up well under it while operators wait.
 */
import type { LoggedEvent } from '../../contract/event.js';
import type { Condition } from '../lifecycle/lifecycle.js';

const MINUTE_MS = 60_000;
/** The window judged, and the least answered calls in it that make a judgement. */
const WINDOW_MINUTES = 15;
const MIN_ANSWERED = 30;

interface Campaign {
  queue: string;
  /** Minute start → answered and dropped in it. */
  minutes: Map<number, { answered: number; dropped: number }>;
}

export class CampaignCounts {
  /** Tenant → campaign id → its minutes. */
  private readonly tenants = new Map<string, Map<string, Campaign>>();

  /** Counts the outbound appeal events of a batch (called on the apply path: a check per event). */
  note(events: readonly LoggedEvent[]): void {
    for (const e of events) {
      if (e.campaignId === undefined || (e.type !== 'APPEAL_SENT_DISTRIBUTION' && e.type !== 'APPEAL_MISSED')) continue;
      let campaigns = this.tenants.get(e.tenant);
      if (!campaigns) this.tenants.set(e.tenant, (campaigns = new Map()));
      let c = campaigns.get(e.campaignId);
      if (!c) campaigns.set(e.campaignId, (c = { queue: e.queue ?? '', minutes: new Map() }));
      const minute = e.ts - (e.ts % MINUTE_MS);
      let m = c.minutes.get(minute);
      if (!m) c.minutes.set(minute, (m = { answered: 0, dropped: 0 }));
      if (e.type === 'APPEAL_SENT_DISTRIBUTION') m.answered++;
      else m.dropped++;
    }
  }

  /** The pacing conditions of a tenant's campaigns at `now`; minutes older than the window are forgotten. */
  conditions(tenant: string, now: number, opts: { dropCapPct: number; readyOn: (queue: string) => number }): Condition[] {
    const out: Condition[] = [];
    for (const [id, c] of this.tenants.get(tenant) ?? []) {
      let answered = 0;
      let dropped = 0;
      for (const [minute, m] of c.minutes) {
        if (minute < now - WINDOW_MINUTES * MINUTE_MS) c.minutes.delete(minute);
        else {
          answered += m.answered;
          dropped += m.dropped;
        }
      }
      if (c.minutes.size === 0) this.tenants.get(tenant)!.delete(id);
      if (answered < MIN_ANSWERED) continue;
      const dropPct = (100 * dropped) / answered;
      const ready = opts.readyOn(c.queue);
      const data = { campaign: id, queue: c.queue, answered, dropped, dropPct: Math.round(dropPct * 10) / 10, capPct: opts.dropCapPct, readyOperators: ready };
      if (dropPct > opts.dropCapPct) {
        out.push({
          key: `campaign-slow-down:${id}`,
          kind: 'campaign-slow-down',
          active: true,
          severity: dropPct > 2 * opts.dropCapPct ? 'critical' : 'warning',
          reason: `campaign ${id}: slow down — ${data.dropPct} % of answered calls dropped in the last ${WINDOW_MINUTES} minutes (${dropped} of ${answered}), over the ${opts.dropCapPct} % cap`,
          data,
        });
      } else if (dropPct < opts.dropCapPct / 3 && ready > 0) {
        out.push({
          key: `campaign-speed-up:${id}`,
          kind: 'campaign-speed-up',
          active: true,
          severity: 'info',
          reason: `campaign ${id}: room to speed up — ${data.dropPct} % dropped in the last ${WINDOW_MINUTES} minutes (cap ${opts.dropCapPct} %) while ${ready} operator${ready === 1 ? ' waits' : 's wait'} on ${c.queue}`,
          data,
        });
      }
    }
    return out;
  }
}
