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
  /**
   * Arrivals counted in the last few minutes, the current one included as far as it has gone: windows of
   * `sec` seconds, shortest first. A surge shows here minutes before the forecast (fed settled minutes,
   * smoothed) follows it; see planFor.
   */
  arrivedLately?: ReadonlyArray<{ count: number; sec: number }>;
  /** How long each contact in handling now has been (seconds); absent: not known. */
  handlingAgesSec?: readonly number[];
  /** Seconds since this queue × channel's last event; and the arrivals the forecast expected meanwhile. */
  silentSec: number;
  expectedWhileSilent: number;
  patienceSec?: number;
  concurrency?: number;
  /**
   * Chat only: each extra chat an operator holds slows every one of them by this factor (see
   * staffing/chat.ts); default 1. The server passes recommend.chatEfficiency (see config.ts).
   */
  chatEfficiency?: number;
  /** Plan for the arrivals of a 15-minute interval at this quantile (see plannedPerHour); 0.5 or absent: the forecast mean. */
  planQuantile?: number;
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
  /** A contact in handling this many times the AHT (and at least stuckMinSec) is stuck: a close event lost, or a customer left hanging. */
  stuckAhtMultiple: number;
  stuckMinSec: number;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = { longWaitSec: 120, abandonPct: 10, forecastDeviation: 0.5, silentExpected: 10, maxOccupancy: 0.9, stuckAhtMultiple: 4, stuckMinSec: 600 };

const round1 = (x: number) => Math.round(x * 10) / 10;
const pct = (x: number) => `${round1(x * 100)} %`;

/** Operators needed for the forecast load at the SL target, and the expected metrics with those on it now and with the advice. */
export interface Staffing {
  required: number;
  withNow: QueueMetrics | null;
  withRequired: QueueMetrics;
}

/**
 * Arrivals per hour to plan for: the forecast rate raised to the `quantile` of a 15-minute interval's
 * Poisson arrivals (normal approximation). Staffing for the mean meets the SL target in about half the
 * intervals, since half of them bring more than the mean; the upper quantile is what makes the target
 * hold interval after interval. quantile ≤ 0.5 plans for the mean.
 */
export function plannedPerHour(perHour: number, quantile: number): number {
  const perInterval = perHour / 4;
  const z = quantile > 0.5 ? normalQuantile(quantile) : 0;
  return 4 * (perInterval + z * Math.sqrt(perInterval));
}

/** Φ⁻¹(p) for p in (0.5, 1), Acklam's rational approximation of the upper region and centre (|error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`quantile must be in (0, 1), got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) => {
    const t = Math.sqrt(-2 * Math.log(q));
    return (((((c[0] * t + c[1]) * t + c[2]) * t + c[3]) * t + c[4]) * t + c[5]) / ((((d[0] * t + d[1]) * t + d[2]) * t + d[3]) * t + 1);
  };
  if (p < 0.02425) return tail(p);
  if (p > 1 - 0.02425) return -tail(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** The arrivals of a window are read at the lower end of their one-sided 95 % Poisson interval: a noisy minute does not staff for its peak. */
const SURGE_Z = 1.645;
/** A surge is named only where the rate read from the last minutes is this far above the forecast. */
const SURGE_MIN_RATIO = 1.2;
/**
 * And only where the window's count is this many Poisson deviations, plus SURGE_TEST_MARGIN arrivals,
 * above what the forecast expects in it: three windows re-read at every evaluation test the same noise
 * many times over, and a 95 % bound alone reads a surge from a correct forecast every hour or so.
 */
const SURGE_TEST_Z = 3.5;
const SURGE_TEST_MARGIN = 3;
/** A surge's rate is rounded up to the next step of a 5 % grid: it moves with every arrival, and the staffing search is memoized on it. */
const SURGE_GRID = 1.05;
/** Shortest window read: seconds of arrivals say little of the next minutes. */
const SURGE_MIN_WINDOW_SEC = 30;
/** Fewest arrivals in a window that can make a surge: a handful in a quiet queue is not one. */
const SURGE_MIN_COUNT = 5;
/** Thresholds this long (email, callbacks) absorb a few minutes' surge: their backlog math plans for the forecast. */
const SURGE_MAX_THRESHOLD_SEC = 600;
/** Arrivals expected during a silence (none came) past which no release is advised: P(none | 3 expected) ≈ 5 %. */
const SILENT_HOLD_EXPECTED = 3;
/** A backlog waiting past the SL threshold is planned to be worked off within this many seconds. */
const CATCH_UP_SEC = 300;

/** The arrival rate the staffing plans for, and why: the forecast, or a surge the forecast has not caught up with yet. */
export interface LoadPlan {
  perHour: number;
  basis: 'forecast' | 'surge';
  /** The surge: arrivals counted, over how many seconds, and the rate read from them (when basis is 'surge'). */
  surge?: { count: number; sec: number; perHour: number };
  /** Contacts waiting once the longest of them has waited past the SL threshold, planned as extra arrivals to be worked off within CATCH_UP_SEC. */
  backlog: number;
}

