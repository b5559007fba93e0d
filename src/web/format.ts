/**
 * Pure formatting helpers for the live dashboard. No DOM access here, so they are unit-tested in Node.
 */

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
  if (total < 60) return `${total} s`;
  if (total < 3600) return `${Math.floor(total / 60)} m ${pad2(total % 60)} s`;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  return `${h} h ${pad2(m)} m`;
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

/** Traffic-light level of a service level: green ≥ 80, amber 60–80, red < 60, grey when there is no data. */
export function slLevel(pct: number | null | undefined): SlLevel {
  if (!isNum(pct)) return 'none';
  if (pct >= 80) return 'good';
  if (pct >= 60) return 'warn';
  return 'bad';
}

/** Word that goes with the level, so the state is not told by colour alone. */
export function slLevelText(level: SlLevel): string {
  switch (level) {
    case 'good':
      return 'on target';
    case 'warn':
      return 'at risk';
    case 'bad':
      return 'below target';
    default:
      return 'no data';
  }
}

/** Longest wait above this many seconds is highlighted. */
export const LONG_WAIT_SEC = 60;

export function isLongWait(sec: number | null | undefined): boolean {
  return isNum(sec) && sec > LONG_WAIT_SEC;
}

/** Wall clock `HH:MM:SS`, 24 h, local time. */
export function formatClock(d: Date): string {
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
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
  if (known) return known;
  return channel.length ? channel[0].toUpperCase() + channel.slice(1) : channel;
}

/** Severity words for advice and alerts, so a severity is not told by colour alone. A Map: values come from the wire. */
const SEVERITY_TEXT: ReadonlyMap<string, string> = new Map([
  ['critical', 'Critical'],
  ['warning', 'Warning'],
  ['info', 'Info'],
]);

export function severityText(severity: string): string {
  return SEVERITY_TEXT.get(severity) ?? 'Info';
}

const ADVICE_KIND_LABELS: ReadonlyMap<string, string> = new Map([
  ['staffing-add', 'Add operators'],
  ['staffing-release', 'Release operators'],
  ['sl-under-target', 'SL under target'],
  ['long-wait', 'Long wait'],
  ['abandon-high', 'High abandon'],
  ['off-forecast', 'Off forecast'],
  ['channel-silent', 'Channel silent'],
]);

/** Short label of a kind of advice; a kind this dashboard does not know is shown as sent, dashes as spaces. */
export function adviceKindLabel(kind: string): string {
  const known = ADVICE_KIND_LABELS.get(kind);
  if (known) return known;
  const words = kind.replace(/-/g, ' ');
  return words.length ? words[0].toUpperCase() + words.slice(1) : words;
}
