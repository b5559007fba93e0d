import { describe, expect, it } from 'vitest';
import { campaignLine, type CampaignItem } from './campaigns.js';

const item = (over: Partial<CampaignItem> = {}): CampaignItem => ({
  id: 'renewals',
  listSize: 1_000,
  deadline: '2026-11-30T18:00:00Z',
  dropCapPct: 3,
  answerRate: 0.5,
  progress: { answered: 200, answeredLast15m: 30, droppedLast15m: 1, dropPctLast15m: 3.3 },
  finish: { remaining: 300, eta: '2026-11-30T17:00:00Z', onTime: true },
  ...over,
});

describe('a campaign’s line', () => {
  it('gives progress against list × answer rate, drops against the cap, and the finish against the deadline', () => {
    const l = campaignLine(item(), Date.parse('2026-11-30T12:00:00Z'));
    expect(l.progress).toBe('200 of 500 answered');
    expect(l.progressPct).toBe(40);
    expect(l.drops).toBe('3.3 % dropped (cap 3 %)');
    expect(l.overCap).toBe(true);
    expect(l.finish).toMatch(/^finishes ~\d\d:\d\d \(deadline \d\d:\d\d\)$/);
    expect(l.late).toBe(false);
  });

  it('says when it is late, idle, done, or cannot be forecast', () => {
    expect(campaignLine(item({ finish: { remaining: 300, eta: '2026-11-30T20:00:00Z', onTime: false } })).late).toBe(true);
    // a finish days away names its day
    const now = Date.parse('2026-11-30T12:00:00Z');
    expect(campaignLine(item({ finish: { remaining: 300, eta: '2026-12-03T09:30:00Z', onTime: false } }), now).finish).toMatch(/^finishes ~03\.12 \d\d:\d\d \(deadline \d\d:\d\d\)$/);
    expect(campaignLine(item({ finish: { remaining: 300, eta: null, onTime: false } }))).toMatchObject({ late: true, finish: expect.stringMatching(/^nothing answered lately/) });
    expect(campaignLine(item({ finish: { remaining: 0, eta: '2026-11-30T12:00:00Z', onTime: true } })).finish).toBe('done');
    const noRate = campaignLine(item({ answerRate: undefined, finish: null, progress: { answered: 7, answeredLast15m: 0, droppedLast15m: 0, dropPctLast15m: null } }));
    expect(noRate).toMatchObject({ progress: '7 answered', progressPct: null, drops: 'no calls in 15 min', overCap: false, finish: 'no answer rate: no finish forecast', late: false });
  });
});