/**
 * The load to staff for now. The forecast, fed minutes once they settle and smoothed (and, with no
 * history, sharing with a prior for its first half hour), follows a surge minutes late; an outage drags it
 * down just before the traffic returns. The arrivals of the last minutes are then the better estimate of
 * the next ones: each window is read at the low end of its 95 % interval (count − 1.645·√count), so that
 * noise does not staff for a lucky peak, and where one is well above the forecast (SURGE_MIN_RATIO) the
 * advice rests on it and says so; a window counts only well past the forecast's noise (SURGE_TEST_Z). A
 * queue already failing its SL (the longest wait past the threshold) also has its backlog to work off:
 * everyone waiting is planned as extra arrivals over CATCH_UP_SEC.
 */
export function planFor(s: Pick<QueueSituation, 'forecast' | 'arrivedLately' | 'waiting' | 'longestWaitSec' | 'sl'>): LoadPlan {
  let perHour = s.forecast.perHour;
  let surge: LoadPlan['surge'];
  if (s.sl.thresholdSec < SURGE_MAX_THRESHOLD_SEC) {
    for (const w of s.arrivedLately ?? []) {
      if (!(w.sec >= SURGE_MIN_WINDOW_SEC) || !(w.count >= SURGE_MIN_COUNT) || !Number.isFinite(w.count) || !Number.isFinite(w.sec)) continue;
      const expected = (s.forecast.perHour * w.sec) / 3600;
      if (!(w.count >= expected + SURGE_TEST_Z * Math.sqrt(expected) + SURGE_TEST_MARGIN)) continue;
      const low = gridUp(((w.count - SURGE_Z * Math.sqrt(w.count)) * 3600) / w.sec);
      if (low > perHour && low > SURGE_MIN_RATIO * s.forecast.perHour) {
        perHour = low;
        surge = { count: w.count, sec: w.sec, perHour: low };
      }
    }
  }
  // the whole queue once its longest wait is past the threshold: the queue is failing, and those behind
  // the longest are on their way past it (the board has the count waiting, not the age of each)
  const backlog = s.waiting > 0 && s.longestWaitSec > s.sl.thresholdSec ? s.waiting : 0;
  return { perHour: perHour + (backlog * 3600) / CATCH_UP_SEC, basis: surge ? 'surge' : 'forecast', surge, backlog };
}

/**
 * The staffing behind a situation, or null with no load forecast: operators required for the planned
 * load (the forecast at `planQuantile`), and the metrics expected at the forecast load with those on it
 * now and with the required ones. The engine memoizes it: it changes only with its inputs.
 */
export function staffingFor(
  s: Pick<QueueSituation, 'model' | 'sl' | 'available' | 'forecast' | 'patienceSec' | 'concurrency' | 'chatEfficiency' | 'planQuantile' | 'thresholds'> & Partial<Pick<QueueSituation, 'arrivedLately' | 'waiting' | 'longestWaitSec'>>,
  plan: LoadPlan = planFor({ waiting: 0, longestWaitSec: 0, ...s }),
): Staffing | null {
  const load = (plan.perHour * s.forecast.ahtSec) / 3600;
  const m = modelInputs(s, load);
  if (!(load > 0) || !m) return null;
  const planned = modelInputs(s, (plannedPerHour(plan.perHour, s.planQuantile ?? 0.5) * s.forecast.ahtSec) / 3600)!;
  const need = requiredAgents(planned.model, planned.inputs as never, s.sl.targetPct, { maxOccupancy: s.thresholds.maxOccupancy });
  const at = (n: number) => modelMetrics(m.model, n, m.inputs as never);
  // the metrics at the forecast load (the requirement's own are at the planned one); none needed, none to show
  return { required: need.agents, withRequired: need.agents > 0 ? at(need.agents) : need.metrics, withNow: s.available > 0 ? at(s.available) : null };
}

