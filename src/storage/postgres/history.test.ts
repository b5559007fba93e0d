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
