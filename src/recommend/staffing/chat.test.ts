import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chatMetrics, chatSpeedFactors, requiredChatOperators } from './chat.js';
import { erlangCMetrics } from './erlang.js';
import { failingField as field } from './testing/failing-field.js';
import { expectClose } from './testing/close.js';
import { referenceChain, referenceMeanWaitAnswered, referenceServiceLevel, type ReferenceQueue } from './testing/reference-chain.js';

/** The pooled chat chain written out directly: deal m chats round-robin to n operators and add up their rates. */
function referenceChatQueue(operators: number, k: number, speeds: readonly number[], loadErlangs: number, theta: number): ReferenceQueue {
  const rate = (m: number) => {
    let total = 0;
    for (let op = 0; op < operators; op++) {
      const held = Math.floor(m / operators) + (op < m % operators ? 1 : 0);
      if (held > 0) total += held * speeds[held - 1];
    }
    return total;
  };
  return { load: loadErlangs, slots: operators * k, serviceRate: rate, theta };
}

describe('chat with one chat per operator is Erlang C', () => {
  it('P(wait), ASA, SL and occupancy equal Erlang C for random loads up to 2,000 operators', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.double({ min: 0.05, max: 0.98, noNaN: true }), fc.double({ min: 0, max: 120, noNaN: true }), (n, rho, slSec) => {
        const inputs = { loadErlangs: n * rho, ahtSec: 300, slSec };
        const c = erlangCMetrics(n, inputs);
        const chat = chatMetrics(n, { ...inputs, concurrency: 1, slowdown: [1] });
        expectClose(chat.pWait, c.pWait, 1e-9, 1e-14, 'P(wait)');
        expectClose(chat.asaSec, c.asaSec, 1e-8, 1e-12, 'ASA');
        expectClose(chat.serviceLevel, c.serviceLevel, 0, 1e-10, 'SL');
        expectClose(chat.occupancy, c.occupancy, 1e-10, 0, 'occupancy');
        expect(chat.abandonRate).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it('the default slowdown does not touch a single chat (s(1) = 1)', () => {
    const inputs = { loadErlangs: 10, ahtSec: 180, slSec: 20 };
    expectClose(chatMetrics(14, { ...inputs, concurrency: 1 }).serviceLevel, erlangCMetrics(14, inputs).serviceLevel, 0, 1e-12);
  });

  it('too few operators without abandonment is unstable, like Erlang C', () => {
    expect(chatMetrics(3, { loadErlangs: 9, ahtSec: 300, slSec: 60, concurrency: 3, slowdown: 1 })).toEqual({ pWait: 1, asaSec: null, serviceLevel: 0, abandonRate: 0, occupancy: 1 });
  });
});

describe('chat against the chain written out operator by operator', () => {
  const speedsArb = (k: number) => fc.array(fc.double({ min: 0.3, max: 1, noNaN: true }), { minLength: k, maxLength: k }).map((s) => [1, ...s.slice(1)].map((v, i, all) => (i === 0 ? v : Math.min(v, all[i - 1]))));

  it('P(wait), abandonment, ASA, SL and occupancy agree for random concurrency, slowdown and patience', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((k) => fc.tuple(fc.constant(k), speedsArb(k))),
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0.3, max: 1.4, noNaN: true }),
        fc.double({ min: 0.2, max: 5, noNaN: true }),
        ([k, speeds], n, perSlot, patienceInAht) => {
          const ahtSec = 300;
          const loadErlangs = n * k * speeds[k - 1] * perSlot;
          const inputs = { loadErlangs, ahtSec, slSec: 45, concurrency: k, slowdown: speeds, patienceSec: patienceInAht * ahtSec };
          const m = chatMetrics(n, inputs);
          const q = referenceChatQueue(n, k, speeds, loadErlangs, 1 / patienceInAht);
          const ref = referenceChain(q);
          expectClose(m.pWait, ref.pWait, 1e-8, 1e-13, 'P(wait)');
          expectClose(m.abandonRate, ref.abandon, 1e-8, 1e-13, 'abandon');
          expectClose(m.asaSec, referenceMeanWaitAnswered(q, ref) * ahtSec, 1e-8, 1e-10, 'ASA');
          expectClose(m.serviceLevel, referenceServiceLevel(q, ref, 45 / ahtSec), 0, 1e-8, 'SL');
          let busy = 0;
          for (let s = 0; s < ref.pi.length; s++) busy += Math.min(s, n * k) * ref.pi[s];
          expectClose(m.occupancy, busy / (n * k), 1e-8, 1e-13, 'occupancy');
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('what concurrency buys', () => {
  const base = { ahtSec: 300, slSec: 60 };

  it('with no slowdown, more chats per operator needs fewer operators', () => {
    fc.assert(
      fc.property(fc.double({ min: 2, max: 300, noNaN: true }), fc.integer({ min: 50, max: 95 }), (loadErlangs, target) => {
        const ops = [1, 2, 3, 4].map((concurrency) => requiredChatOperators({ ...base, loadErlangs, concurrency, slowdown: 1 }, target));
        for (let i = 1; i < ops.length; i++) expect(ops[i]).toBeLessThanOrEqual(ops[i - 1]);
        expect(ops[3]).toBeLessThan(ops[0]);
      }),
      { numRuns: 30 },
    );
  });

  it('with heavy slowdown, concurrency helps less', () => {
    fc.assert(
      fc.property(fc.double({ min: 5, max: 300, noNaN: true }), fc.integer({ min: 50, max: 95 }), (loadErlangs, target) => {
        const single = requiredChatOperators({ ...base, loadErlangs, concurrency: 1 }, target);
        const fast = requiredChatOperators({ ...base, loadErlangs, concurrency: 3, slowdown: 1 }, target);
        const slow = requiredChatOperators({ ...base, loadErlangs, concurrency: 3, slowdown: [1, 0.6, 0.4] }, target);
        expect(slow).toBeGreaterThan(fast);
        expect(single - slow).toBeLessThan(single - fast);
      }),
      { numRuns: 30 },
    );
  });

  it('one more operator never lowers SL or raises occupancy', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 4 }), fc.double({ min: 0.3, max: 1.5, noNaN: true }), (n, k, perSlot) => {
        const inputs = { ...base, loadErlangs: n * k * perSlot, concurrency: k, patienceSec: 240 };
        const fewer = chatMetrics(n, inputs);
        const more = chatMetrics(n + 1, inputs);
        expect(more.serviceLevel).toBeGreaterThanOrEqual(fewer.serviceLevel - 1e-12);
        expect(more.occupancy).toBeLessThanOrEqual(fewer.occupancy + 1e-12);
      }),
      { numRuns: 60 },
    );
  });

  it('the operators found are the fewest that meet the target', () => {
    const inputs = { ...base, loadErlangs: 40, concurrency: 3, slowdown: 0.85, patienceSec: 300 };
    const n = requiredChatOperators(inputs, 80);
    expect(chatMetrics(n, inputs).serviceLevel).toBeGreaterThanOrEqual(0.8);
    expect(chatMetrics(n - 1, inputs).serviceLevel).toBeLessThan(0.8);
  });
});

describe('chat speed factors', () => {
  it('one efficiency factor means each extra chat slows all of them by it', () => {
    expect(chatSpeedFactors(3, 0.8)).toEqual([1, 0.8, 0.8 * 0.8]);
    expect(chatSpeedFactors(2, [1, 0.7])).toEqual([1, 0.7]);
    expect(chatSpeedFactors(1)).toEqual([1]);
  });

  it('rejects a wrong count, bad values and bad concurrency, naming the field', () => {
    expect(field(() => chatSpeedFactors(3, [1, 0.9]))).toBe('slowdown');
    expect(field(() => chatSpeedFactors(2, [1, 1.5]))).toBe('slowdown[1]');
    expect(field(() => chatSpeedFactors(2, 0))).toBe('slowdown');
    expect(field(() => chatSpeedFactors(0))).toBe('concurrency');
    expect(field(() => chatSpeedFactors(2.5))).toBe('concurrency');
  });
});