/** Every condition about one queue × channel, active or not (an inactive one lets the lifecycle clear its item). */
export function conditionsFor(s: QueueSituation, staffingOf: (s: QueueSituation) => Staffing | null = staffingFor): Condition[] {
  const where = `${s.queue} ${s.channel}`;
  const about = `${s.queue}:${s.channel}`;
  const onPrior = s.forecast.basis === 'prior';
  const out: Condition[] = [];

  // Staffing: operators needed for the load planned (the forecast, or a surge it has not caught up
  // with, plus a backlog to work off) at the SL target, against those on it now.
  const plan = planFor(s);
  const staffing = staffingOf(s);
  const basisNote = onPrior && plan.basis === 'forecast' ? ' (forecast from priors: no history for this queue yet)' : '';
  const numbers = staffing && {
    forecastPerHour: round1(s.forecast.perHour),
    plannedPerHour: round1(plan.perHour),
    ahtSec: round1(s.forecast.ahtSec),
    required: staffing.required,
    available: s.available,
    expectedSlPctNow: staffing.withNow ? round1(staffing.withNow.serviceLevel * 100) : 0,
    expectedSlPctWithAdvice: round1(staffing.withRequired.serviceLevel * 100),
    basis: plan.basis === 'surge' ? 'surge' : s.forecast.basis,
    ...(plan.surge && { surgePerHour: round1(plan.surge.perHour), surgeWindowSec: Math.round(plan.surge.sec) }),
    backlog: plan.backlog,
    onPrior,
  };
  const load = plan.surge
    ? `${plan.surge.count} arrivals in the last ${Math.round(plan.surge.sec / 60) || 1} min (at least ${round1(plan.surge.perHour)}/h, forecast ${round1(s.forecast.perHour)}/h)`
    : `forecast ${round1(s.forecast.perHour)}/h`;
  const backlogNote = plan.backlog > 0 ? ` and ${plan.backlog} waiting (the longest ${Math.round(s.longestWaitSec)} s, past ${s.sl.thresholdSec} s) to work off` : '';
  const gap = staffing ? staffing.required - s.available : 0;
  const slNow = s.recent.slPct;
  const missing = slNow !== null && s.recent.offered >= 5 && slNow < s.sl.targetPct;
  out.push({
    key: `staffing-add:${about}`,
    kind: 'staffing-add',
    active: gap > 0,
    severity: gap > 0 && (missing || !staffing?.withNow || staffing.withNow.serviceLevel * 100 < s.sl.targetPct - 15) ? 'critical' : 'warning',
    reason: staffing
      ? `${where}: add ${gap} operator${gap === 1 ? '' : 's'} now — ${load} at AHT ${Math.round(s.forecast.ahtSec)} s${backlogNote} needs ${staffing.required} for ${s.sl.targetPct} % in ${s.sl.thresholdSec} s; ${s.available} on it, expected SL ${numbers!.expectedSlPctNow} % now, ${numbers!.expectedSlPctWithAdvice} % with them${basisNote}`
      : `${where}: no load forecast`,
    data: { ...numbers, add: Math.max(0, gap) },
  });
  // Release only with a clear surplus and SL comfortably met, and then half of it: the forecast may be
  // low for a while, and operators sent away are slow to bring back, so advice does not swing back and forth.
  // Never in a surge, nor while a channel is silent against its forecast: a gap of arrivals is as often
  // an outage upstream, and its customers come back all at once.
  const surplus = staffing ? s.available - staffing.required : 0;
  const comfortably = slNow === null || slNow >= s.sl.targetPct + 5;
  const silent = !onPrior && s.expectedWhileSilent >= SILENT_HOLD_EXPECTED;
  const release = staffing !== null && surplus >= Math.max(2, Math.ceil(staffing.required * 0.2)) && comfortably && s.waiting === 0 && plan.basis === 'forecast' && !silent;
  const releaseN = Math.max(1, Math.floor(surplus / 2));
  out.push({
    key: `staffing-release:${about}`,
    kind: 'staffing-release',
    active: release,
    severity: 'info',
    reason: `${where}: ${releaseN} operator${releaseN === 1 ? '' : 's'} could be released — ${staffing?.required ?? 0} cover the ${load} at ${s.sl.targetPct} % in ${s.sl.thresholdSec} s; ${s.available} on it${basisNote}`,
    data: { ...numbers, release: release ? releaseN : 0, surplus: Math.max(0, surplus) },
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
  const stuckAfterSec = Math.max(s.thresholds.stuckMinSec, s.thresholds.stuckAhtMultiple * s.forecast.ahtSec);
  const stuck = (s.handlingAgesSec ?? []).filter((a) => a > stuckAfterSec);
  const oldest = stuck.length ? Math.max(...stuck) : 0;
  out.push({
    key: `stuck:${about}`,
    kind: 'stuck',
    active: stuck.length > 0,
    severity: 'warning',
    reason: `${where}: ${stuck.length} contact${stuck.length === 1 ? '' : 's'} in handling for over ${Math.round(stuckAfterSec / 60)} min (${s.thresholds.stuckAhtMultiple}× the AHT), the oldest ${Math.round(oldest / 60)} min — a close event lost, or a customer left hanging?`,
    data: { stuck: stuck.length, oldestSec: Math.round(oldest), stuckAfterSec: Math.round(stuckAfterSec) },
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
function modelInputs(s: Pick<QueueSituation, 'model' | 'sl' | 'forecast' | 'patienceSec' | 'concurrency' | 'chatEfficiency'>, loadErlangs: number): { model: StaffingModel; inputs: object } | null {
  if (!(s.forecast.ahtSec > 0)) return null;
  const traffic = { loadErlangs, ahtSec: s.forecast.ahtSec, slSec: s.sl.thresholdSec };
  const patience = s.patienceSec && s.patienceSec > 0 ? { patienceSec: s.patienceSec } : null;
  if (s.model === 'chat') return { model: 'chat', inputs: { ...traffic, concurrency: s.concurrency ?? 1, slowdown: s.chatEfficiency ?? 1, ...patience } };
  if (s.model === 'erlang-a' && patience) return { model: 'erlang-a', inputs: { ...traffic, ...patience } };
  return { model: 'erlang-c', inputs: traffic };
}

/** `x` rounded up to the next power of SURGE_GRID (x > 0). */
function gridUp(x: number): number {
  return x > 0 ? SURGE_GRID ** Math.ceil(Math.log(x) / Math.log(SURGE_GRID) - 1e-9) : x;
}
