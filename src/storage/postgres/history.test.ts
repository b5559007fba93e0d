import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeHistograms } from './history.js';

describe('merging a group’s histograms (PostgreSQL history)', () => {
  it('sums bins across cells, judges SL and abandons per cell by its own policy, drops bins that net to zero', () => {
    // cell 1: target bin 20, short abandon 5, abandons count; cell 2: target bin 60, abandons do not count
    const h = mergeHistograms('20,5,1|3,2,30,1,7,7|2,4,9,1;60,5,0|30,3,7,-7|9,2');
    expect(h.bins).toEqual([3, 30]);
    expect(h.counts).toEqual([2, 4]);
    expect(h.answered).toBe(6);
    // within: bins 3 and 7 (< 20) of cell 1, bins 30 and 7 (< 60) of cell 2, whose 7 retracts cell 1's
    expect(h.within).toBe(2 + 7 + 3 - 7);
    // abandons counted: cell 1's bin 9 (≥ 5); bin 2 is short; cell 2's do not count
    expect(h.abandonsCounted).toBe(1);
    expect(h.maxWait).toBe(30);
    expect(h.maxAbandon).toBe(9);
  });

  it('takes empty histograms and no cells', () => {
    expect(mergeHistograms('20,5,1||')).toEqual({ bins: [], counts: [], answered: 0, within: 0, abandonsCounted: 0, maxWait: null, maxAbandon: null });
    expect(mergeHistograms('')).toMatchObject({ answered: 0, maxWait: null });
  });
});

/** The first formulation (split into strings, a Map by bin): the one-pass reader must agree with it. */
function reference(text: string) {
  const wait = new Map<number, number>();
  const abandon = new Map<number, number>();
  let within = 0;
  let abandonsCounted = 0;
  for (const cell of text === '' ? [] : text.split(';')) {
    const [policy, w, a] = cell.split('|');
    const [tb, sb, ab] = policy.split(',').map(Number);
    const wp = w ? w.split(',') : [];
    for (let i = 0; i + 1 < wp.length; i += 2) {
      const bin = Number(wp[i]);
      const c = Number(wp[i + 1]);
      wait.set(bin, (wait.get(bin) ?? 0) + c);
      if (bin < tb) within += c;
    }
    const ap = a ? a.split(',') : [];
    for (let i = 0; i + 1 < ap.length; i += 2) {
      const bin = Number(ap[i]);
      const c = Number(ap[i + 1]);
      abandon.set(bin, (abandon.get(bin) ?? 0) + c);
      if (ab === 1 && bin >= sb) abandonsCounted += c;
    }
  }
  const bins = [...wait.keys()].filter((b) => wait.get(b) !== 0).sort((x, y) => x - y);
  const counts = bins.map((b) => wait.get(b)!);
  const ab = [...abandon.keys()].filter((b) => abandon.get(b) !== 0).sort((x, y) => x - y);
  return { bins, counts, answered: counts.reduce((x, y) => x + y, 0), within, abandonsCounted, maxWait: bins.at(-1) ?? null, maxAbandon: ab.at(-1) ?? null };
}

describe('the one-pass reader', () => {
  it('agrees with the first formulation on any cells: several policies, retractions, repeated bins, empty histograms, a bin past the table', () => {
    const pairs = fc.array(fc.tuple(fc.oneof(fc.integer({ min: 0, max: 358 }), fc.constant(2000)), fc.integer({ min: -5, max: 50 })), { maxLength: 12 });
    const cell = fc.record({ tb: fc.integer({ min: 0, max: 358 }), sb: fc.integer({ min: 0, max: 358 }), ab: fc.constantFrom(0, 1), w: pairs, a: pairs });
    fc.assert(
      fc.property(fc.array(cell, { maxLength: 6 }), fc.integer({ min: 1, max: 3 }), (cells, repeats) => {
        const text = cells.map((c) => `${c.tb},${c.sb},${c.ab}|${c.w.flat().join(',')}|${c.a.flat().join(',')}`).join(';');
        // read several times in a row: the scratch tables are reset between groups
        for (let r = 0; r < repeats; r++) expect(mergeHistograms(text)).toEqual(reference(text));
      }),
      { numRuns: 500 },
    );
  });
});
