import { describe, expect, it } from 'vitest';
import type { LiveSnapshot, LiveTile, MetricValues, OperatorCounts } from '../contract/api.js';
import {
  feedState,
  feeds,
  worstFirst,
  AdviceBoard,
  Limiter,
  LiveStore,
  WhatIfBoard,
  adviceKeyParts,
  slCurve,
  whatIfActionOf,
  whatIfStepAt,
  whatIfStreamOf,
  centerTotals,
  compareAdvice,
  compareChannels,
  compareTiles,
  openForSec,
  severityRank,
  sumRepairs,
  tileKey,
  type Advice,
  type AdviceState,
  type AdviceTransition,
  type WhatIfAnswer,
  type WhatIfReply,
  type WhatIfStep,
} from './state.js';

const ops = (ready = 0, busy = 0, brk = 0): OperatorCounts => ({ offline: 0, ready, busy, break: brk, acw: 0 });

function mv(p: Partial<MetricValues> = {}): MetricValues {
  return {
    offered: 0,
    aa: 0,
    ha: 0,
    missed: 0,
    qa: 0,
    awtSec: null,
    ahtSec: null,
    asaSec: null,
    slPct: null,
    abandonPct: null,
    waitP50Sec: null,
    waitP90Sec: null,
    waitP95Sec: null,
    longestWaitSec: null,
    ...p,
  };
}

function tile(queue: string, channel: string, p: Partial<LiveTile> = {}): LiveTile {
  return {
    queue,
    channel,
    qa: 0,
    waiting: 0,
    inHandling: 0,
    longestWaitSec: 0,
    targets: { slPct: 80, slSec: 20, longWaitSec: 120 },
    lastEventAt: null,
    operators: ops(),
    operatorsHome: ops(),
    last15m: mv(),
    last60m: mv(),
    ...p,
  };
}

function snap(position: number, tiles: LiveTile[], extra: Partial<LiveSnapshot> = {}): LiveSnapshot {
  return { tenant: 'default', at: 1000, position, watermark: null, tiles, center: { last15m: mv(), last60m: mv() }, operators: ops(3, 4, 1), repairs: {}, ...extra };
}

const center = () => ({ last15m: mv(), last60m: mv() });

describe('ordering', () => {
  it('sorts queues naturally, then built-in channels in contract order, then custom channels', () => {
    const tiles = [
      tile('support', 'email'),
      tile('queue10', 'voice'),
      tile('queue2', 'voice'),
      tile('support', 'zchannel'),
      tile('support', 'voice'),
      tile('billing', 'webchat'),
      tile('support', 'achannel'),
      tile('support', 'telegram'),
    ];
    expect(tiles.sort(compareTiles).map((t) => `${t.queue}/${t.channel}`)).toEqual([
      'billing/webchat',
      'queue2/voice',
      'queue10/voice',
      'support/voice',
      'support/telegram',
      'support/email',
      'support/achannel',
      'support/zchannel',
    ]);
    expect(compareChannels('voice', 'voice')).toBe(0);
  });
});

