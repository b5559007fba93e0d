import { describe, expect, it } from 'vitest';
import type { EventType, LoggedEvent } from '../contract/event.js';
import { CampaignTally, MAX_CAMPAIGNS } from './campaign-tally.js';

const T0 = Date.UTC(2026, 10, 30, 9, 0);
let seq = 0;
const ev = (type: EventType, appealId: string, extra: Partial<LoggedEvent> = {}): LoggedEvent => ({
  tenant: 't',
  seq: ++seq,
  id: `e${seq}`,
  type,
  ts: T0,
  appealId,
  queue: 'out',
  channel: 'voice',
  direction: 'outbound',
  campaignId: 'spring',
  ...extra,
});

describe('the campaign tally', () => {
  it('counts a call once however often it is queued again or transferred, and a drop as a drop', () => {
    const t = new CampaignTally();
    for (const e of [ev('APPEAL_NEW', 'a'), ev('APPEAL_SENT_DISTRIBUTION', 'a'), ev('APPEAL_TRANSFERRED', 'a'), ev('APPEAL_SENT_DISTRIBUTION', 'a'), ev('APPEAL_NEW', 'b'), ev('APPEAL_MISSED', 'b')]) t.note(e);
    expect(t.answeredTotal('t', 'spring')).toBe(2);
    expect(t.window('t', 'spring', T0)).toEqual({ answered: 2, dropped: 1 });
  });

  it('counts only outbound calls: an inbound appeal that names a campaign is not one of its calls', () => {
    const t = new CampaignTally();
    t.note(ev('APPEAL_NEW', 'a', { direction: 'inbound' }));
    t.note(ev('APPEAL_NEW', 'b', { direction: undefined }));
    expect(t.answeredTotal('t', 'spring')).toBe(0);
    expect(t.campaigns('t')).toEqual([]);
  });

  it('keeps the channel its calls go out on', () => {
    const t = new CampaignTally();
    t.note(ev('APPEAL_NEW', 'a', { channel: 'whatsapp', campaignId: 'promo' }));
    expect(t.campaigns('t')).toEqual([{ id: 'promo', queue: 'out', channel: 'whatsapp' }]);
  });

  it('is bounded: minutes older than an hour of event time go at a sweep, idle campaigns after 30 days, and at most 10,000 a tenant', () => {
    const t = new CampaignTally();
    for (let m = 0; m < 120; m++) t.note(ev('APPEAL_NEW', `a${m}`, { ts: T0 + m * 60_000 }));
    t.sweep(() => T0 + 120 * 60_000);
    expect(t.export()[0].minutes.length).toBeLessThanOrEqual(60);
    expect(t.answeredTotal('t', 'spring')).toBe(120); // the total stays
    t.sweep(() => T0 + 3 * 3_600_000);
    expect(t.campaigns('t')).toEqual([]); // no call in the last hour: not running
    expect(t.answeredTotal('t', 'spring')).toBe(120);
    t.sweep(() => T0 + 31 * 24 * 3_600_000);
    expect(t.answeredTotal('t', 'spring')).toBe(0); // idle a month: forgotten
    // one campaign id per event (a mistake, or an attack): the least recently active go first
    const many = new CampaignTally();
    for (let i = 0; i < MAX_CAMPAIGNS + 500; i++) many.note(ev('APPEAL_NEW', `x${i}`, { campaignId: `c${i}`, ts: T0 + i * 60_000 }));
    expect(many.export()).toHaveLength(MAX_CAMPAIGNS);
    expect(many.answeredTotal('t', 'c0')).toBe(0);
    expect(many.answeredTotal('t', `c${MAX_CAMPAIGNS + 499}`)).toBe(1);
  });

  it('names are data: __proto__ and constructor are campaigns like any other', () => {
    const t = new CampaignTally();
    t.note(ev('APPEAL_NEW', 'a', { campaignId: '__proto__', tenant: 'constructor' }));
    expect(t.answeredTotal('constructor', '__proto__')).toBe(1);
    expect(({} as Record<string, unknown>).answeredTotal).toBeUndefined();
  });
});
