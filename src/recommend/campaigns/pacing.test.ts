import { describe, expect, it } from 'vitest';
import type { LoggedEvent } from '../../contract/event.js';
import { CampaignTally } from '../../stream/campaign-tally.js';
import { finishForecast, pacingConditions } from './pacing.js';

/** The stream's tally fed events one by one, and pacing read from it. */
function tallied() {
  const t = new CampaignTally();
  return { tally: t, note: (events: LoggedEvent[]) => events.forEach((e) => t.note(e)), conditions: (tenant: string, now: number, o: Parameters<typeof pacingConditions>[3]) => pacingConditions(t, tenant, now, o) };
}

const NOW = Date.UTC(2026, 10, 30, 12, 0);
let seq = 0;
/** `answered` answered calls of campaign `id`, `dropped` of them dropped, `ago` ms before NOW. */
function calls(id: string, answered: number, dropped: number, ago = 60_000, tenant = 't1'): LoggedEvent[] {
  const out: LoggedEvent[] = [];
  for (let i = 0; i < answered; i++) {
    const base = { tenant, ts: NOW - ago, appealId: `${id}-${seq}`, queue: 'outbound', channel: 'voice', direction: 'outbound' as const, campaignId: id };
    out.push({ ...base, seq: ++seq, id: `e${seq}`, type: 'APPEAL_NEW' });
    out.push({ ...base, seq: ++seq, id: `e${seq}`, type: 'APPEAL_SENT_DISTRIBUTION' });
    if (i < dropped) out.push({ ...base, seq: ++seq, id: `e${seq}`, type: 'APPEAL_MISSED' });
  }
  return out;
}

describe('outbound campaign pacing, learned from its events', () => {
  const opts = (ready = 0) => ({ dropCapPct: 3, readyOn: () => ready });

  it('slows a campaign down over the drop cap (critical at twice it), with the numbers', () => {
    const c = tallied();
    c.note(calls('spring', 100, 4));
    expect(c.conditions('t1', NOW, opts())).toEqual([
      expect.objectContaining({ key: 'campaign-slow-down:spring', kind: 'campaign-slow-down', severity: 'warning', data: expect.objectContaining({ answered: 100, dropped: 4, dropPct: 4, capPct: 3 }) }),
    ]);
    c.note(calls('spring', 100, 10));
    expect(c.conditions('t1', NOW, opts())[0]).toMatchObject({ severity: 'critical', data: { answered: 200, dropped: 14, dropPct: 7 } });
  });

  it('offers to speed up well under the cap while operators wait, and says nothing in between or on too few calls', () => {
    const c = tallied();
    c.note(calls('calm', 100, 0));
    expect(c.conditions('t1', NOW, opts(0))).toEqual([]);
    const [up] = c.conditions('t1', NOW, opts(4));
    expect(up).toMatchObject({ key: 'campaign-speed-up:calm', kind: 'campaign-speed-up', severity: 'info' });
    expect(up.reason).toBe('campaign calm: room to speed up — 0 % dropped in the last 15 minutes (cap 3 %) while 4 operators wait on outbound');
    const mid = tallied();
    mid.note(calls('mid', 100, 2));
    expect(mid.conditions('t1', NOW, opts(4))).toEqual([]);
    const few = tallied();
    few.note(calls('few', 20, 10));
    expect(few.conditions('t1', NOW, opts())).toEqual([]);
  });

  it('judges the last 15 minutes only, tenant by tenant, names as data', () => {
    const c = tallied();
    c.note(calls('__proto__', 100, 50, 20 * 60_000));
    c.note(calls('constructor', 100, 50, 60_000, 't2'));
    expect(c.conditions('t1', NOW, opts())).toEqual([]);
    expect(c.conditions('t2', NOW, opts()).map((x) => x.key)).toEqual(['campaign-slow-down:constructor']);
  });

  it('forecasts the finish of a registered campaign at the pace of the last 15 minutes, against its deadline and its own cap', () => {
    const c = tallied();
    c.note(calls('list', 150, 2)); // 150 answered in the last 15 minutes: 10 a minute
    const plan = { id: 'list', listSize: 10_000, answerRate: 0.3, dropCapPct: 1, deadline: NOW + 60 * 60_000 };
    // 3,000 to answer, 150 done: 2,850 at 10 a minute is 4 h 45 min, past a deadline in 1 h
    const out = c.conditions('t1', NOW, { ...opts(), plans: new Map([['list', plan]]) });
    const late = out.find((x) => x.kind === 'campaign-late')!;
    expect(late).toMatchObject({ key: 'campaign-late:list', severity: 'warning', data: { remaining: 2850, answeredPerHour: 600, eta: NOW + 285 * 60_000, deadline: plan.deadline } });
    expect(late.reason).toBe('campaign list: at the pace of the last 15 minutes (600 answered an hour) it finishes about 2026-11-30 16:45 UTC, after its deadline 2026-11-30 13:00 UTC — 2850 answered calls to go');
    // its own cap (1 %), not the default 3 %: 2 drops of 150 are over it
    expect(out.find((x) => x.kind === 'campaign-slow-down')).toMatchObject({ data: { capPct: 1 } });
    // a later deadline: on time, nothing said; no answer rate: nothing to judge by
    expect(c.conditions('t1', NOW, { ...opts(), plans: new Map([['list', { ...plan, deadline: NOW + 6 * 3_600_000 }]]) }).some((x) => x.kind === 'campaign-late')).toBe(false);
    expect(c.conditions('t1', NOW, { ...opts(), plans: new Map([['list', { ...plan, answerRate: undefined }]]) }).some((x) => x.kind === 'campaign-late')).toBe(false);
    // past the deadline with calls still to make: critical
    expect(c.conditions('t1', NOW, { ...opts(), plans: new Map([['list', { ...plan, deadline: NOW - 1 }]]) }).find((x) => x.kind === 'campaign-late')).toMatchObject({ severity: 'critical' });
  });

  it('keeps its counts across a checkpoint: what it exports it imports, exactly', () => {
    const c = tallied();
    c.note(calls('list', 150, 2));
    c.note(calls('old', 40, 1, 3 * 3_600_000)); // hours ago: counted in the total only
    const again = tallied();
    again.tally.import(JSON.parse(JSON.stringify(c.tally.export())));
    expect(again.tally.export()).toEqual(c.tally.export());
    expect(again.tally.answeredTotal('t1', 'list')).toBe(150);
    expect(again.conditions('t1', NOW, opts())).toEqual(c.conditions('t1', NOW, opts()));
    // the last hour is kept, no more: an old campaign's minutes go once later ones come
    c.note(calls('old', 1, 0));
    expect(c.tally.export().find((x) => x.id === 'old')!.minutes).toHaveLength(1);
    expect(c.tally.answeredTotal('t1', 'old')).toBe(41);
  });
});