describe('LiveStore', () => {
  it('applies a snapshot, replaces tiles from updates by key and removes tiles a later snapshot lacks', () => {
    const s = new LiveStore();
    expect(s.hasData).toBe(false);
    const c1 = s.applySnapshot(snap(10, [tile('a', 'voice', { waiting: 2 }), tile('b', 'email')]), 0);
    expect(c1?.tiles).toHaveLength(2);
    expect(s.hasData).toBe(true);

    const c2 = s.applyUpdate({ at: 2000, position: 11, tiles: [tile('a', 'voice', { waiting: 5 })], center: center(), operators: ops(1, 1, 1), repairs: { x: 2 } }, 0);
    expect(c2?.tiles).toEqual([tileKey('a', 'voice')]);
    expect(s.tiles.get(tileKey('a', 'voice'))?.waiting).toBe(5);
    expect(s.tiles.get(tileKey('b', 'email'))).toBeDefined();
    expect(s.operators.ready).toBe(1);
    expect(sumRepairs(s.repairs)).toBe(2);

    const c3 = s.applySnapshot(snap(12, [tile('b', 'email')]), 0);
    expect(c3?.removed).toEqual([tileKey('a', 'voice')]);
    expect([...s.tiles.keys()]).toEqual([tileKey('b', 'email')]);
  });

  it('drops updates older than the state, and an initial GET snapshot older than the stream', () => {
    const s = new LiveStore();
    s.applySnapshot(snap(20, [tile('a', 'voice', { waiting: 1 })]), 0);
    expect(s.applyUpdate({ at: 0, position: 19, tiles: [tile('a', 'voice', { waiting: 9 })], center: center(), operators: ops(), repairs: {} }, 0)).toBeNull();
    expect(s.tiles.get(tileKey('a', 'voice'))?.waiting).toBe(1);
    expect(s.applySnapshot(snap(15, []), 0, true)).toBeNull();
    expect(s.tiles.size).toBe(1);
    // A stream snapshot always wins (the server may have restarted with a lower position).
    expect(s.applySnapshot(snap(3, []), 0)).not.toBeNull();
    expect(s.tiles.size).toBe(0);
    expect(s.position).toBe(3);
  });

  it('lets the longest wait grow between messages while someone waits', () => {
    const s = new LiveStore();
    s.applySnapshot(snap(1, [tile('a', 'voice', { waiting: 1, longestWaitSec: 30 }), tile('b', 'voice', { waiting: 0, longestWaitSec: 0 })]), 10_000);
    expect(s.longestWaitNow(tileKey('a', 'voice'), 10_000)).toBe(30);
    expect(s.longestWaitNow(tileKey('a', 'voice'), 15_000)).toBe(35);
    expect(s.longestWaitNow(tileKey('b', 'voice'), 15_000)).toBe(0);
    expect(s.longestWaitNow('missing', 15_000)).toBe(0);
  });
});

describe('centerTotals', () => {
  it('sums counts, takes center operators, weights SL by answered + missed', () => {
    const s = new LiveStore();
    s.applySnapshot(
      snap(
        1,
        [
          tile('a', 'voice', { waiting: 2, inHandling: 3, longestWaitSec: 70, operators: ops(9, 9, 9), last15m: mv({ offered: 12, aa: 8, missed: 2, slPct: 90 }) }),
          tile('b', 'email', { waiting: 1, inHandling: 1, longestWaitSec: 10, last15m: mv({ offered: 30, aa: 30, missed: 0, slPct: 50 }) }),
          tile('c', 'vk', { last15m: mv({ slPct: null }) }),
        ],
        { repairs: { missingSentDistribution: 3, expired: 2 } },
      ),
      0,
    );
    s.center = null; // an older server: no center windows on the wire, so the page estimates
    const t = centerTotals(s, 'last15m', 0);
    expect(t.waiting).toBe(3);
    expect(t.inHandling).toBe(4);
    expect(t.longestWaitSec).toBe(70);
    expect(t.offered).toBe(42);
    expect(t.answered).toBe(38);
    expect(t.missed).toBe(2);
    expect(t.slPct).toBeCloseTo((90 * 10 + 50 * 30) / 40);
    expect(t.abandonPct).toBeCloseTo(5);
    expect(t.operators).toEqual(ops(3, 4, 1));
    expect(t.repairs).toBe(5);
    expect(t.queues).toBe(3);
    expect(centerTotals(s, 'last60m', 0).slPct).toBeNull();
    s.center = { last15m: mv({ slPct: 77.7, abandonPct: 3.3 }), last60m: mv() };
    expect(centerTotals(s, 'last15m', 0)).toMatchObject({ slPct: 77.7, abandonPct: 3.3 });
  });

  it("takes the center's SL target as the tiles' own, weighted by what each was offered, and calls a wait long by each tile's own threshold", () => {
    const s = new LiveStore();
    const vip = { slPct: 95, slSec: 10, longWaitSec: 45 };
    const email = { slPct: 80, slSec: 3600, longWaitSec: 3600 };
    s.applySnapshot(
      snap(1, [
        tile('vip', 'voice', { targets: vip, last15m: mv({ offered: 30 }) }),
        tile('mail', 'email', { targets: email, waiting: 4, longestWaitSec: 600, last15m: mv({ offered: 10 }) }),
      ]),
      0,
    );
    const t = centerTotals(s, 'last15m', 0);
    expect(t.slTargetPct).toBeCloseTo((95 * 30 + 80 * 10) / 40);
    // ten minutes on an email promised within the hour is not a long wait
    expect(t.longWait).toBe(false);
    expect(t.longestWaitSec).toBe(600);
    // before anything was offered, the plain mean of the targets
    expect(centerTotals(s, 'last60m', 0).slTargetPct).toBeCloseTo((95 + 80) / 2);
    s.applySnapshot(snap(2, [tile('vip', 'voice', { targets: vip, waiting: 1, longestWaitSec: 46 })]), 0);
    expect(centerTotals(s, 'last15m', 0).longWait).toBe(true);
  });
});

