import { describe, expect, it } from 'vitest';
import type { LiveSnapshot, LiveTile, MetricValues, OperatorCounts } from '../contract/api.js';
import { LiveStore, centerTotals, compareChannels, compareTiles, sumRepairs, tileKey } from './state.js';

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
    operators: ops(),
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
});
