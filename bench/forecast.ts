/**
 * Forecast accuracy on the simulator (issue #9 item 1): how well src/recommend/forecast predicts the
 * offered appeals of the next 15, 30 and 60 minutes, against two naive forecasts.
 *
 *   node --import tsx bench/forecast.ts          # evaluate the module's defaults on the test week
 *   node --import tsx bench/forecast.ts --tune   # search the constants on the training weeks only
 *
 * Data: one 28-day run of `center-300-week` (seed 1, from Monday 2026-01-05 00:00 UTC, plus the hour
 * the last forecasts need), turned into per-minute cells per queue × channel by the project's own
 * recomputeCells (bench/forecast/data.ts), cached in bench/.cache.
 * - weeks 1–3 are training: --tune builds states on weeks 1–2 and scores on week 3;
 * - week 4 is the test: states built on weeks 1–3, then fed week 4 minute by minute, a forecast at
 *   every 15th minute. Nothing about week 4 was used to choose anything.
 * Methods: the blend; its two parts alone (recent flow, seasonal × level); "same interval last week";
 * "last 15 minutes' rate"; and, as the floor no forecast can beat, an oracle that knows the simulator's
 * arrival rate (what is left of its error is Poisson noise).
 * Writes bench/results/forecast.{json,md} (or forecast-tune.{json,md}).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_FORECAST_OPTIONS, type ForecastOptionsInput } from '../src/recommend/forecast/index.js';
import { loadData, ROOT } from './forecast/data.js';
import { evaluate, HORIZONS, METHODS, wape, type EvalResult, type Method } from './forecast/evaluate.js';
import { machine, machineLine } from './sim-common.js';

const DAY_MIN = 1440;
const spec = { scenario: 'center-300-week', seed: 1, start: Date.UTC(2026, 0, 5), minutes: 28 * DAY_MIN + 60 };
const VALIDATION = { from: 0, testFrom: 14 * DAY_MIN, testTo: 21 * DAY_MIN };
const TEST = { from: 0, testFrom: 21 * DAY_MIN, testTo: 28 * DAY_MIN };

const LABELS: Record<Method, string> = {
  blend: 'blend (the forecast)',
  recent: 'recent flow only',
  seasonal: 'seasonal × level only',
  naiveLastWeek: 'naive: same interval last week',
  naiveLast15: "naive: last 15 minutes' rate",
  oracle: "oracle: the simulator's true rate (the floor)",
};

const tune = process.argv.includes('--tune');
const log = (s: string) => console.error(s);
const t0 = performance.now();
const data = loadData(spec, log);
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const mean = (r: EvalResult, m: Method) => HORIZONS.reduce((a, h) => a + wape(r.total[m][h]), 0) / HORIZONS.length;

function table(r: EvalResult): string[] {
  const rows = ['| method | 15 min | 30 min | 60 min |', '|---|---|---|---|'];
  for (const m of METHODS) rows.push(`| ${LABELS[m]} | ${HORIZONS.map((h) => (m === 'blend' ? `**${pct(wape(r.total[m][h]))}**` : pct(wape(r.total[m][h])))).join(' | ')} |`);
  return rows;
}

function beatsNaive(r: EvalResult): boolean {
  return HORIZONS.every((h) => wape(r.total.blend[h]) < wape(r.total.naiveLastWeek[h]) && wape(r.total.blend[h]) < wape(r.total.naiveLast15[h]));
}

function summary(r: EvalResult) {
  return {
    wape: Object.fromEntries(METHODS.map((m) => [m, Object.fromEntries(HORIZONS.map((h) => [h, wape(r.total[m][h])]))])),
    wapeByStream: Object.fromEntries(Object.entries(r.byStream).map(([k, s]) => [k, Object.fromEntries(METHODS.map((m) => [m, Object.fromEntries(HORIZONS.map((h) => [h, wape(s[m][h])]))]))])),
    actualArrivals: Object.fromEntries(HORIZONS.map((h) => [h, r.total.blend[h].actual])),
    ahtHandleSecondsWape: { blend: wape(r.aht.blend), naiveLast60: wape(r.aht.naiveLast60) },
    meanBlendWeights: r.weights,
    origins: r.origins,
    seasonalMissing: r.seasonalMissing,
    blendBeatsBothNaive: beatsNaive(r),
  };
}

function write(name: string, json: unknown, md: string[]): void {
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(json, null, 2) + '\n');
  writeFileSync(path.join(dir, `${name}.md`), md.join('\n') + '\n');
  log(`wrote bench/results/${name}.json and .md`);
}

const dataLine = `data: \`${spec.scenario}\` seed ${spec.seed}, ${new Date(spec.start).toISOString().slice(0, 10)} + 28 days (${data.sim.events.toLocaleString('en-US')} events, ${data.sim.segments.toLocaleString('en-US')} offered segments, 9 queue × channel streams)`;

if (!tune) {
  const validation = evaluate(data, VALIDATION);
  const test = evaluate(data, TEST);
  const m = machine();
  const md = [
    `Command: \`node --import tsx bench/forecast.ts\` · ${machineLine(m)}`,
    '',
    `${dataLine}. Test: week 4 (states built on weeks 1–3, fed week 4 minute by minute), a forecast at every 15th minute of every stream: ${test.origins.toLocaleString('en-US')} forecasts. WAPE = Σ|actual − forecast| ÷ Σ actual over all of them.`,
    '',
    ...table(test),
    '',
    `Blend beats both naive forecasts at every horizon: **${beatsNaive(test) ? 'yes' : 'no'}**. Mean blend weights (recent / seasonal): ${HORIZONS.map((h) => `${h} min ${test.weights[h].recent.toFixed(2)} / ${test.weights[h].seasonal.toFixed(2)}`).join(', ')}.`,
    `AHT (handle seconds of the next 60 min, forecast AHT × handled vs actual): WAPE ${pct(wape(test.aht.blend))}, vs ${pct(wape(test.aht.naiveLast60))} for the last 60 minutes' mean.`,
    '',
    `Training week 3 (states on weeks 1–2), the week the constants were chosen on: blend ${HORIZONS.map((h) => pct(wape(validation.total.blend[h]))).join(' / ')}, seasonal ${HORIZONS.map((h) => pct(wape(validation.total.seasonal[h]))).join(' / ')}, same interval last week ${HORIZONS.map((h) => pct(wape(validation.total.naiveLastWeek[h]))).join(' / ')}, last 15 minutes ${HORIZONS.map((h) => pct(wape(validation.total.naiveLast15[h]))).join(' / ')}.`,
    '',
    '| stream | blend 15 / 30 / 60 min | same interval last week 60 min | last 15 min 60 min |',
    '|---|---|---|---|',
    ...Object.entries(test.byStream).map(([k, s]) => `| ${k} | ${HORIZONS.map((h) => pct(wape(s.blend[h]))).join(' / ')} | ${pct(wape(s.naiveLastWeek[60]))} | ${pct(wape(s.naiveLast15[60]))} |`),
  ];
  console.log(md.join('\n'));
  write('forecast', { command: 'node --import tsx bench/forecast.ts', machine: m, data: { ...spec, sim: data.sim }, options: DEFAULT_FORECAST_OPTIONS, test: summary(test), validation: summary(validation), wallSec: (performance.now() - t0) / 1000 }, md);
} else {
  // Stage by stage, each on the training weeks only: recent flow's constants on recent-only WAPE, the
  // seasonal part's on seasonal-only WAPE, then the blend's weights on the blend's WAPE (mean of the
  // three horizons). weekDecay is not searched: the simulator's weeks are alike by construction, so it
  // cannot tell how fast a real center's profile goes stale.
  const tried: Array<{ stage: string; options: ForecastOptionsInput; score: number; wape: Record<number, number> }> = [];
  const run = (stage: string, options: ForecastOptionsInput, method: Method) => {
    const r = evaluate(data, VALIDATION, options);
    const score = mean(r, method);
    tried.push({ stage, options, score, wape: Object.fromEntries(HORIZONS.map((h) => [h, wape(r.total[method][h])])) });
    log(`${stage} ${JSON.stringify(options)} → ${pct(score)}`);
    return score;
  };
  const best = (stage: string) => tried.filter((t) => t.stage === stage).sort((a, b) => a.score - b.score)[0];

  for (const alpha of [0.02, 0.03, 0.05, 0.08]) {
    for (const beta of [0.005, 0.01, 0.03, 0.06]) {
      for (const phi of [0.97, 0.99, 0.995]) run('recent', { recent: { alpha, beta, phi } }, 'recent');
    }
  }
  const recent = best('recent').options.recent;
  for (const neighbourWeight of [0.15, 0.25, 0.33]) {
    for (const levelPseudoCount of [50, 200, 500]) {
      for (const levelWindowMinutes of [60, 240]) run('seasonal', { recent, seasonal: { neighbourWeight, levelPseudoCount, levelWindowMinutes } }, 'seasonal');
    }
  }
  const seasonal = best('seasonal').options.seasonal;
  for (const recentWeight of [[0.7, 0.5, 0.35, 0.25], [0.5, 0.35, 0.25, 0.15], [0.5, 0.3, 0.2, 0.1], [0.3, 0.2, 0.15, 0.1], [0.15, 0.1, 0.05, 0]]) {
    for (const errorWeighting of [true, false]) run('blend', { recent, seasonal, blend: { recentWeight, errorWeighting } }, 'blend');
  }
  const chosen = best('blend');
  const md = [
    `Command: \`node --import tsx bench/forecast.ts --tune\` · ${machineLine(machine())}`,
    '',
    `${dataLine}. Every candidate is scored on training week 3 with states built on weeks 1–2 (mean WAPE of the 15/30/60-minute horizons); week 4 is not read.`,
    '',
    ...['recent', 'seasonal', 'blend'].flatMap((stage) => {
      const b = best(stage);
      return [`- best ${stage}: \`${JSON.stringify(b.options[stage as 'recent'])}\` → ${HORIZONS.map((h) => pct(b.wape[h])).join(' / ')}`];
    }),
    '',
    `Chosen: \`${JSON.stringify(chosen.options)}\``,
  ];
  console.log(md.join('\n'));
  write('forecast-tune', { command: 'node --import tsx bench/forecast.ts --tune', chosen: chosen.options, tried, wallSec: (performance.now() - t0) / 1000 }, md);
}
