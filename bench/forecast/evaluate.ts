/**
 * One evaluation: each stream's state built from the history minutes, then fed the test minutes one by
 * one (the live path), a forecast made at every 15th minute, and each method's forecasts of the next
 * 15, 30 and 60 minutes scored against what came. Scores are summed over streams and origins, so the
 * WAPE is Σ|actual − forecast| ÷ Σ actual over all of them (busy streams and hours weigh most, as
 * they do in staffing).
 */
import { buildForecastState, forecast, observeMinute, type ForecastOptionsInput, type MinuteCell } from '../../src/recommend/forecast/index.js';
import { getScenario } from '../../src/sim/index.js';
import { MIN, type Data, type StreamSeries } from './data.js';

export const HORIZONS = [15, 30, 60] as const;
export const METHODS = ['blend', 'recent', 'seasonal', 'naiveLastWeek', 'naiveLast15', 'oracle'] as const;
export type Method = (typeof METHODS)[number];

/** Σ|error| and Σ actual per method and horizon; WAPE = err / actual. */
export type Scores = Record<Method, Record<number, { err: number; actual: number }>>;

export interface EvalResult {
  total: Scores;
  byStream: Record<string, Scores>;
  /** Handle seconds of the next 60 minutes: forecast AHT × handled vs actual. */
  aht: { blend: { err: number; actual: number }; naiveLast60: { err: number; actual: number } };
  /** Origins where seasonal had nothing to say (scored as recent). */
  seasonalMissing: number;
  /** Mean blend weights at each horizon. */
  weights: Record<number, { recent: number; seasonal: number; prior: number }>;
  origins: number;
}

const emptyScores = (): Scores =>
  Object.fromEntries(METHODS.map((m) => [m, Object.fromEntries(HORIZONS.map((h) => [h, { err: 0, actual: 0 }]))])) as Scores;

export const wape = (s: { err: number; actual: number }): number => s.err / s.actual;

/**
 * @param from first history minute (index into the series)
 * @param testFrom first test minute; the state holds [from, testFrom) when the test starts
 * @param testTo origins run over [testFrom, testTo); the series must reach testTo + 60 minutes
 */
export function evaluate(data: Data, range: { from: number; testFrom: number; testTo: number }, options: ForecastOptionsInput = {}): EvalResult {
  const total = emptyScores();
  const byStream: Record<string, Scores> = {};
  const aht = { blend: { err: 0, actual: 0 }, naiveLast60: { err: 0, actual: 0 } };
  const weights = Object.fromEntries(HORIZONS.map((h) => [h, { recent: 0, seasonal: 0, prior: 0 }]));
  let seasonalMissing = 0;
  let origins = 0;
  const oracle = oracleRates(data);

  for (const s of data.streams) {
    const scores = (byStream[s.key] = emptyScores());
    const at = (i: number) => data.start + i * MIN;
    const cells: MinuteCell[] = [];
    for (let i = range.from; i < range.testFrom; i++) if (s.offered[i] || s.handled[i]) cells.push(cellAt(s, i, at(i)));
    const state = buildForecastState({ cells, from: at(range.from), to: at(range.testFrom) }, options);
    const priors = { channel: { arrivalsPerHour: (60 * sum(s.offered, range.from, range.testFrom)) / (range.testFrom - range.from), ahtSec: sum(s.handleSec, range.from, range.testFrom) / Math.max(1, sum(s.handled, range.from, range.testFrom)) } };
    // The oracle knows the simulator's arrival rate; returns (APPEAL_RETURNED, offered too) scale it by the history's ratio.
    const rate = oracle.get(s.key)!;
    const returnsFactor = sum(s.offered, range.from, range.testFrom) / sum(rate, range.from, range.testFrom);

    for (let i = range.testFrom; i < range.testTo; i++) {
      if ((i - range.testFrom) % 15 === 0) {
        origins++;
        const f = forecast(state, at(i), priors);
        for (const h of f.horizons) {
          const actual = sum(s.offered, i, i + h.minutes);
          const seasonal = h.seasonal ?? h.recent ?? 0;
          if (h.seasonal === null) seasonalMissing++;
          const predicted: Record<Method, number> = {
            blend: h.arrivals,
            recent: h.recent ?? 0,
            seasonal,
            naiveLastWeek: i - 7 * 1440 >= 0 ? sum(s.offered, i - 7 * 1440, i - 7 * 1440 + h.minutes) : h.prior,
            naiveLast15: (sum(s.offered, i - 15, i) * h.minutes) / 15,
            oracle: sum(rate, i, i + h.minutes) * returnsFactor,
          };
          for (const m of METHODS) {
            for (const into of [scores, total]) {
              into[m][h.minutes].err += Math.abs(actual - predicted[m]);
              into[m][h.minutes].actual += actual;
            }
          }
          const w = weights[h.minutes];
          w.recent += h.weights.recent;
          w.seasonal += h.weights.seasonal;
          w.prior += h.weights.prior;
        }
        const handled = sum(s.handled, i, i + 60);
        const handleSec = sum(s.handleSec, i, i + 60);
        const lastHandled = sum(s.handled, i - 60, i);
        const naive = lastHandled > 0 ? sum(s.handleSec, i - 60, i) / lastHandled : f.prior.ahtSec;
        aht.blend.err += Math.abs(handled * f.aht.sec - handleSec);
        aht.blend.actual += handleSec;
        aht.naiveLast60.err += Math.abs(handled * naive - handleSec);
        aht.naiveLast60.actual += handleSec;
      }
      observeMinute(state, cellAt(s, i, at(i)));
    }
  }
  for (const h of HORIZONS) for (const k of ['recent', 'seasonal', 'prior'] as const) weights[h][k] /= origins;
  return { total, byStream, aht, seasonalMissing, weights, origins };
}

const cellAt = (s: StreamSeries, i: number, bucket: number): MinuteCell => ({ bucket, offered: s.offered[i], handleSec: s.handleSec[i], handled: s.handled[i] });

function sum(xs: readonly number[], from: number, to: number): number {
  let t = 0;
  for (let i = Math.max(0, from); i < Math.min(xs.length, to); i++) t += xs[i];
  return t;
}

/**
 * Expected APPEAL_NEW per minute of each stream, from the scenario's own load definition (the engine's
 * globalFactor: time of day linear between hours × weekday). Within a minute the factor is linear, so
 * its value at the middle of the minute is the minute's mean.
 */
function oracleRates(data: Data): Map<string, number[]> {
  const scenario = getScenario(data.scenario, data.seed);
  const load = scenario.load ?? {};
  const factor = (ts: number) => {
    let f = 1;
    if (load.timeOfDay) {
      const clock = ts / 3_600_000;
      const h = (((clock + (load.tzOffsetHours ?? 0)) % 24) + 24) % 24;
      const i = Math.floor(h);
      const a = load.timeOfDay[i % 24];
      const b = load.timeOfDay[(i + 1) % 24];
      f *= a + (b - a) * (h - i);
    }
    if (load.weekday) f *= load.weekday[(new Date(ts + (load.tzOffsetHours ?? 0) * 3_600_000).getUTCDay() + 6) % 7] ?? 1;
    return f;
  };
  if (load.sine || load.bursts || load.windows || load.startHour !== undefined) throw new Error(`the oracle models timeOfDay × weekday only; ${data.scenario} has more`);
  const minutes = data.streams[0].offered.length;
  const f = Array.from({ length: minutes }, (_, i) => factor(data.start + i * MIN + MIN / 2));
  return new Map(scenario.streams.map((s) => [`${s.queue}/${s.channel}`, f.map((x) => (s.perHour / 60) * x)]));
}
