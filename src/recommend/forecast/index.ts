/**
 * Arrival and AHT forecasts per queue × channel for the recommendation engine: recent flow (damped
 * Holt), a weekday × 15-minute seasonal profile scaled by today's level, and their blend by horizon and
 * tracked error, with configured / channel-wide priors for a cold start. Pure functions, no I/O.
 */
export { forecast, DEFAULT_HORIZONS_MINUTES } from './forecast.js';
export { createForecastState, observeMinute, observeEmpty, observeGap, type ForecastState } from './state.js';
export { buildForecastState, type ForecastHistory } from './build.js';
export { DEFAULT_FORECAST_OPTIONS, LEAD_SLOTS, resolveOptions, type ForecastOptions, type ForecastOptionsInput } from './options.js';
export { ForecastInputError } from './errors.js';
export { cellFromCounters } from './cells.js';
export type {
  AhtForecast,
  ArrivalsForecast,
  Basis,
  BlendWeights,
  Forecast,
  ForecastPriors,
  HorizonForecast,
  MinuteCell,
  PriorSource,
} from './types.js';
