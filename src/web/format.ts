/**
 * Pure formatting helpers for the live dashboard. No DOM access here, so they are unit-tested in Node.
 */

import { t } from './i18n.js';
import { clockIn } from '../metrics/time-zone.js';

/** What the dashboard shows for a metric with no data. */
export const NONE = '—';

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

const isNum = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * A duration in seconds for people: `42 s`, `3 m 05 s`, `1 h 02 m`. Rounded to whole seconds,
 * negative values clamp to 0, null/undefined/NaN give `—`.
 */
export function formatDuration(sec: number | null | undefined): string {
  if (!isNum(sec)) return NONE;
  const total = Math.max(0, Math.round(sec));
  if (total < 60) return t('{s} s', { s: total });
  if (total < 3600) return t('{m} m {s} s', { m: Math.floor(total / 60), s: pad2(total % 60) });
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  return t('{h} h {m} m', { h, m: pad2(m) });
}

/** A whole percentage, `87%`; values are clamped to 0..100. */
export function formatPct(pct: number | null | undefined): string {
  if (!isNum(pct)) return NONE;
  return `${Math.round(clampPct(pct))}%`;
}

/**
 * A percentage that is usually small (abandon rate): one decimal below 10 (`2.5%`), whole above.
 * Drops a trailing `.0` so `0%` and `3%` stay short.
 */
export function formatSmallPct(pct: number | null | undefined): string {
  if (!isNum(pct)) return NONE;
  const p = clampPct(pct);
  if (p >= 9.95) return `${Math.round(p)}%`;
  const r = Math.round(p * 10) / 10;
  return `${Number.isInteger(r) ? r.toFixed(0) : r.toFixed(1)}%`;
}