describe('worstFirst', () => {
  it('orders long waits past their own threshold first, then below target, at risk, on target, no data; lower SL and more waiting first; then by name', () => {
    const s = new LiveStore();
    s.applySnapshot(
      snap(1, [
        tile('a', 'voice', { last15m: mv({ slPct: 90 }) }),
        tile('b', 'voice', { last15m: mv({ slPct: 50 }) }),
        tile('c', 'voice', { last15m: mv({ slPct: 70 }) }),
        tile('d', 'email', { waiting: 1, longestWaitSec: 600, targets: { slPct: 80, slSec: 3600, longWaitSec: 3600 }, last15m: mv({ slPct: 95 }) }),
        tile('e', 'voice', { waiting: 1, longestWaitSec: 130, last15m: mv({ slPct: 95 }) }),
        tile('f', 'voice', { last15m: mv({ slPct: null }) }),
        tile('g', 'voice', { waiting: 3, last15m: mv({ slPct: 50 }) }),
        tile('h', 'voice', { targets: { slPct: 95, slSec: 10, longWaitSec: 45 }, last15m: mv({ slPct: 90 }) }),
      ]),
      0,
    );
    expect(worstFirst(s, 'last15m', 0).map((k) => s.tiles.get(k)!.queue)).toEqual(['e', 'g', 'b', 'c', 'h', 'a', 'd', 'f']);
  });
});

describe('feeds: a channel or the center that stopped bringing events', () => {
  const at = Date.parse('2026-11-30T12:00:00Z');
  it('calls a feed stale after five of its usual gaps without an event, a minute at least, and only a feed of 12 appeals an hour or more', () => {
    expect(feedState(at - 61_000, 300, at)).toEqual({ lastEventAt: at - 61_000, silentSec: 61, stale: true }); // gap 12 s: 5 gaps are 60 s
    expect(feedState(at - 59_000, 300, at).stale).toBe(false);
    expect(feedState(at - 1_400_000, 12, at).stale).toBe(false); // gap 5 min: stale after 25
    expect(feedState(at - 1_600_000, 12, at).stale).toBe(true);
    expect(feedState(at - 86_400_000, 11, at).stale).toBe(false); // a quiet inbox
    expect(feedState(null, 1000, at)).toEqual({ lastEventAt: null, silentSec: null, stale: false });
  });

  it('groups tiles by channel and keeps the rate a feed had when its newest event came (a feed dead for hours stays stale)', () => {
    const s = new LiveStore();
    const busy = (channel: string, lastEventAt: number | null, offered: number) => tile('q', channel, { lastEventAt, last60m: mv({ offered }) });
    s.applySnapshot(snap(1, [busy('voice', at - 120_000, 200), tile('r', 'voice', { lastEventAt: at - 130_000, last60m: mv({ offered: 100 }) }), busy('email', at - 600_000, 2)]), 0);
    let f = feeds(s, at);
    expect(f.channels.get('voice')).toEqual({ lastEventAt: at - 120_000, silentSec: 120, stale: true });
    expect(f.channels.get('email')!.stale).toBe(false);
    expect(f.center).toMatchObject({ lastEventAt: at - 120_000, stale: true });
    // two hours on, nothing came: the last hour has no appeals left, the feed is still dead
    s.applySnapshot(snap(2, [busy('voice', at - 120_000, 0), busy('email', at - 600_000, 0)]), 0);
    f = feeds(s, at + 7_200_000);
    expect(f.channels.get('voice')!.stale).toBe(true);
    expect(f.center.stale).toBe(true);
    // an event comes: the rate is what the last hour says now
    s.applySnapshot(snap(3, [busy('voice', at + 7_200_000, 1), busy('email', at - 600_000, 0)]), 0);
    expect(feeds(s, at + 7_200_000 + 3_600_000).channels.get('voice')!.stale).toBe(false);
  });
});

