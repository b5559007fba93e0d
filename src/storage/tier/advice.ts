/**
 * Which storage tier a center needs, from what it measures (seed 000_60827b997bd55d19.txt, "Оценка
 * нагруженности КЦ" and "Рекомендации по выбору тира"). Pure.
 *
 * The seed's reasoning: an operator on voice holds one customer, on other channels at most three; a
 * customer makes at most three events a minute; so an operator makes at most ~10 events a minute, one
 * every 6 seconds. Centers come in three tiers by operators working at once, 1–60, 61–240 and 241–1,000+,
 * that is up to 10, 40 and 150+ events a second, and 6.0M, 24.2M and 90.7M events a week. Insert speed
 * in a full database can differ by orders of magnitude from an empty one, so each tier has its store:
 * PostgreSQL (with events archived after a week), TimescaleDB, ClickHouse. For most centers the seed
 * recommends tier 2 (TimescaleDB: close to ClickHouse's insert speed without leaving PostgreSQL); tier 1
 * only where even a PostgreSQL extension is ruled out.
 */

export type Backend = 'pglite' | 'postgres' | 'timescaledb' | 'clickhouse';
export type Tier = 1 | 2 | 3;

export interface TierMeasures {
  /** Operators working at once (not offline), the most seen in the window measured. */
  operators: number;
  /** Events a second, the busiest minute of the window measured. */
  peakEventsPerSec: number;
  /** Events a week at the mean rate of the window measured. */
  eventsPerWeek: number;
}

export interface TierBounds {
  tier: Tier;
  database: string;
  /** Upper bounds of the tier (Infinity for the top one). */
  operators: number;
  eventsPerSec: number;
  eventsPerWeek: number;
}

const WEEK_SEC = 7 * 24 * 3600;
export const TIERS: readonly TierBounds[] = [
  { tier: 1, database: 'PostgreSQL', operators: 60, eventsPerSec: 10, eventsPerWeek: 10 * WEEK_SEC },
  { tier: 2, database: 'TimescaleDB', operators: 240, eventsPerSec: 40, eventsPerWeek: 40 * WEEK_SEC },
  { tier: 3, database: 'ClickHouse', operators: Infinity, eventsPerSec: Infinity, eventsPerWeek: Infinity },
];

/**
 * The tier each backend is made for. The embedded store (PGlite) is one process's database: a trial, a
 * laptop, a small center; it is held to tier 1's bounds.
 */
export const BACKEND_TIER: Readonly<Record<Backend, Tier>> = { pglite: 1, postgres: 1, timescaledb: 2, clickhouse: 3 };
const BACKEND_NAME: Readonly<Record<Backend, string>> = { pglite: 'the embedded store (PGlite)', postgres: 'PostgreSQL', timescaledb: 'TimescaleDB', clickhouse: 'ClickHouse' };

/** A measure this close to its tier's bound (a share of it) is "approaching". */
const APPROACHING = 0.8;

export interface TierAdvice {
  /** The tier the measures call for, and its database. */
  tier: Tier;
  database: string;
  /** Why, measure by measure, in words. */
  reasons: string[];
  /** The seed's general advice, when it applies. */
  note: string | null;
  current: {
    backend: Backend;
    tier: Tier;
    /** The measures are past what the current backend is made for. */
    outgrown: boolean;
    /** Some measure is past 80 % of it. */
    approaching: boolean;
    /** A sentence for the dashboard's quiet notice; null when all is well. */
    notice: string | null;
  };
}

const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en') : '∞');
const fmt1 = (n: number) => (Math.round(n * 10) / 10).toLocaleString('en');

/** The tier a measure falls in: the lowest whose bound it does not pass. */
function tierOf(value: number, bound: (t: TierBounds) => number): Tier {
  return TIERS.find((t) => value <= bound(t))!.tier;
}

export function adviseTier(m: TierMeasures, backend: Backend): TierAdvice {
  for (const [k, v] of Object.entries(m)) if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`${k} must be a finite number ≥ 0, got ${v}`);
  const byOperators = tierOf(m.operators, (t) => t.operators);
  const byRate = tierOf(m.peakEventsPerSec, (t) => t.eventsPerSec);
  const byVolume = tierOf(m.eventsPerWeek, (t) => t.eventsPerWeek);
  const tier = Math.max(byOperators, byRate, byVolume) as Tier;
  const span = (t: Tier, k: 'operators' | 'eventsPerSec' | 'eventsPerWeek') => {
    const lo = t === 1 ? 0 : TIERS[t - 2][k];
    const hi = TIERS[t - 1][k];
    return Number.isFinite(hi) ? `${fmt(lo === 0 ? 1 : lo + (k === 'operators' ? 1 : 0))}–${fmt(hi)}` : `over ${fmt(lo)}`;
  };
  const reasons = [
    `${fmt(m.operators)} operators working at once: tier ${byOperators} (${span(byOperators, 'operators')})`,
    `${fmt1(m.peakEventsPerSec)} event${fmt1(m.peakEventsPerSec) === "1" ? "" : "s"} a second at the busiest minute: tier ${byRate} (${span(byRate, 'eventsPerSec')} a second; an operator makes at most ~10 events a minute)`,
    `${fmt(m.eventsPerWeek)} events a week at this rate: tier ${byVolume} (${span(byVolume, 'eventsPerWeek')})`,
  ];
  const note =
    tier === 1
      ? 'For most centers tier 2 (TimescaleDB) is the better choice even where tier 1 suffices: close to ClickHouse in insert speed, without leaving PostgreSQL; stay on plain PostgreSQL only where an extension is ruled out.'
      : null;
  const currentTier = BACKEND_TIER[backend];
  const bounds = TIERS[currentTier - 1];
  const outgrown = tier > currentTier;
  const approaching = !outgrown && (m.operators > APPROACHING * bounds.operators || m.peakEventsPerSec > APPROACHING * bounds.eventsPerSec || m.eventsPerWeek > APPROACHING * bounds.eventsPerWeek);
  const name = BACKEND_NAME[backend];
  const notice = outgrown
    ? `This center has outgrown ${name} (made for tier ${currentTier}): it measures tier ${tier}, ${TIERS[tier - 1].database}.`
    : approaching
      ? `This center is nearing what ${name} is made for (tier ${currentTier}); plan the move to ${TIERS[Math.min(3, currentTier + 1) - 1].database}.`
      : null;
  return { tier, database: TIERS[tier - 1].database, reasons, note, current: { backend, tier: currentTier, outgrown, approaching, notice } };
}
