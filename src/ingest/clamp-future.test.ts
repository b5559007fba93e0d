import { expect, it } from 'vitest';
import { CLAMPED_ATTR, clampFuture } from './clamp-future.js';

it('clamps an event timed too far ahead to the arrival time and flags it; leaves the rest alone', () => {
  const now = Date.UTC(2026, 10, 21, 12);
  const ahead = { id: 'a', type: 'APPEAL_NEW' as const, ts: now + 3_600_000, attrs: { vip: true } };
  expect(clampFuture(ahead, now, 300_000)).toBe(true);
  expect(ahead).toEqual({ id: 'a', type: 'APPEAL_NEW', ts: now, attrs: { vip: true, [CLAMPED_ATTR]: now + 3_600_000 } });
  const slightly = { id: 'b', type: 'APPEAL_NEW' as const, ts: now + 300_000 };
  expect(clampFuture(slightly, now, 300_000)).toBe(false);
  expect(slightly.ts).toBe(now + 300_000);
});
