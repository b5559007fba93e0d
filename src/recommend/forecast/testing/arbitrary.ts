import fc from 'fast-check';
import type { MinuteCell } from '../types.js';
import { MIN, MONDAY } from './series.js';

/** Histories with runs of any count (zeros, small, huge spikes), quiet stretches and declared gaps. */
export function arbitraryHistory(maxPieces = 12) {
  const piece = fc.record({
    kind: fc.constantFrom('run', 'run', 'run', 'gap'),
    minutes: fc.oneof(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 30, max: 3 * 1440 })),
    value: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 20 }), fc.double({ min: 0, max: 1e9, noNaN: true })),
    every: fc.integer({ min: 1, max: 7 }),
  });
  return fc.record({ start: fc.integer({ min: 0, max: 20_000 }), pieces: fc.array(piece, { minLength: 1, maxLength: maxPieces }) }).map(({ start, pieces }) => {
    const from = MONDAY + start * MIN;
    const cells: MinuteCell[] = [];
    const gaps: Array<{ from: number; to: number }> = [];
    let t = from;
    for (const p of pieces) {
      if (p.kind === 'gap') gaps.push({ from: t, to: t + p.minutes * MIN });
      else for (let i = 0; i < p.minutes; i += p.every) cells.push({ bucket: t + i * MIN, offered: p.value, handleSec: p.value * 60, handled: p.value > 0 ? 1 : 0 });
      t += p.minutes * MIN;
    }
    return { cells, from, to: t, gaps };
  });
}
