import { describe, expect, it } from 'vitest';
import { scenarioOf, whatIf, type WhatIfCampaign, type WhatIfStream } from './whatif.js';

const START = Date.UTC(2026, 10, 30, 9, 0);
const sl = { targetSec: 20, shortAbandonSec: 5, abandonsCount: true };
/** An outbound queue: 10 operators, 60 inbound calls an hour besides the campaign's. */
const voice: WhatIfStream = { queue: 'outbound', channel: 'voice', perHourBySlot: [300, 300, 300, 300], ahtSec: 120, patienceSec: 60, operators: 10, waiting: 0, sl };
const spring: WhatIfCampaign = { id: 'spring', queue: 'outbound', channel: 'voice', answeredPerHour: 240, ahtSec: 120, dropCapPct: 3, remaining: 1_000, deadline: START + 2 * 3_600_000 };
const opts = { runs: 12, horizonMinutes: 60, startTime: START };

describe('what-if with an outbound campaign', () => {
  it('models the campaign on its queue\'s voice operators, its calls taken out of that queue\'s forecast', () => {
    const s = scenarioOf([voice], new Map([['outbound/voice', 10]]), 60, [spring], new Map([['spring', 1.5]]));
    const inbound = s.streams.find((x) => x.channel === 'voice')!;
    const campaign = s.streams.find((x) => x.channel !== 'voice')!;
    expect(inbound.perHour).toBe(60); // 300 counted on the queue, 240 of them the campaign's
    expect(campaign).toMatchObject({ queue: 'outbound', perHour: 360, patience: 0 }); // its pace × 1.5; nobody waits for an outbound call
    expect(s.operators).toEqual([expect.objectContaining({ n: 10, skills: ['outbound/voice', `outbound/${campaign.channel}`] })]);
  });

  it('answers the answered calls and drops at the pace asked, per step and over the hour, and the finish against the deadline', () => {
    const now = whatIf([voice], [], opts, [spring]);
    const faster = whatIf([voice], [{ action: 'pace', campaign: 'spring', factor: 2 }], opts, [spring]);
    const paused = whatIf([voice], [{ action: 'pace', campaign: 'spring', factor: 0 }], opts, [spring]);
    const [c] = now.campaigns;
    expect(c).toMatchObject({ id: 'spring', pace: { answeredPerHour: 240, factor: 1 }, dropCapPct: 3 });
    expect(c.steps.map((x) => x.minute)).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60]);
    // 240 an hour, Poisson: the median run within a few deviations of it
    expect(Math.abs(c.answered.p50 - 240)).toBeLessThan(4 * Math.sqrt(240));
    const [f] = faster.campaigns;
    expect(f.answered.p50).toBeGreaterThan(c.answered.p50 * 1.6);
    // twice the pace on the same operators: more of it dropped, and the inbound callers wait longer
    expect(f.dropPct!.p50).toBeGreaterThan(c.dropPct!.p50);
    const waited = (r: typeof now) => r.streams[0].steps.reduce((n, x) => n + x.waiting.p50, 0);
    expect(waited(faster)).toBeGreaterThanOrEqual(waited(now));
    // 1,000 to go at ~240 an hour is ~4 h: past a deadline in 2 h; at twice the pace, ~2 h
    expect(c.finish).toMatchObject({ remaining: 1_000, onTime: false });
    expect(c.finish!.eta!).toBeGreaterThan(START + 3.5 * 3_600_000);
    expect(f.finish!.eta!).toBeLessThan(c.finish!.eta!);
    // paused: nothing answered, no finish
    expect(paused.campaigns[0]).toMatchObject({ answered: { p10: 0, p50: 0, p90: 0 }, dropPct: null, finish: { eta: null, onTime: false } });
  });

  it('a campaign on a chat channel is worked by that channel\'s operators, as many at once as they hold chats', () => {
    const chat: WhatIfStream = { queue: 'promo', channel: 'whatsapp', perHourBySlot: [120, 120, 120, 120], ahtSec: 300, concurrency: 3, operators: 5, waiting: 0, sl };
    const messages: WhatIfCampaign = { id: 'promo-dec', queue: 'promo', channel: 'whatsapp', answeredPerHour: 80, ahtSec: 300, dropCapPct: 3 };
    const s = scenarioOf([chat], new Map([['promo/whatsapp', 5]]), 60, [messages]);
    expect(s.streams.find((x) => x.channel === 'whatsapp')!.perHour).toBe(40); // 120 counted, 80 of them the campaign's
    const out = s.streams.find((x) => x.channel !== 'whatsapp')!.channel;
    expect(s.operators).toEqual([expect.objectContaining({ n: 5, skills: ['promo/whatsapp', `promo/${out}`], concurrency: { whatsapp: 3, [out]: 3 } })]);
    // 5 operators × 3 chats for ~10 Erlangs of load: some drops, not all of them
    const [c] = whatIf([chat], [], opts, [messages]).campaigns;
    expect(c.channel).toBe('whatsapp');
    expect(c.dropPct!.p50).toBeLessThan(50);
  });

  it('an unregistered campaign has no finish; a pace on a campaign not running changes nothing', () => {
    const unregistered = { ...spring, remaining: undefined, deadline: undefined };
    const r = whatIf([voice], [{ action: 'pace', campaign: 'autumn', factor: 3 }], { ...opts, runs: 2 }, [unregistered]);
    expect(r.campaigns[0].finish).toBeUndefined();
    expect(r.campaigns[0].pace.factor).toBe(1);
  });
});
