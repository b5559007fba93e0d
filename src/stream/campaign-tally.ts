/**
 * Outbound campaigns as their events show them: per tenant and campaign, the answered calls (an outbound
 * appeal begun: APPEAL_NEW with `direction: outbound`, once per call however often it is queued again or
 * transferred) and the drops (an answered call no agent took: APPEAL_MISSED) minute by minute over the
 * last hour, and the answered calls in total. An aggregator of the stream processor: it counts the
 * events the processor applied (once each, late or not, never a dead letter), and its state is in the
 * processor's checkpoint, so a restart neither loses nor recounts a call.
 *
 * Bounded: minutes older than an hour go at each sweep, a campaign idle for IDLE_KEPT_MS goes (its total
 * with it), and a tenant keeps at most MAX_CAMPAIGNS, the least recently active going first.
 */
import type { LoggedEvent } from '../contract/event.js';

const MINUTE_MS = 60_000;
/** Minutes kept: the pacing window (15 minutes) with room for late events and clock skew. */
const KEPT_MS = 60 * MINUTE_MS;
/** A campaign with no call for this long is forgotten: a list is worked through in days, not months. */
const IDLE_KEPT_MS = 30 * 24 * 60 * MINUTE_MS;
/** Campaigns kept per tenant (an id per event, by mistake or malice, must not grow memory and checkpoints without end). */
export const MAX_CAMPAIGNS = 10_000;

export interface CampaignMinute {
  answered: number;
  dropped: number;
}

interface Tallied {
  queue: string;
  channel: string;
  /** Minute start → answered and dropped in it (the last hour of event time). */
  minutes: Map<number, CampaignMinute>;
  answeredTotal: number;
  /** The latest minute counted: older minutes than an hour before it are forgotten. */
  latest: number;
}

/** The tally as a checkpoint holds it (JSON). */
export type CampaignTallyState = Array<{ tenant: string; id: string; queue: string; channel?: string; answeredTotal: number; latest?: number; minutes: Array<[number, number, number]> }>;

export class CampaignTally {
  /** Tenant → campaign id → its counts. */
  private readonly tenants = new Map<string, Map<string, Tallied>>();

  /** Counts one applied event (a check per event: most carry no campaign). */
  note(e: LoggedEvent): void {
    if (e.campaignId === undefined || e.direction !== 'outbound' || (e.type !== 'APPEAL_NEW' && e.type !== 'APPEAL_MISSED')) return;
    let campaigns = this.tenants.get(e.tenant);
    if (!campaigns) this.tenants.set(e.tenant, (campaigns = new Map()));
    let c = campaigns.get(e.campaignId);
    if (!c) {
      // the least recently active goes: campaigns are kept in order of their latest minute (below)
      if (campaigns.size >= MAX_CAMPAIGNS) campaigns.delete(campaigns.keys().next().value!);
      campaigns.set(e.campaignId, (c = { queue: e.queue ?? '', channel: e.channel ?? 'voice', minutes: new Map(), answeredTotal: 0, latest: -Infinity }));
    }
    const minute = e.ts - (e.ts % MINUTE_MS);
    if (e.type === 'APPEAL_NEW') c.answeredTotal++;
    if (minute <= c.latest - KEPT_MS) return; // older than any window judged: only the total counts it
    let m = c.minutes.get(minute);
    if (!m) c.minutes.set(minute, (m = { answered: 0, dropped: 0 }));
    if (e.type === 'APPEAL_NEW') m.answered++;
    else m.dropped++;
    if (minute > c.latest) {
      c.latest = minute;
      campaigns.delete(e.campaignId); // to the end of the map's order: the most recently active
      campaigns.set(e.campaignId, c);
      for (const k of c.minutes.keys()) if (k <= minute - KEPT_MS) c.minutes.delete(k);
    }
  }

  /** A tenant's campaigns with calls in the last hour (as of the last sweep): id, queue and channel. */
  campaigns(tenant: string): Array<{ id: string; queue: string; channel: string }> {
    const out: Array<{ id: string; queue: string; channel: string }> = [];
    for (const [id, c] of this.tenants.get(tenant) ?? []) if (c.minutes.size > 0) out.push({ id, queue: c.queue, channel: c.channel });
    return out;
  }

  /**
   * Forgets minutes older than an hour before each tenant's event time (`latestOf`: its latest event),
   * and campaigns idle for IDLE_KEPT_MS of it. Event time, not the clock: the tally stays a function of
   * the log, whenever the sweeps ran.
   */
  sweep(latestOf: (tenant: string) => number | undefined): void {
    for (const [tenant, campaigns] of this.tenants) {
      const now = latestOf(tenant);
      if (now === undefined) continue;
      for (const [id, c] of campaigns) {
        for (const k of c.minutes.keys()) if (k <= now - KEPT_MS) c.minutes.delete(k);
        if (c.minutes.size === 0 && c.latest < now - IDLE_KEPT_MS) campaigns.delete(id);
      }
      if (campaigns.size === 0) this.tenants.delete(tenant);
    }
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
      for (const [id, c] of campaigns) out.push({ tenant, id, queue: c.queue, channel: c.channel, answeredTotal: c.answeredTotal, latest: c.latest, minutes: [...c.minutes].map(([m, x]) => [m, x.answered, x.dropped]) });
    return out;
  }

  import(state: CampaignTallyState | undefined): void {
    this.tenants.clear();
    for (const s of state ?? []) {
      let campaigns = this.tenants.get(s.tenant);
      if (!campaigns) this.tenants.set(s.tenant, (campaigns = new Map()));
      const minutes = new Map(s.minutes.map(([m, answered, dropped]) => [m, { answered, dropped }]));
      campaigns.set(s.id, { queue: s.queue, channel: s.channel ?? 'voice', answeredTotal: s.answeredTotal, minutes, latest: s.latest ?? Math.max(-Infinity, ...minutes.keys()) });
    }
  }
}
