/**
 * What to tell a supervisor about one queue × channel now: staffing advice (add or release operators)
 * and alerts, as lifecycle conditions (see ../lifecycle). Pure: the engine gathers the situation (live
 * tile, forecast, settings) and hands it here.
 *
 * Each condition says why in plain language, with the numbers behind it, and whether it rests on a
 * prior (no history yet) rather than on this queue's own traffic.
 */
import type { Condition, Severity } from '../lifecycle/lifecycle.js';
import { modelMetrics, requiredAgents, type StaffingModel } from '../staffing/required.js';
import type { QueueMetrics } from '../staffing/types.js';

export interface QueueSituation {
  queue: string;
  channel: string;
  /** How the channel is staffed: one contact at a time (erlang-a, or erlang-c without abandonment data), or chats. */
  model: StaffingModel;
  /** The queue's SL target: `targetPct` % answered within `thresholdSec`. */
  sl: { targetPct: number; thresholdSec: number };
  /** The last 15 minutes, as the live view has them. */
  recent: { offered: number; slPct: number | null; abandonPct: number | null };
  /** Now: who waits and for how long. */
  waiting: number;
  longestWaitSec: number;
  /** Operators on this queue × channel now (ready + busy; one skilled on several queues counts on each). */
  available: number;
  /** Forecast for the next 30 minutes. */
  forecast: { perHour: number; ahtSec: number; basis: 'prior' | 'recent' | 'seasonal' | 'blend' };
  /** Arrivals the forecast expected over the last 15 minutes (to compare with recent.offered). */
  expectedLast15: number;
  /** Seconds since this queue × channel's last event; and the arrivals the forecast expected meanwhile. */
  silentSec: number;
  expectedWhileSilent: number;
  patienceSec?: number;
  concurrency?: number;
  thresholds: AlertThresholds;
}

