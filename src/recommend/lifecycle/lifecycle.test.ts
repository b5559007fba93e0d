import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acknowledge, emptyLifecycle, evaluate, type Condition, type LifecycleOptions, type Severity } from './lifecycle.js';

const O: LifecycleOptions = { raiseAfterMs: 30_000, clearAfterMs: 120_000, minOpenMs: 300_000 };
const cond = (key: string, active: boolean, severity: Severity = 'warning', value = 0): Condition => ({
  key, kind: key.split(':')[0], active, severity, reason: `${key} ${value}`, data: { value },
});
const S = 1_000;

describe('the lifecycle of advice and alerts', () => {
  it('opens an item once its condition has held for raiseAfterMs, not on one blip', () => {
    const s = emptyLifecycle();
    expect(evaluate(s, [cond('sl:billing:voice', true)], 0, O)).toEqual([]);
    expect(evaluate(s, [cond('sl:billing:voice', false)], 10 * S, O)).toEqual([]); // a blip: starts over
    expect(evaluate(s, [cond('sl:billing:voice', true)], 20 * S, O)).toEqual([]);
    expect(evaluate(s, [cond('sl:billing:voice', true)], 40 * S, O)).toEqual([]); // 20 s held
    const t = evaluate(s, [cond('sl:billing:voice', true)], 50 * S, O);
    expect(t).toHaveLength(1);
    expect(t[0]).toMatchObject({ from: null, to: 'open', at: 50 * S, item: { key: 'sl:billing:voice', state: 'open', openedAt: 50 * S } });
  });

  it('opens a critical item at once, and keeps one item per key while its condition holds, numbers and severity following', () => {
    const s = emptyLifecycle();
    const [t] = evaluate(s, [cond('wait:sales:chat', true, 'critical', 1)], 0, O);
    expect(t.to).toBe('open');
    for (let i = 1; i < 20; i++) expect(evaluate(s, [cond('wait:sales:chat', true, 'warning', i + 1)], i * 10 * S, O)).toEqual([]);
    const item = s.open.get('wait:sales:chat')!;
    expect(item).toMatchObject({ id: t.item.id, severity: 'critical', data: { value: 20 } }); // severity never falls while open
  });

  it('resolves only after the condition has been clear for clearAfterMs and the item open for minOpenMs', () => {
    const s = emptyLifecycle();
    evaluate(s, [cond('k', true, 'critical')], 0, O);
    expect(evaluate(s, [], 10 * S, O)).toEqual([]); // clear since 10 s
    expect(evaluate(s, [], 200 * S, O)).toEqual([]); // clear 190 s, but open only 200 s < 300 s
    const [t] = evaluate(s, [], 300 * S, O);
    expect(t).toMatchObject({ from: 'open', to: 'resolved', item: { state: 'resolved', resolvedAt: 300 * S } });
    expect(s.open.size).toBe(0);
  });

  it('a condition true again before clearAfterMs keeps the same item (no flapping)', () => {
    const s = emptyLifecycle();
    evaluate(s, [cond('k', true, 'critical')], 0, O);
    const id = s.open.get('k')!.id;
    for (let t = 10; t < 2_000; t += 10) {
      const out = evaluate(s, [cond('k', (t / 10) % 2 === 0, 'critical')], t * S, O);
      expect(out).toEqual([]);
    }
    expect(s.open.get('k')!.id).toBe(id);
  });

  it('acknowledging records who and when and keeps the item until its condition clears; unknown or repeated ids are refused', () => {
    const s = emptyLifecycle();
    const [t] = evaluate(s, [cond('k', true, 'critical')], 0, O);
    expect(acknowledge(s, 'nope', 'ann', 5 * S)).toBeNull();
    expect(acknowledge(s, t.item.id, 'ann', 5 * S)).toMatchObject({ from: 'open', to: 'acknowledged', item: { acknowledgedBy: 'ann', acknowledgedAt: 5 * S } });
    expect(acknowledge(s, t.item.id, 'bob', 6 * S)).toBeNull();
    expect(s.open.get('k')!.state).toBe('acknowledged');
    evaluate(s, [], 400 * S, O);
    const [r] = evaluate(s, [], 600 * S, O);
    expect(r).toMatchObject({ from: 'acknowledged', to: 'resolved' });
    expect(acknowledge(s, t.item.id, 'ann', 700 * S)).toBeNull();
    // the next episode is a new item
    const [again] = evaluate(s, [cond('k', true, 'critical')], 800 * S, O);
    expect(again.item.id).not.toBe(t.item.id);
  });

  it('over arbitrary evaluations: one item per key, entry and exit hysteresis and the minimum hold always respected', () => {
    const step = fc.record({
      dt: fc.integer({ min: 1, max: 200 }), // seconds since the previous evaluation
      active: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
      severity: fc.array(fc.constantFrom<Severity>('info', 'warning', 'critical'), { minLength: 3, maxLength: 3 }),
      ack: fc.option(fc.nat(2)),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 120 }), (steps) => {
        const s = emptyLifecycle();
        const keys = ['a', 'b', 'c'];
        // an independent account of each key's history: when it last turned active / inactive, with severities
        const lastFlip = new Map<string, { active: boolean; since: number; everCritical: boolean }>();
        const openNow = new Map<string, { id: string; openedAt: number }>();
        let now = 0;
        for (const st of steps) {
          now += st.dt * S;
          const conditions = keys.map((k, i) => cond(k, st.active[i], st.severity[i]));
          for (const [i, k] of keys.entries()) {
            const prev = lastFlip.get(k);
            if (!prev || prev.active !== st.active[i]) lastFlip.set(k, { active: st.active[i], since: now, everCritical: st.active[i] && st.severity[i] === 'critical' });
            else if (st.active[i] && st.severity[i] === 'critical') prev.everCritical = true;
          }
          const transitions = evaluate(s, conditions, now, O);
          for (const t of transitions) {
            const k = t.item.key;
            const flip = lastFlip.get(k)!;
            if (t.from === t.to) {
              // a severity that rose on an open item: the same item, still open, and only ever upward
              expect(openNow.get(k)?.id).toBe(t.item.id);
              expect(t.item.severity).not.toBe('info');
            } else if (t.to === 'open') {
              expect(openNow.has(k)).toBe(false); // never two open items for one key
              expect(flip.active).toBe(true);
              // held for raiseAfterMs, unless it opened on a critical evaluation
              const i = keys.indexOf(k);
              if (st.severity[i] !== 'critical') expect(now - flip.since).toBeGreaterThanOrEqual(O.raiseAfterMs);
              openNow.set(k, { id: t.item.id, openedAt: now });
            } else if (t.to === 'resolved') {
              const o = openNow.get(k)!;
              expect(o.id).toBe(t.item.id);
              expect(flip.active).toBe(false);
              expect(now - flip.since).toBeGreaterThanOrEqual(O.clearAfterMs);
              expect(now - o.openedAt).toBeGreaterThanOrEqual(O.minOpenMs);
              openNow.delete(k);
            }
          }
          // an open item never survives a long clear past its minimum hold (it resolves at the first evaluation after)
          for (const [k, o] of openNow) {
            const flip = lastFlip.get(k)!;
            if (!flip.active) {
              const due = Math.max(flip.since + O.clearAfterMs, o.openedAt + O.minOpenMs);
              expect(now < due).toBe(true);
            }
          }
          expect([...s.open.keys()].sort()).toEqual([...openNow.keys()].sort());
          if (st.ack !== null) {
            const k = keys[st.ack];
            const o = openNow.get(k);
            const r = o ? acknowledge(s, o.id, 'x', now) : null;
            if (r) expect(r.to).toBe('acknowledged');
          }
        }
      }),
      { numRuns: Number(process.env.CCPULSE_PROPERTY_RUNS ?? 300) },
    );
  });
});
