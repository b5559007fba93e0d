/**
 * ⌈x⌉ that ignores floating-point dust: 14 / (1 − 0.3) or (50 + 10) / 6 can come out a hair above the
 * whole number they equal, and nobody should be told to schedule one more person for a billionth of one.
 */
export function ceilTolerant(x: number): number {
  // `+ 0` turns the −0 that ⌈0 − ε⌉ gives into 0.
  return Math.ceil(x - 1e-9 * Math.max(1, Math.abs(x))) + 0;
}