export interface AlertThresholds {
  longWaitSec: number;
  abandonPct: number;
  /** Relative distance of actual arrivals from the forecast that raises an alert (0.5 = ±50 %). */
  forecastDeviation: number;
  /** Arrivals expected while nothing came in that make the silence an outage. */
  silentExpected: number;
  maxOccupancy: number;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = { longWaitSec: 120, abandonPct: 10, forecastDeviation: 0.5, silentExpected: 10, maxOccupancy: 0.9 };

const round1 = (x: number) => Math.round(x * 10) / 10;
const pct = (x: number) => `${round1(x * 100)} %`;

/** Operators needed for the forecast load at the SL target, and the expected metrics with those on it now and with the advice. */
export interface Staffing {
  required: number;
  withNow: QueueMetrics | null;
  withRequired: QueueMetrics;
}

/** The staffing behind a situation, or null with no load forecast. The engine memoizes it: it changes only with its inputs. */
export function staffingFor(s: Pick<QueueSituation, 'model' | 'sl' | 'available' | 'forecast' | 'patienceSec' | 'concurrency' | 'thresholds'>): Staffing | null {
  const load = (s.forecast.perHour * s.forecast.ahtSec) / 3600;
  const m = modelInputs(s, load);
  if (!(load > 0) || !m) return null;
  const need = requiredAgents(m.model, m.inputs as never, s.sl.targetPct, { maxOccupancy: s.thresholds.maxOccupancy });
  return { required: need.agents, withRequired: need.metrics, withNow: s.available > 0 ? modelMetrics(m.model, s.available, m.inputs as never) : null };
}

/** Every condition about one queue × channel, active or not (an inactive one lets the lifecycle clear its item). */
export function conditionsFor(s: QueueSituation, staffingOf: (s: QueueSituation) => Staffing | null = staffingFor): Condition[] {
  const where = `${s.queue} ${s.channel}`;
  const about = `${s.queue}:${s.channel}`;
  const onPrior = s.forecast.basis === 'prior';
  const out: Condition[] = [];

  // Staffing: operators needed for the forecast load at the SL target, against those on it now.
  const staffing = staffingOf(s);
  const basisNote = onPrior ? ' (forecast from priors: no history for this queue yet)' : '';
  const numbers = staffing && {
    forecastPerHour: round1(s.forecast.perHour),
    ahtSec: round1(s.forecast.ahtSec),
    required: staffing.required,
    available: s.available,
    expectedSlPctNow: staffing.withNow ? round1(staffing.withNow.serviceLevel * 100) : 0,
    expectedSlPctWithAdvice: round1(staffing.withRequired.serviceLevel * 100),
    basis: s.forecast.basis,
    onPrior,
  };
  const gap = staffing ? staffing.required - s.available : 0;
  const slNow = s.recent.slPct;
  const missing = slNow !== null && s.recent.offered >= 5 && slNow < s.sl.targetPct;
  out.push({
    key: `staffing-add:${about}`,
    kind: 'staffing-add',
    active: gap > 0,
    severity: gap > 0 && (missing || !staffing?.withNow || staffing.withNow.serviceLevel * 100 < s.sl.targetPct - 15) ? 'critical' : 'warning',
    reason: staffing
      ? `${where}: add ${gap} operator${gap === 1 ? '' : 's'} now — forecast ${round1(s.forecast.perHour)}/h at AHT ${Math.round(s.forecast.ahtSec)} s needs ${staffing.required} for ${s.sl.targetPct} % in ${s.sl.thresholdSec} s; ${s.available} on it, expected SL ${numbers!.expectedSlPctNow} % now, ${numbers!.expectedSlPctWithAdvice} % with them${basisNote}`
      : `${where}: no load forecast`,
    data: { ...numbers, add: Math.max(0, gap) },
  });
  // Release only with a clear surplus and SL comfortably met, so advice does not swing back and forth.
  const surplus = staffing ? s.available - staffing.required : 0;
  const comfortably = slNow === null || slNow >= s.sl.targetPct + 5;
  const release = staffing !== null && surplus >= Math.max(2, Math.ceil(staffing.required * 0.2)) && comfortably && s.waiting === 0;
  out.push({
    key: `staffing-release:${about}`,
    kind: 'staffing-release',
    active: release,
    severity: 'info',
    reason: `${where}: ${surplus} operator${surplus === 1 ? '' : 's'} could be released — ${staffing?.required ?? 0} cover the forecast ${round1(s.forecast.perHour)}/h at ${s.sl.targetPct} % in ${s.sl.thresholdSec} s; ${s.available} on it${basisNote}`,
    data: { ...numbers, release: Math.max(0, surplus) },
  });

  // Alerts on what is happening now.
  out.push({
    key: `sl-under-target:${about}`,
    kind: 'sl-under-target',
    active: missing,
    severity: slNow !== null && slNow < s.sl.targetPct - 20 ? 'critical' : 'warning',
    reason: `${where}: SL ${slNow ?? '—'} % over the last 15 minutes, target ${s.sl.targetPct} % in ${s.sl.thresholdSec} s`,
    data: { slPct: slNow, targetPct: s.sl.targetPct, offered: s.recent.offered },
  });
  out.push({
    key: `long-wait:${about}`,
    kind: 'long-wait',
    active: s.waiting > 0 && s.longestWaitSec > s.thresholds.longWaitSec,
    severity: s.longestWaitSec > 3 * s.thresholds.longWaitSec ? 'critical' : 'warning',
    reason: `${where}: the longest wait is ${Math.round(s.longestWaitSec)} s (threshold ${s.thresholds.longWaitSec} s), ${s.waiting} waiting`,
    data: { longestWaitSec: Math.round(s.longestWaitSec), thresholdSec: s.thresholds.longWaitSec, waiting: s.waiting },
  });
  const ab = s.recent.abandonPct;
  out.push({
    key: `abandon-high:${about}`,
    kind: 'abandon-high',
    active: ab !== null && s.recent.offered >= 5 && ab > s.thresholds.abandonPct,
    severity: ab !== null && ab > 2 * s.thresholds.abandonPct ? 'critical' : 'warning',
    reason: `${where}: ${ab ?? '—'} % abandoned over the last 15 minutes (threshold ${s.thresholds.abandonPct} %)`,
    data: { abandonPct: ab, thresholdPct: s.thresholds.abandonPct, offered: s.recent.offered },
  });
  const expected = s.expectedLast15;
  const deviation = expected > 0 ? (s.recent.offered - expected) / expected : 0;
  out.push({
    key: `off-forecast:${about}`,
    kind: 'off-forecast',
    // only where the forecast rests on history, and on enough traffic for a difference to mean something
    active: !onPrior && Math.max(expected, s.recent.offered) >= 10 && Math.abs(deviation) > s.thresholds.forecastDeviation,
    severity: 'info',
    reason: `${where}: ${s.recent.offered} arrivals in the last 15 minutes against ${round1(expected)} forecast (${deviation >= 0 ? '+' : ''}${pct(deviation)})`,
    data: { offered: s.recent.offered, expected: round1(expected), deviation: round1(deviation * 100) / 100 },
  });
  out.push({
    key: `channel-silent:${about}`,
    kind: 'channel-silent',
    active: !onPrior && s.expectedWhileSilent >= s.thresholds.silentExpected,
    severity: 'critical' as Severity,
    reason: `${where}: nothing for ${Math.round(s.silentSec / 60)} min while ${round1(s.expectedWhileSilent)} arrivals were expected — is the integration down?`,
    data: { silentSec: Math.round(s.silentSec), expected: round1(s.expectedWhileSilent) },
  });
  return out;
}

/** The model's inputs; Erlang A without a measured patience falls back to Erlang C (nobody abandons: the cautious side). */
function modelInputs(s: Pick<QueueSituation, 'model' | 'sl' | 'forecast' | 'patienceSec' | 'concurrency'>, loadErlangs: number): { model: StaffingModel; inputs: object } | null {
  if (!(s.forecast.ahtSec > 0)) return null;
  const traffic = { loadErlangs, ahtSec: s.forecast.ahtSec, slSec: s.sl.thresholdSec };
  const patience = s.patienceSec && s.patienceSec > 0 ? { patienceSec: s.patienceSec } : null;
  if (s.model === 'chat') return { model: 'chat', inputs: { ...traffic, concurrency: s.concurrency ?? 1, ...patience } };
  if (s.model === 'erlang-a' && patience) return { model: 'erlang-a', inputs: { ...traffic, ...patience } };
  return { model: 'erlang-c', inputs: traffic };
}