const T0 = Date.parse('2025-03-01T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function adv(id: string, p: Partial<Advice> = {}): Advice {
  return {
    id,
    key: `long-wait:sales:voice:${id}`,
    kind: 'long-wait',
    state: 'open',
    severity: 'warning',
    reason: `reason of ${id}`,
    data: {},
    openedAt: iso(T0),
    updatedAt: iso(T0),
    ...p,
  };
}

const move = (item: Advice, to: AdviceState, from: AdviceState | null = null): AdviceTransition => ({ from, to, at: iso(T0 + 1000), item: { ...item, state: to } });

describe('AdviceBoard', () => {
  it('is not received until the server sends a board, then replaces it wholesale (a reconnect starts fresh)', () => {
    const b = new AdviceBoard();
    expect(b.received).toBe(false);
    b.replace({ items: [adv('r1'), adv('r2')] });
    expect(b.received).toBe(true);
    expect([...b.items.keys()]).toEqual(['r1', 'r2']);
    b.replace({ items: [adv('r3', { state: 'acknowledged', acknowledgedBy: 'ann' })] });
    expect([...b.items.keys()]).toEqual(['r3']);
    expect(b.items.get('r3')?.acknowledgedBy).toBe('ann');
    b.replace({ items: [] });
    expect(b.items.size).toBe(0);
    expect(b.received).toBe(true);
  });

  it('upserts an item by id on each transition and removes it when it resolves', () => {
    const b = new AdviceBoard();
    b.replace({ items: [adv('r1')] });
    b.apply(move(adv('r2', { severity: 'critical' }), 'open'));
    expect([...b.items.keys()].sort()).toEqual(['r1', 'r2']);

    // acknowledged: the same id, replaced (not a second entry)
    b.apply(move(adv('r2', { severity: 'critical', acknowledgedBy: 'anonymous' }), 'acknowledged', 'open'));
    expect(b.items.size).toBe(2);
    expect(b.items.get('r2')).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'anonymous' });

    // a reason that changed while open replaces the old one
    b.apply({ ...move(adv('r1', { reason: 'new numbers' }), 'open', 'open') });
    expect(b.items.get('r1')?.reason).toBe('new numbers');

    b.apply(move(adv('r2'), 'resolved', 'acknowledged'));
    expect([...b.items.keys()]).toEqual(['r1']);
    // resolving an item the board never had is harmless
    b.apply(move(adv('r9'), 'resolved', 'open'));
    expect([...b.items.keys()]).toEqual(['r1']);
  });

  it('orders most severe first, then the most recently opened', () => {
    const b = new AdviceBoard();
    b.replace({
      items: [
        adv('r1', { severity: 'info', openedAt: iso(T0 + 50_000) }),
        adv('r2', { severity: 'critical', openedAt: iso(T0) }),
        adv('r3', { severity: 'warning', openedAt: iso(T0 + 10_000) }),
        adv('r4', { severity: 'critical', openedAt: iso(T0 + 5_000) }),
        adv('r5', { severity: 'warning', openedAt: iso(T0 + 20_000) }),
      ],
    });
    expect(b.sorted().map((i) => i.id)).toEqual(['r4', 'r2', 'r5', 'r3', 'r1']);
    // a new critical item goes to the top
    b.apply(move(adv('r6', { severity: 'critical', openedAt: iso(T0 + 60_000) }), 'open'));
    expect(b.sorted()[0].id).toBe('r6');
    expect(b.counts()).toEqual({ critical: 3, warning: 2, info: 1 });
  });

  it('breaks ties by the newer id (r10 after r9), and ranks a severity it does not know lowest', () => {
    const same = { severity: 'warning' as const, openedAt: iso(T0) };
    expect([adv('r9', same), adv('r10', same)].sort(compareAdvice).map((i) => i.id)).toEqual(['r10', 'r9']);
    const odd = adv('r1', { severity: 'bogus' as Advice['severity'] });
    expect([odd, adv('r2', { severity: 'info' })].sort(compareAdvice).map((i) => i.id)).toEqual(['r2', 'r1']);
    expect(severityRank('critical')).toBeGreaterThan(severityRank('warning'));
    expect(severityRank('constructor')).toBe(0);
    expect(severityRank('__proto__')).toBe(0);
  });

  it('treats ids and keys named like Object.prototype properties as plain data', () => {
    const b = new AdviceBoard();
    const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
    b.replace({ items: names.map((n) => adv(n, { key: n, kind: n, reason: '<script>alert(1)</script>' })) });
    expect(b.items.size).toBe(4);
    expect(b.sorted().map((i) => i.id).sort()).toEqual([...names].sort());
    expect(b.items.get('__proto__')?.key).toBe('__proto__');
    expect(b.acknowledgeable('__proto__')).toBe(true);
    expect(b.acknowledgeable('valueOf')).toBe(false);
    expect(b.ackStarted('__proto__')).toBe(true);
    b.ackFailed('constructor', 'nope');
    expect(b.errors.get('constructor')).toBe('nope');
    b.apply(move(adv('__proto__'), 'resolved', 'open'));
    expect(b.items.has('__proto__')).toBe(false);
    expect(b.pending.has('__proto__')).toBe(false);
    expect(Object.prototype).not.toHaveProperty('key');
    expect(({} as Record<string, unknown>).key).toBeUndefined();
  });

  it('keeps an Acknowledge pending until the stream says so, and lets a failed one be tried again', () => {
    const b = new AdviceBoard();
    b.replace({ items: [adv('r1'), adv('r2'), adv('r3', { state: 'acknowledged' })] });
    expect(b.ackStarted('r3')).toBe(false); // acknowledged already
    expect(b.ackStarted('r404')).toBe(false); // not on the board
    expect(b.ackStarted('r1')).toBe(true);
    expect(b.ackStarted('r1')).toBe(false); // one POST at a time
    b.ackSucceeded('r1');
    expect(b.pending.has('r1')).toBe(true); // still waiting for the transition
    b.apply(move(adv('r1', { acknowledgedBy: 'anonymous' }), 'acknowledged', 'open'));
    expect(b.pending.has('r1')).toBe(false);

    // the transition may come before the POST's answer
    expect(b.ackStarted('r2')).toBe(true);
    b.apply(move(adv('r2'), 'acknowledged', 'open'));
    b.ackSucceeded('r2');
    expect(b.pending.size).toBe(0);

    // a failure: the error is kept for the item, and the button is back
    b.replace({ items: [adv('r5')] });
    expect(b.ackStarted('r5')).toBe(true);
    b.ackFailed('r5', 'Could not acknowledge: HTTP 503');
    expect(b.pending.has('r5')).toBe(false);
    expect(b.errors.get('r5')).toBe('Could not acknowledge: HTTP 503');
    expect(b.ackStarted('r5')).toBe(true); // retrying clears the error
    expect(b.errors.has('r5')).toBe(false);
    b.ackFailed('r5', 'again');
    // a fresh board without the item forgets its error
    b.replace({ items: [] });
    expect(b.errors.size).toBe(0);
  });

  it('counts how long an item has been open on the server clock, never negative', () => {
    const it = adv('r1', { openedAt: iso(T0) });
    expect(openForSec(it, T0 + 400_000)).toBe(400);
    expect(openForSec(it, T0 - 5_000)).toBe(0);
    expect(openForSec(adv('r2', { openedAt: 'not a time' }), T0)).toBeNull();
  });
});

