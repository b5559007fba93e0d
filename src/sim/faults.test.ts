import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, type CcEvent } from '../contract/event.js';
import { createSimulation, type FaultOptions } from './index.js';

const HOUR = 3_600_000;

function events(faults: FaultOptions): { out: CcEvent[]; stats: ReturnType<ReturnType<typeof createSimulation>['stats']> } {
  const sim = createSimulation({ scenario: 'demo', seed: 11, durationMs: 2 * HOUR, faults });
  const out: CcEvent[] = [];
  while (!sim.done) out.push(...sim.next(sim.now + 30_000));
  return { out, stats: sim.stats() };
}

const clean = events({}).out;
const key = (e: CcEvent): string => JSON.stringify(e);

function isValid(e: CcEvent): boolean {
  const r = e as unknown as Record<string, unknown>;
  if (typeof r.id !== 'string' || typeof r.ts !== 'number' || !EVENT_TYPES.includes(r.type as CcEvent['type'])) return false;
  if (r.type === 'OPERATOR_STATUS') return typeof r.operatorId === 'string' && ['offline', 'ready', 'busy', 'break', 'acw'].includes(r.status as string);
  return typeof r.appealId === 'string' && typeof r.channel === 'string' && typeof r.queue === 'string';
}

describe('fault injection', () => {
  it('never changes the model: faults act on the output only', () => {
    const { out } = events({ drop: 0.05, duplicate: 0.05, reorder: 0.05, corrupt: 0.01 });
    const cleanKeys = new Set(clean.map(key));
    expect(out.filter(isValid).every((e) => cleanKeys.has(key(e)))).toBe(true);
  });

  it('drops the requested fraction, of the requested types only', () => {
    const { out, stats } = events({ drop: 0.05 });
    expect(stats.faults.dropped / clean.length).toBeCloseTo(0.05, 2);
    expect(out.length).toBe(clean.length - stats.faults.dropped);
    const only = events({ drop: 0.5, dropTypes: ['APPEAL_CLOSED'] });
    const byType = (xs: CcEvent[], t: string): number => xs.filter((e) => e.type === t).length;
    expect(byType(only.out, 'APPEAL_NEW')).toBe(byType(clean, 'APPEAL_NEW'));
    expect(byType(only.out, 'APPEAL_CLOSED') / byType(clean, 'APPEAL_CLOSED')).toBeCloseTo(0.5, 1);
  });

  it('duplicates keep the id and arrive after the original', () => {
    const { out, stats } = events({ duplicate: 0.02 });
    expect(stats.faults.duplicated / clean.length).toBeCloseTo(0.02, 2);
    const seen = new Map<string, CcEvent>();
    let dups = 0;
    for (const e of out) {
      const first = seen.get(e.id);
      if (first) {
        dups++;
        expect(e).toEqual(first);
      } else seen.set(e.id, e);
    }
    expect(dups).toBe(stats.faults.duplicated);
    expect(seen.size).toBe(clean.length);
  });

  it('reorder delivers late within the window, ts unchanged', () => {
    const windowMs = 120_000;
    const { out, stats } = events({ reorder: 0.05, reorderWindowMs: windowMs });
    expect(stats.faults.reordered / clean.length).toBeCloseTo(0.05, 2);
    expect(out.map(key).sort()).toEqual(clean.map(key).sort()); // same events, other order
    let maxTs = -Infinity;
    let late = 0;
    for (const e of out) {
      if (e.ts < maxTs) {
        late++;
        expect(maxTs - e.ts).toBeLessThanOrEqual(windowMs);
      }
      maxTs = Math.max(maxTs, e.ts);
    }
    expect(late).toBeGreaterThan(stats.faults.reordered / 2);
  });

  it('corrupt replaces events by invalid ones', () => {
    const { out, stats } = events({ corrupt: 0.01 });
    expect(stats.faults.corrupted).toBeGreaterThan(0);
    expect(out.length).toBe(clean.length);
    expect(out.filter((e) => !isValid(e)).length).toBe(stats.faults.corrupted);
  });

  it('is deterministic per seed', () => {
    const f = { drop: 0.02, duplicate: 0.02, reorder: 0.05, corrupt: 0.01 };
    expect(events(f).out).toEqual(events(f).out);
  });
});

describe('fault injection and time slicing', () => {
  it('delivers the same sequence however next() slices time', () => {
    const f = { duplicate: 0.02, reorder: 0.1, reorderWindowMs: 90_000 };
    const slice = (step: number): CcEvent[] => {
      const sim = createSimulation({ scenario: 'demo', seed: 12, durationMs: HOUR / 2, faults: f });
      const out: CcEvent[] = [];
      while (!sim.done) out.push(...sim.next(sim.now + step));
      return out;
    };
    expect(slice(333)).toEqual(slice(10 * 60_000));
  });
});
