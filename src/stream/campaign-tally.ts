/**
 * Outbound campaigns as their events show them: per tenant and campaign, the answered calls (an outbound
 * appeal queued: APPEAL_SENT_DISTRIBUTION) and the drops (an answered call no agent took: APPEAL_MISSED)
 * minute by minute over the last hour, and the answered calls in total. An aggregator of the stream
 * processor: it counts the events the processor applied (once each, late or not, never a dead letter), and
 * its state is in the processor's checkpoint, so a restart neither loses nor recounts a call.
 */
import type { LoggedEvent } from '../contract/event.js';

const MINUTE_MS = 60_000;
/** Minutes kept: the pacing window (15 minutes) with room for late events and clock skew. */
const KEPT_MS = 60 * MINUTE_MS;

export interface CampaignMinute {
  answered: number;
  dropped: number;
}

interface Tallied {
  queue: string;
  /** Minute start → answered and dropped in it (the last hour of event time). */
  minutes: Map<number, CampaignMinute>;
  answeredTotal: number;
  /** The latest minute counted: older minutes than an hour before it are forgotten. */
  latest: number;
}

/** The tally as a checkpoint holds it (JSON). */
export type CampaignTallyState = Array<{ tenant: string; id: string; queue: string; answeredTotal: number; minutes: Array<[number, number, number]> }>;

export class CampaignTally {
  /** Tenant → campaign id → its counts. */
  private readonly tenants = new Map<string, Map<string, Tallied>>();

  /** Counts one applied event (a check per event: most carry no campaign). */
  note(e: LoggedEvent): void {
    if (e.campaignId === undefined || (e.type !== 'APPEAL_SENT_DISTRIBUTION' && e.type !== 'APPEAL_MISSED')) return;
    let campaigns = this.tenants.get(e.tenant);
    if (!campaigns) this.tenants.set(e.tenant, (campaigns = new Map()));
    let c = campaigns.get(e.campaignId);
    if (!c) campaigns.set(e.campaignId, (c = { queue: e.queue ?? '', minutes: new Map(), answeredTotal: 0, latest: -Infinity }));
    const minute = e.ts - (e.ts % MINUTE_MS);
    if (e.type === 'APPEAL_SENT_DISTRIBUTION') c.answeredTotal++;
    if (minute <= c.latest - KEPT_MS) return; // older than any window judged: only the total counts it
    let m = c.minutes.get(minute);
    if (!m) c.minutes.set(minute, (m = { answered: 0, dropped: 0 }));
    if (e.type === 'APPEAL_SENT_DISTRIBUTION') m.answered++;
    else m.dropped++;
    if (minute > c.latest) {
      c.latest = minute;
      for (const k of c.minutes.keys()) if (k <= minute - KEPT_MS) c.minutes.delete(k);
    }
  }

  /** A tenant's campaigns: id and queue. */
  campaigns(tenant: string): Array<{ id: string; queue: string }> {
    return [...(this.tenants.get(tenant) ?? [])].map(([id, c]) => ({ id, queue: c.queue }));
  }

  /** Answered and dropped calls of a campaign in minutes from `from` (a minute start) on. */
  window(tenant: string, id: string, from: number): CampaignMinute {
    const out = { answered: 0, dropped: 0 };
    for (const [minute, m] of this.tenants.get(tenant)?.get(id)?.minutes ?? []) {
      if (minute < from) continue;
      out.answered += m.answered;
      out.dropped += m.dropped;
    }
    return out;
  }

  /** Answered calls of a campaign in total (since ccpulse first saw it). */
  answeredTotal(tenant: string, id: string): number {
    return this.tenants.get(tenant)?.get(id)?.answeredTotal ?? 0;
  }

  export(): CampaignTallyState {
    const out: CampaignTallyState = [];
    for (const [tenant, campaigns] of this.tenants)
      for (const [id, c] of campaigns) out.push({ tenant, id, queue: c.queue, answeredTotal: c.answeredTotal, minutes: [...c.minutes].map(([m, x]) => [m, x.answered, x.dropped]) });
    return out;
  }

  import(state: CampaignTallyState | undefined): void {
    this.tenants.clear();
    for (const s of state ?? []) {
      let campaigns = this.tenants.get(s.tenant);
      if (!campaigns) this.tenants.set(s.tenant, (campaigns = new Map()));
      const minutes = new Map(s.minutes.map(([m, answered, dropped]) => [m, { answered, dropped }]));
      campaigns.set(s.id, { queue: s.queue, answeredTotal: s.answeredTotal, minutes, latest: Math.max(-Infinity, ...minutes.keys()) });
    }
  }
}