describe('a campaign’s finish at the pace of the last 15 minutes', () => {
  const now = Date.UTC(2026, 10, 30, 12);
  it('counts down from list × answer rate at the recent pace, against the deadline', () => {
    // 1,000 × 0.5 = 500 to answer, 200 done, 30 in the last 15 minutes: 300 to go at 2 a minute = 150 minutes
    expect(finishForecast({ listSize: 1_000, answerRate: 0.5, deadline: now + 3 * 3_600_000 }, { answeredTotal: 200, answeredLast15: 30 }, now)).toEqual({ remaining: 300, eta: now + 150 * 60_000, onTime: true });
    expect(finishForecast({ listSize: 1_000, answerRate: 0.5, deadline: now + 3_600_000 }, { answeredTotal: 200, answeredLast15: 30 }, now)!.onTime).toBe(false);
  });
  it('has no time with nothing answered lately, is done when nothing is left, and says nothing without an answer rate', () => {
    expect(finishForecast({ listSize: 100, answerRate: 0.5, deadline: now }, { answeredTotal: 10, answeredLast15: 0 }, now)).toEqual({ remaining: 40, eta: null, onTime: false });
    expect(finishForecast({ listSize: 100, answerRate: 0.5, deadline: now - 1 }, { answeredTotal: 60, answeredLast15: 5 }, now)).toEqual({ remaining: 0, eta: now, onTime: true });
    expect(finishForecast({ listSize: 100, deadline: now }, { answeredTotal: 0, answeredLast15: 5 }, now)).toBeNull();
    // a fraction of a call left over is done, and raises no late alert (the helper's counterexample)
    expect(finishForecast({ listSize: 1_000, answerRate: 0.3333, deadline: now + 3_600_000 }, { answeredTotal: 333, answeredLast15: 0 }, now)).toEqual({ remaining: 0, eta: now, onTime: true });
  });
});
