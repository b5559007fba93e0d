/**
 * The smallest staffing that passes a monotone test (service level met, occupancy under a cap).
 *
 * Galloping up from a staffing known to fail (steps 1, 2, 4, …) and then bisecting the last step costs
 * about 2·log₂(answer − start) evaluations. Starting from a good lower bound (for instance the load
 * itself: square-root staffing puts the answer near A + β√A) that is ~15 evaluations at 2,000 agents,
 * where a walk up from the load one agent at a time could take a hundred.
 */

/** The largest staffing the searches consider; beyond it a target is reported as out of reach. */
export const MAX_AGENTS = 10_000;

/**
 * Smallest n in (knownFail, limit] with passes(n), or null if even `limit` fails. `passes` must be
 * monotone (once true, true for every larger n); `knownFail` must fail or be 0 — it is never evaluated.
 */
export function smallestPassing(passes: (n: number) => boolean, knownFail: number, limit = MAX_AGENTS): number | null {
  let lo = Math.max(0, Math.floor(knownFail));
  if (lo >= limit) return null;
  let step = 1;
  let hi: number;
  for (;;) {
    hi = Math.min(lo + step, limit);
    if (passes(hi)) break;
    if (hi === limit) return null;
    lo = hi;
    step *= 2;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (passes(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
