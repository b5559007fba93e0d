import { describe, expect, it } from 'vitest';
import { ahtOutliers, type OperatorAht } from './aht-outliers.js';

const row = (operator: string, ahtSec: number | null, ha = 20, queue = 'sales', channel = 'voice'): OperatorAht => ({ queue, channel, operator, ahtSec, ha });

describe('AHT outliers among peers on the same queue × channel', () => {
  it('flags an operator far above or below the median of peers, with the numbers', () => {
    const out = ahtOutliers([row('a', 100), row('b', 110), row('c', 120), row('slow', 200), row('fast', 50)]);
    expect(out.map((c) => c.key).sort()).toEqual(['aht-outlier:sales:voice:fast', 'aht-outlier:sales:voice:slow']);
    const slow = out.find((c) => c.data.operator === 'slow')!;
    expect(slow).toMatchObject({ kind: 'aht-outlier', active: true, severity: 'info', data: { ahtSec: 200, peersMedianSec: 110, peers: 4, handled: 20 } });
    expect(slow.reason).toBe('sales voice: operator slow handles in 200 s on average, 1.8× the 110 s of their 4 peers (last hour, 20 closed)');
    expect(out.find((c) => c.data.operator === 'fast')!.reason).toContain('2.2× faster than the 110 s');
  });

  it('needs 10 closes per operator and 3 such operators per queue × channel; streams are judged apart', () => {
    expect(ahtOutliers([row('a', 100), row('b', 100), row('c', 500, 9)])).toEqual([]);
    expect(ahtOutliers([row('a', 100), row('b', 500)])).toEqual([]);
    expect(ahtOutliers([row('a', 100), row('b', 100), row('c', null)])).toEqual([]);
    // the same operator on another stream is compared with that stream's peers only
    const out = ahtOutliers([row('a', 100), row('b', 100), row('c', 100), row('a', 600, 20, 'billing'), row('x', 600, 20, 'billing'), row('y', 650, 20, 'billing')]);
    expect(out).toEqual([]);
  });

  it('keeps operator, queue and channel names as data (__proto__, constructor)', () => {
    const out = ahtOutliers([row('__proto__', 100, 20, 'constructor'), row('b', 100, 20, 'constructor'), row('c', 400, 20, 'constructor')]);
    expect(out.map((c) => c.key)).toEqual(['aht-outlier:constructor:voice:c']);
    expect(({} as Record<string, unknown>).c).toBeUndefined();
  });

  it("never gives two operators one key, whatever ':' their names hold", () => {
    // operator "voice:x" on queue "a", and operator "x" on queue "a:voice": both were aht-outlier:a:voice:voice:x
    const peers = (queue: string) => [row('p1', 100, 20, queue), row('p2', 100, 20, queue), row('p3', 100, 20, queue)];
    const out = ahtOutliers([...peers('a'), row('voice:x', 400, 20, 'a'), ...peers('a:voice'), row('x', 400, 20, 'a:voice')]);
    expect(out).toHaveLength(2);
    expect(new Set(out.map((c) => c.key)).size).toBe(2);
    expect(out.map((c) => c.data.operator).sort()).toEqual(['voice:x', 'x']);
    // plain names keep their keys
    expect(ahtOutliers([...peers('sales'), row('slow', 400)]).map((c) => c.key)).toEqual(['aht-outlier:sales:voice:slow']);
  });
});
