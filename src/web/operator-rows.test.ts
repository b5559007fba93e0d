import { describe, expect, it } from 'vitest';
import { operatorMatches, sortOperators, statusCounts, type OperatorItem } from './operator-rows.js';

const op = (id: string, status: string | null, extra: Partial<OperatorItem> = {}): OperatorItem => ({
  id, status, since: null, queue: 'sales', channel: 'voice', handling: 0, handledToday: 0, ahtSec: null, occupancyPct: null, ...extra,
});

describe('the operators table model', () => {
  const items = [
    op('op10', 'ready', { handledToday: 3, occupancyPct: 40, since: '2026-11-30T10:00:00Z' }),
    op('op2', 'busy', { handledToday: 7, occupancyPct: 90, ahtSec: 200, since: '2026-11-30T10:05:00Z' }),
    op('op1', 'offline'),
    op('__proto__', 'break', { queue: null, channel: null }),
    op('op3', null),
  ];

  it('sorts by status in the order a supervisor scans (busy, acw, ready, break, offline), unknown last, ties by id', () => {
    expect(sortOperators(items, 'status', false).map((o) => o.id)).toEqual(['op2', 'op10', '__proto__', 'op1', 'op3']);
  });

  it('sorts numbers as numbers and ids naturally; empty values last in either direction', () => {
    expect(sortOperators(items, 'id', false).map((o) => o.id)).toEqual(['__proto__', 'op1', 'op2', 'op3', 'op10']);
    expect(sortOperators(items, 'handledToday', true).map((o) => o.id).slice(0, 2)).toEqual(['op2', 'op10']);
    expect(sortOperators(items, 'occupancyPct', false).map((o) => o.id)).toEqual(['op10', 'op2', '__proto__', 'op1', 'op3']);
    expect(sortOperators(items, 'occupancyPct', true).map((o) => o.id)).toEqual(['op2', 'op10', '__proto__', 'op1', 'op3']);
    // longest in their status first
    expect(sortOperators(items, 'since', false).map((o) => o.id).slice(0, 2)).toEqual(['op10', 'op2']);
    expect(sortOperators(items, 'queue', false).at(-1)!.id).toBe('__proto__');
  });

  it('counts by status for the heading', () => {
    expect(statusCounts(items)).toEqual([['busy', 1], ['ready', 1], ['break', 1], ['offline', 1], ['unknown', 1]]);
  });

  it('filters by every word of the board’s filter, channel labels included', () => {
    const label = (c: string) => (c === 'voice' ? 'Voice' : c);
    expect(items.filter((o) => operatorMatches(o, ['sales', 'busy'], label)).map((o) => o.id)).toEqual(['op2']);
    expect(items.filter((o) => operatorMatches(o, ['proto'], label)).map((o) => o.id)).toEqual(['__proto__']);
    expect(items.filter((o) => operatorMatches(o, [], label))).toHaveLength(5);
  });
});