/** A count: `7`, `12,480`; null gives `—`. */
export function formatCount(n: number | null | undefined): string {
  if (!isNum(n)) return NONE;
  const v = Math.round(n);
  const s = String(Math.abs(v)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return v < 0 ? `-${s}` : s;
}

function clampPct(p: number): number {
  return p < 0 ? 0 : p > 100 ? 100 : p;
}

export type SlLevel = 'good' | 'warn' | 'bad' | 'none';

/** Points below the target that are still amber (at risk) rather than red. */
export const AT_RISK_BAND_PCT = 20;

/**
 * Traffic-light level of a service level against its target (the queue's own, sent with each tile):
 * green at or above it, amber up to 20 points below, red further below, grey when there is no data.
 */
export function slLevel(pct: number | null | undefined, targetPct = 80): SlLevel {
  if (!isNum(pct)) return 'none';
  if (pct >= targetPct) return 'good';
  if (pct >= targetPct - AT_RISK_BAND_PCT) return 'warn';
  return 'bad';
}

/** Word that goes with the level, so the state is not told by colour alone. */
export function slLevelText(level: SlLevel): string {
  switch (level) {
    case 'good':
      return t('on target');
    case 'warn':
      return t('at risk');
    case 'bad':
      return t('below target');
    default:
      return t('no data');
  }
}

/** A wait longer than the tile's own long-wait threshold (its targets.longWaitSec, as the advisor's alarm uses) is highlighted. */
export function isLongWait(sec: number | null | undefined, thresholdSec: number): boolean {
  return isNum(sec) && sec > thresholdSec;
}

/** The center's time zone (the server's `timeZone`, sent with each snapshot); null: the browser's own. */
let displayTimeZone: string | null = null;

/** Shows times in `tz` from now on (a zone the browser does not know is ignored). */
export function setDisplayTimeZone(tz: string | undefined): void {
  if (!tz || tz === displayTimeZone) return;
  try {
    clockIn(0, tz);
    displayTimeZone = tz;
  } catch {
    /* the browser's zone data lacks it: local time */
  }
}

/** Wall clock `HH:MM:SS`, 24 h, in the center's time zone (the browser's until the server names it). */
export function formatClock(d: Date): string {
  if (displayTimeZone) return clockIn(d.getTime(), displayTimeZone);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** A moment as `YYYY-MM-DD HH:MM:SS` in the center's time zone (the browser's until the server names it). */
export function formatDateTime(d: Date): string {
  const zone = displayTimeZone ?? undefined;
  const parts = new Map(new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(d).map((p) => [p.type, p.value]));
  return `${parts.get('year')}-${parts.get('month')}-${parts.get('day')} ${formatClock(d)}`;
}

/** Channel names come from events: a Map, so a custom channel named `constructor` is not Object's. */
const CHANNEL_LABELS: ReadonlyMap<string, string> = new Map([
  ['voice', 'Voice'],
  ['telegram', 'Telegram'],
  ['vk', 'VK'],
  ['whatsapp', 'WhatsApp'],
  ['webchat', 'Web chat'],
  ['cabinet', 'Cabinet'],
  ['email', 'Email'],
]);

/** Display name of a channel; custom channels are shown as configured, first letter capitalised. */
export function channelLabel(channel: string): string {
  const known = CHANNEL_LABELS.get(channel);
  if (known) return t(known);
  return channel.length ? channel[0].toUpperCase() + channel.slice(1) : channel;
}

/** Severity words for advice and alerts, so a severity is not told by colour alone. A Map: values come from the wire. */
const SEVERITY_TEXT: ReadonlyMap<string, string> = new Map([
  ['critical', 'Critical'],
  ['warning', 'Warning'],
  ['info', 'Info'],
]);

export function severityText(severity: string): string {
  return t(SEVERITY_TEXT.get(severity) ?? 'Info');
}

const ADVICE_KIND_LABELS: ReadonlyMap<string, string> = new Map([
  ['staffing-add', 'Add operators'],
  ['staffing-release', 'Release operators'],
  ['sl-under-target', 'SL under target'],
  ['long-wait', 'Long wait'],
  ['abandon-high', 'High abandon'],
  ['off-forecast', 'Off forecast'],
  ['channel-silent', 'Channel silent'],
  ['stuck', 'Stuck in handling'],
  ['staffing-move', 'Move operators'],
  ['aht-outlier', 'Handle time'],
  ['campaign-slow-down', 'Slow the campaign'],
  ['campaign-speed-up', 'Speed up the campaign'],
]);

/** Short label of a kind of advice; a kind this dashboard does not know is shown as sent, dashes as spaces. */
export function adviceKindLabel(kind: string): string {
  const known = ADVICE_KIND_LABELS.get(kind);
  if (known) return t(known);
  const words = kind.replace(/-/g, ' ');
  return words.length ? words[0].toUpperCase() + words.slice(1) : words;
}

// ---- live what-if --------------------------------------------------------------------------------

/** A band of percentiles, as POST /v1/whatif sends them. */
export interface PctBand {
  p10: number;
  p50: number;
  p90: number;
}

const wholePct = (v: number): number => Math.round(clampPct(v));

/**
 * A simulated percentage with its band: `84 % (78–90 %)` (median, then 10th–90th percentile), `100 %`
 * when the band is one number, `—` when there is none (no wait ended in the step).
 */
export function formatPctBand(band: PctBand | null | undefined): string {
  if (!band || !isNum(band.p50)) return NONE;
  const mid = wholePct(band.p50);
  if (!isNum(band.p10) || !isNum(band.p90)) return `${mid} %`;
  const lo = wholePct(Math.min(band.p10, band.p90));
  const hi = wholePct(Math.max(band.p10, band.p90));
  return lo === hi ? `${mid} %` : `${mid} % (${lo}–${hi} %)`;
}

/** What a staffing what-if proposes, for people: `Add 3 now`, `Release 2 now`. */
export function whatIfActionText(action: { action: 'add' | 'release'; n: number }): string {
  return t(action.action === 'add' ? 'Add {n} now' : 'Release {n} now', { n: action.n });
}

/** A simulated step as the answer line reads it: its SL band, and who waits at its end. */
export interface WhatIfStepLike {
  slPct: PctBand | null;
  waiting?: PctBand | null;
}

/**
 * SL of a simulated step for the answer line: ` ≈ 84 % (78–90 %)`; when no wait ended in the step (SL
 * null), what that means: `: none answered, 12 waiting` or `: no contacts`; ` ≈ —` when there is no step.
 */
function stepSl(step: WhatIfStepLike | null): string {
  if (!step) return ` ≈ ${NONE}`;
  if (step.slPct) return ` ≈ ${formatPctBand(step.slPct)}`;
  const w = step.waiting && isNum(step.waiting.p50) ? Math.round(step.waiting.p50) : 0;
  return w > 0 ? `: none answered, ${formatCount(w)} waiting` : ': no contacts';
}

/**
 * The answer of a what-if in one line, in two parts so the view can colour them like the curve's two lines:
 * `Add 3 now → SL in 30 min ≈ 84 % (78–90 %)` and `, as things stand ≈ 61 % (50–70 %)`.
 */
export function whatIfLine(
  action: { action: 'add' | 'release'; n: number },
  withAction: WhatIfStepLike | null,
  asThingsStand: WhatIfStepLike | null,
  minute = 30,
): { lead: string; tail: string; text: string } {
  const lead = `${whatIfActionText(action)} → SL in ${minute} min${stepSl(withAction)}`;
  const tail = `, as things stand${stepSl(asThingsStand)}`;
  return { lead, tail, text: lead + tail };
}

/**
 * An SVG path `d` of a curve of percentages over the hour ahead, in a `width` × `height` box: x is the
 * minute (0 at the left edge, `horizon` at the right), y is 100 % at the top and 0 % at the bottom, inset by
 * `pad`. A null point breaks the line; a point alone is a zero-length segment (a dot with round caps).
 */
export function curvePath(
  points: ReadonlyArray<{ minute: number; slPct: number | null }>,
  width: number,
  height: number,
  horizon = 60,
  pad = 2,
): string {
  const r = (v: number): string => String(Math.round(v * 10) / 10);
  const parts: string[] = [];
  let inRun = false;
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (!isNum(p.slPct) || !isNum(p.minute)) {
      inRun = false;
      continue;
    }
    const x = r((Math.min(Math.max(p.minute, 0), horizon) / horizon) * width);
    const y = r(pad + (1 - clampPct(p.slPct) / 100) * (height - 2 * pad));
    if (inRun) parts.push(`L${x} ${y}`);
    else {
      parts.push(`M${x} ${y}`);
      const next = points[i + 1];
      if (!next || !isNum(next.slPct)) parts.push('h0');
    }
    inRun = true;
  }
  return parts.join(' ');
}
