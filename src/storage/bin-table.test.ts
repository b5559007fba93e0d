import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BinTable } from './bin-table.js';
import { sortedPercentileBin } from '../metrics/wait-histogram.js';

describe('BinTable.summarize', () => {
  it('gives the total, percentiles and highest bin that sorting the bins and sortedPercentileBin give', () => {
    const table = new BinTable();
    // bins of the histogram and beyond its table; counts that net to zero or below, as retractions do
    // (bins within the table alone, as ccpulse makes them, or some beyond it too)
    const inTable = fc.array(fc.tuple(fc.integer({ min: 0, max: 358 }), fc.integer({ min: -3, max: 5 })), { maxLength: 60 });
    const beyond = fc.array(fc.tuple(fc.oneof(fc.integer({ min: 0, max: 358 }), fc.integer({ min: 0, max: 2000 })), fc.integer({ min: -3, max: 5 })), { maxLength: 60 });
    const adds = fc.oneof(inTable, beyond);
    fc.assert(
      fc.property(adds, fc.uniqueArray(fc.integer({ min: 0, max: 100 }), { maxLength: 4 }), (xs, levels) => {
        const ps = [...levels].sort((a, b) => a - b);
        table.reset();
        for (const [b, n] of xs) table.add(b, n);
        const bins = table.nonZeroBins();
        const counts = bins.map((b) => table.get(b));
        const got = table.summarize(ps);
        expect(got).toEqual({
          total: counts.reduce((a, b) => a + b, 0),
          at: ps.map((p) => sortedPercentileBin(bins, counts, p)),
          max: bins.length ? bins[bins.length - 1] : null,
        });
      }),
      { numRuns: 2000 },
    );
  });
});
