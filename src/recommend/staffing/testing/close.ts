import { expect } from 'vitest';

/** Expect |actual − expected| ≤ rel·|expected| + abs: relative where values are sizeable, absolute near 0. */
export function expectClose(actual: number | null, expected: number | null, rel: number, abs = 0, what = ''): void {
  expect(actual, what).not.toBeNull();
  expect(expected, what).not.toBeNull();
  const err = Math.abs(actual! - expected!);
  const allowed = rel * Math.abs(expected!) + abs;
  if (!(err <= allowed)) expect.fail(`${what ? what + ': ' : ''}${actual} differs from ${expected} by ${err}, more than ${allowed}`);
}
