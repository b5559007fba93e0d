/**
 * The trend charts' data (pure, no DOM): the history rows of GET /v1/metrics (one scope, 5-minute
 * slots) and the forecast of GET /v1/forecast, laid on one time axis from `from` to an hour past `now`
 * (the forecast's hour ahead). uPlot takes columns: x in seconds, then one array per series, null where
 * a series has no value.
 */

/** A row of GET /v1/metrics as the charts read it. */
export interface TrendRow {
  bucket?: string;
  offered: number;
  missed: number;
  qa: number;
  slPct: number | null;
}

/** One stream of GET /v1/forecast: 15-minute slots, arrivals expected in each. */
export interface ForecastSlots {
  queue: string;
  channel: string;
  past: ReadonlyArray<{ from: string; arrivals: number }>;
  ahead: ReadonlyArray<{ from: string; arrivals: number }>;
}

export interface TrendData {
  /** Slot starts, epoch seconds. */
  x: number[];
  /** Appeals offered in the slot; null ahead of now. */
  arrivals: Array<number | null>;
  /** Appeals the forecast expected in the slot (its 15-minute slot's share); null where it has none. */
  expected: Array<number | null>;
  /** SL % of the slot; null where nothing was judged or ahead of now. */
  sl: Array<number | null>;
  /** Appeals open (waiting or in handling) at the slot's end; null ahead of now. */
  open: Array<number | null>;
  /** Appeals abandoned in the slot; null ahead of now. */
  abandoned: Array<number | null>;
}

export const TREND_SLOT_MS = 5 * 60_000;
const FORECAST_SLOT_MS = 15 * 60_000;

/**
 * The forecasts of a scope, summed by 15-minute slot: the streams of `queue` × `channel` (either
 * null: all). What was expected of a past slot comes from `past`; the slots still to come from `ahead`
 * (a slot in both, the current one, takes `past`: what was expected when it began).
 */
export function expectedBySlot(streams: readonly ForecastSlots[], queue: string | null, channel: string | null): Map<number, number> {
  const past = new Map<number, number>();
  const ahead = new Map<number, number>();
  for (const s of streams) {
    if ((queue !== null && s.queue !== queue) || (channel !== null && s.channel !== channel)) continue;
    for (const p of s.past) add(past, Date.parse(p.from), p.arrivals);
    for (const p of s.ahead) add(ahead, Date.parse(p.from), p.arrivals);
  }
  const out = new Map(past);
  // the hour ahead starts at the last evaluated minute, not on a slot edge: spread it over the edges
  for (const [from, n] of ahead) {
    const slot = from - (from % FORECAST_SLOT_MS);
    const intoFirst = (slot + FORECAST_SLOT_MS - from) / FORECAST_SLOT_MS;
    if (!past.has(slot)) add(out, slot, n * intoFirst);
    if (intoFirst < 1) add(out, slot + FORECAST_SLOT_MS, n * (1 - intoFirst));
  }
  return out;
}

function add(m: Map<number, number>, k: number, v: number): void {
  if (Number.isFinite(k) && Number.isFinite(v)) m.set(k, (m.get(k) ?? 0) + v);
}

/** The columns from `from` (a 5-minute edge) to an hour past `now`. */
export function trendData(rows: readonly TrendRow[], expected: ReadonlyMap<number, number>, from: number, now: number): TrendData {
  const start = from - (from % TREND_SLOT_MS);
  const end = now - (now % TREND_SLOT_MS) + 60 * 60_000;
  const byBucket = new Map<number, TrendRow>();
  for (const r of rows) {
    const t = r.bucket === undefined ? NaN : Date.parse(r.bucket);
    if (Number.isFinite(t)) byBucket.set(t, r);
  }
  const d: TrendData = { x: [], arrivals: [], expected: [], sl: [], open: [], abandoned: [] };
  for (let t = start; t <= end; t += TREND_SLOT_MS) {
    const r = byBucket.get(t);
    const past = t <= now;
    d.x.push(t / 1000);
    d.arrivals.push(past ? (r?.offered ?? 0) : null);
    d.sl.push(past ? (r?.slPct ?? null) : null);
    d.open.push(past ? (r?.qa ?? null) : null);
    d.abandoned.push(past ? (r?.missed ?? 0) : null);
    const slot = t - (t % FORECAST_SLOT_MS);
    const e = expected.get(slot);
    d.expected.push(e === undefined ? null : Math.round((e * TREND_SLOT_MS * 100) / FORECAST_SLOT_MS) / 100);
  }
  // the open count carries over slots with no row (nothing happened: the count did not change)
  let last: number | null = null;
  for (let i = 0; i < d.x.length; i++) {
    if (d.x[i] * 1000 > now) break;
    if (d.open[i] === null) d.open[i] = last;
    else last = d.open[i];
  }
  return d;
}

/** Sums of a column, for the charts' captions and the tests: nulls skipped. */
export function total(xs: ReadonlyArray<number | null>): number {
  let n = 0;
  for (const x of xs) if (x !== null) n += x;
  return Math.round(n * 100) / 100;
}

/**
 * The tiles' trend lines before the page opened: per queue × channel (keyed by `keyOf`), the appeals
 * open at the end of each minute from `from` to `now`, from GET /v1/metrics rows by queue and channel
 * a minute apart. A minute with no row kept the count it had; a pair starts at its first row.
 */
export function sparkPoints(
  rows: ReadonlyArray<TrendRow & { queue?: string; channel?: string }>,
  from: number,
  now: number,
  keyOf: (queue: string, channel: string) => string,
): Map<string, Array<{ t: number; v: number }>> {
  const byKey = new Map<string, Map<number, number>>();
  for (const r of rows) {
    const t = r.bucket === undefined ? NaN : Date.parse(r.bucket);
    if (!Number.isFinite(t) || r.queue === undefined || r.channel === undefined) continue;
    const key = keyOf(r.queue, r.channel);
    let m = byKey.get(key);
    if (!m) byKey.set(key, (m = new Map()));
    m.set(t, r.qa);
  }
  const out = new Map<string, Array<{ t: number; v: number }>>();
  const start = from - (from % 60_000);
  for (const [key, m] of byKey) {
    const pts: Array<{ t: number; v: number }> = [];
    let last: number | null = null;
    for (let t = start; t + 60_000 <= now; t += 60_000) {
      const v = m.get(t);
      if (v !== undefined) last = v;
      if (last !== null) pts.push({ t: t + 60_000, v: last });
    }
    out.set(key, pts);
  }
  return out;
}