describe('what-if of staffing advice', () => {
  const staffing = (kind: string, key: string, data: Record<string, unknown>) => ({ kind, key, data });

  it('splits a key into queue and channel at the last colon, after the kind', () => {
    expect(adviceKeyParts('staffing-add:sales:voice', 'staffing-add')).toEqual({ queue: 'sales', channel: 'voice' });
    expect(adviceKeyParts('staffing-add:a:b:voice', 'staffing-add')).toEqual({ queue: 'a:b', channel: 'voice' });
    expect(adviceKeyParts('staffing-add:__proto__:voice', 'staffing-add')).toEqual({ queue: '__proto__', channel: 'voice' });
    expect(adviceKeyParts('staffing-add::x:y:email', 'staffing-add')).toEqual({ queue: ':x:y', channel: 'email' });
    expect(adviceKeyParts('staffing-release:<b>q</b> 1:webchat', 'staffing-release')).toEqual({ queue: '<b>q</b> 1', channel: 'webchat' });
  });

  it('finds no queue and channel in a key of another kind, or without both', () => {
    expect(adviceKeyParts('long-wait:sales:voice', 'staffing-add')).toBeNull();
    expect(adviceKeyParts('staffing-add:sales', 'staffing-add')).toBeNull();
    expect(adviceKeyParts('staffing-add::voice', 'staffing-add')).toBeNull();
    expect(adviceKeyParts('staffing-add:sales:', 'staffing-add')).toBeNull();
    expect(adviceKeyParts('staffing-add:sales:voice', '')).toBeNull();
    expect(adviceKeyParts('staffing-addition:sales:voice', 'staffing-add')).toBeNull();
  });

  it('chooses the action: add data.add, or release data.release, on the key\'s queue × channel', () => {
    expect(whatIfActionOf(staffing('staffing-add', 'staffing-add:sales:voice', { add: 3, required: 5 }))).toEqual({ action: 'add', queue: 'sales', channel: 'voice', n: 3 });
    expect(whatIfActionOf(staffing('staffing-release', 'staffing-release:a:b:voice', { release: 2, add: 9 }))).toEqual({ action: 'release', queue: 'a:b', channel: 'voice', n: 2 });
    // wire data: a queue named __proto__, and data parsed from JSON with an own __proto__ key
    const data = JSON.parse('{"__proto__": {"add": 7}, "add": 1}') as Record<string, unknown>;
    expect(whatIfActionOf(staffing('staffing-add', 'staffing-add:__proto__:voice', data))).toEqual({ action: 'add', queue: '__proto__', channel: 'voice', n: 1 });
  });

  it('offers no what-if for other kinds, or when the number is missing, inherited, zero or not a whole number', () => {
    expect(whatIfActionOf(staffing('long-wait', 'long-wait:sales:voice', { add: 3 }))).toBeNull();
    expect(whatIfActionOf(staffing('staffing-add', 'staffing-add:sales:voice', {}))).toBeNull();
    expect(whatIfActionOf(staffing('staffing-add', 'staffing-add:sales:voice', { add: 0 }))).toBeNull();
    expect(whatIfActionOf(staffing('staffing-add', 'staffing-add:sales:voice', { add: 2.5 }))).toBeNull();
    expect(whatIfActionOf(staffing('staffing-add', 'staffing-add:sales:voice', { add: '3' }))).toBeNull();
    expect(whatIfActionOf(staffing('staffing-add', 'staffing-add:sales:voice', { add: 1e6 }))).toBeNull();
    expect(whatIfActionOf(staffing('staffing-add', 'staffing-add:sales:voice', { release: 2 }))).toBeNull();
    expect(whatIfActionOf(staffing('staffing-add', 'staffing-add:sales:voice', Object.create({ add: 3 }) as Record<string, unknown>))).toBeNull();
    expect(whatIfActionOf({ kind: 'staffing-add', key: 'staffing-add:sales:voice', data: null as unknown as Record<string, unknown> })).toBeNull();
    expect(whatIfActionOf(staffing('staffing-add', 'long-wait:sales:voice', { add: 3 }))).toBeNull();
  });

  const band = (p50: number, p10 = p50, p90 = p50) => ({ p10, p50, p90 });
  const step = (minute: number, sl: number | null): WhatIfStep => ({ minute, slPct: sl === null ? null : band(sl, sl - 5, sl + 5), waiting: band(1), abandonPct: null });
  const reply: WhatIfReply = {
    at: '2024-01-01T10:00:00.000Z',
    horizonMinutes: 60,
    runs: 16,
    streams: [
      { queue: 'sales', channel: 'voice', operators: { now: 0, withActions: 3 }, steps: [5, 10, 15, 20, 25, 30, 35].map((m) => step(m, m === 10 ? null : m)) },
      { queue: 'a:b', channel: 'voice', operators: { now: 1, withActions: 1 }, steps: [step(5, 90)] },
    ],
  };

  it('picks the stream of a queue × channel and its step at minute 30', () => {
    const s = whatIfStreamOf(reply, 'sales', 'voice');
    expect(s?.operators.withActions).toBe(3);
    expect(whatIfStreamOf(reply, 'a:b', 'voice')?.operators.now).toBe(1);
    expect(whatIfStreamOf(reply, 'a', 'b:voice')).toBeNull();
    expect(whatIfStreamOf(reply, '__proto__', 'voice')).toBeNull();
    expect(whatIfStreamOf({ streams: undefined as unknown as [] }, 'sales', 'voice')).toBeNull();
    expect(whatIfStepAt(s)).toEqual(step(30, 30));
    expect(whatIfStepAt(s, 10)?.slPct).toBeNull();
    expect(whatIfStepAt(whatIfStreamOf(reply, 'a:b', 'voice'))).toBeNull();
    expect(whatIfStepAt(null)).toBeNull();
  });

  it('gives the SL p50 curve, null where no wait ended', () => {
    expect(slCurve(whatIfStreamOf(reply, 'sales', 'voice')).slice(0, 3)).toEqual([
      { minute: 5, slPct: 5 },
      { minute: 10, slPct: null },
      { minute: 15, slPct: 15 },
    ]);
    expect(slCurve(null)).toEqual([]);
  });

  it('tracks what-ifs by item: one at a time, stale answers dropped, gone items forgotten', () => {
    const w = new WhatIfBoard();
    const t1 = w.start('r1')!;
    expect(w.states.get('r1')).toEqual({ status: 'pending' });
    expect(w.start('r1')).toBeNull(); // one on its way already
    expect(w.finish('r1', t1, { error: 'busy' })).toBe(true);
    expect(w.states.get('r1')).toEqual({ status: 'error', message: 'busy' });
    const t2 = w.start('r1')!;
    expect(t2).not.toBe(t1);
    expect(w.finish('r1', t1, { error: 'late' })).toBe(false);
    const answer = { runs: 16 } as WhatIfAnswer;
    expect(w.finish('r1', t2, { answer })).toBe(true);
    expect(w.states.get('r1')).toEqual({ status: 'done', answer });

    const t3 = w.start('r2')!;
    w.retain(['r1']);
    expect(w.states.has('r2')).toBe(false);
    expect(w.finish('r2', t3, { answer })).toBe(false); // the item left the board while it ran
    expect(w.states.has('r2')).toBe(false);
    expect(w.states.has('r1')).toBe(true);
  });

  it('runs at most two requests at once, the rest in order', async () => {
    const limit = new Limiter(2);
    const started: number[] = [];
    const releases: Array<() => void> = [];
    const task = (i: number) => () =>
      new Promise<number>((resolve) => {
        started.push(i);
        releases[i] = () => resolve(i);
      });
    const done = [0, 1, 2, 3].map((i) => limit.run(task(i)));
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(limit.active).toBe(2);
    releases[0]();
    expect(await done[0]).toBe(0);
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toEqual([0, 1, 2]);
    // a newcomer does not slip in ahead of the queue
    const late = limit.run(task(4));
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toEqual([0, 1, 2]);
    expect(limit.active).toBe(2);
    releases[1]();
    releases[2]();
    await Promise.all([done[1], done[2]]);
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toEqual([0, 1, 2, 3, 4]);
    releases[3]();
    releases[4]();
    await Promise.all([done[3], late]);
    expect(limit.active).toBe(0);
    // a failing task frees its slot too
    await expect(limit.run(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(limit.active).toBe(0);
  });
});
