import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MetricValues } from '../contract/api.js';
import type { CcEvent } from '../contract/event.js';
import { createSimulation, type SimStats } from './simulation.js';

/**
 * The metrics ccpulse must report for a fault-free simulator run, computed here from the run itself with
 * the definitions of README.md § Metrics, and nothing of ccpulse's own code (no src/metrics, src/stream,
 * src/storage or src/api): it is the independent side of the reference check
 * (src/sim/reference.integration.test.ts posts the run to a real server and compares).
 *
 * Regenerate the shipped fixture after changing the simulator or the `reference` scenario:
 *
 *   npx tsx src/sim/reference-expected.ts > src/sim/fixtures/reference-seed1.json
 *
 * Scope: one row per queue × channel over the whole run, for runs with nothing to repair. The calculator
 * refuses (throws) what it does not model rather than guess: injected faults, transfers, returns, a
 * lifecycle out of order, an appeal still open at the end, or counts that disagree with the simulator's
 * own tallies. The `reference` scenario is built to satisfy all of that.
 */

/** SL policy, README defaults: answered in < 20 s within target; abandons after ≥ 5 s count against it. */
export interface SlRule {
  targetSec: number;
  shortAbandonSec: number;
  abandonsCount: boolean;
}
export const DEFAULT_SL: SlRule = { targetSec: 20, shortAbandonSec: 5, abandonsCount: true };

export type ExpectedRow = { queue: string; channel: string } & MetricValues;

export interface ReferenceFixture {
  scenario: string;
  seed: number;
  /** Sim time 0 and end, ISO 8601: the range to query (`from` inclusive, `to` exclusive, whole minutes). */
  from: string;
  to: string;
  events: number;
  sl: SlRule;
  rows: ExpectedRow[];
}

/** One appeal's story, read off the run (a single segment: the calculator refuses returns). */
interface Story {
  queue: string;
  channel: string;
  newAt?: number;
  queuedAt?: number;
  appointedAt?: number;
  closedAt?: number;
  missedAt?: number;
}

/**
 * Expected `/v1/metrics?groupBy=queue,channel` rows over a range that holds the whole run.
 * `events` must be in ts order (a simulator run without reordering is).
 */
export function expectedRows(events: readonly CcEvent[], sl: SlRule = DEFAULT_SL): ExpectedRow[] {
  const stories = new Map<string, Story>();
  const fail = (e: CcEvent, why: string): never => {
    throw new Error(`reference-expected: ${e.id} ${e.type} ${e.appealId ?? ''}: ${why}`);
  };
  let lastTs = -Infinity;
  for (const e of events) {
    if (e.ts < lastTs) fail(e, 'events are not in ts order');
    lastTs = e.ts;
    if (e.type === 'OPERATOR_STATUS') continue;
    if (!e.appealId || !e.queue || !e.channel) fail(e, 'appeal event without appealId/queue/channel');
    let s = stories.get(e.appealId!);
    if (!s) stories.set(e.appealId!, (s = { queue: e.queue!, channel: e.channel! }));
    if (s.queue !== e.queue || s.channel !== e.channel) fail(e, 'the appeal changed queue or channel');
    // Strict lifecycle: NEW → SENT_DISTRIBUTION → (APPOINTED → CLOSED | MISSED); anything else is not modelled.
    switch (e.type) {
      case 'APPEAL_NEW':
        if (s.newAt !== undefined) fail(e, 'second APPEAL_NEW');
        s.newAt = e.ts;
        break;
      case 'APPEAL_SENT_DISTRIBUTION':
        if (s.newAt === undefined || s.queuedAt !== undefined) fail(e, 'out of lifecycle order');
        s.queuedAt = e.ts;
        break;
      case 'APPEAL_APPOINTED':
        if (s.queuedAt === undefined || s.appointedAt !== undefined || s.missedAt !== undefined) fail(e, 'out of lifecycle order');
        s.appointedAt = e.ts;
        break;
      case 'APPEAL_CLOSED':
        if (s.appointedAt === undefined || s.closedAt !== undefined) fail(e, 'out of lifecycle order');
        s.closedAt = e.ts;
        break;
      case 'APPEAL_MISSED':
        if (s.queuedAt === undefined || s.appointedAt !== undefined || s.missedAt !== undefined) fail(e, 'out of lifecycle order');
        s.missedAt = e.ts;
        break;
      default:
        fail(e, 'not modelled by the reference calculator (transfers and returns are out of its scope)');
    }
  }

  interface Acc {
    queue: string;
    channel: string;
    offered: number;
    /** W of each answered appeal, ms. */
    waits: number[];
    /** Handle time H of each closed appeal, ms. */
    handles: number[];
    /** Time from queued at to the abandon, ms, of each missed appeal. */
    abandons: number[];
  }
  const groups = new Map<string, Acc>();
  for (const [id, s] of stories) {
    const open = s.closedAt === undefined && s.missedAt === undefined;
    if (open) throw new Error(`reference-expected: appeal ${id} is still open at the end of the run (QA and expiry are out of scope)`);
    const key = `${s.queue}\u0001${s.channel}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { queue: s.queue, channel: s.channel, offered: 0, waits: [], handles: [], abandons: [] }));
    g.offered++; // queued (SENT_DISTRIBUTION) within the run
    if (s.appointedAt !== undefined) g.waits.push(s.appointedAt - s.queuedAt!);
    if (s.closedAt !== undefined) g.handles.push(s.closedAt - s.appointedAt!);
    if (s.missedAt !== undefined) g.abandons.push(s.missedAt - s.queuedAt!);
  }

  const rows: ExpectedRow[] = [];
  for (const g of groups.values()) {
    const aa = g.waits.length; // appointed and not missed (an appointed appeal cannot be missed here)
    const missed = g.abandons.length;
    const within = g.waits.filter((w) => w < sl.targetSec * 1000).length;
    const slAbandons = sl.abandonsCount ? g.abandons.filter((w) => w >= sl.shortAbandonSec * 1000).length : 0;
    const awtSec = meanSec(g.waits);
    const waitsSorted = [...g.waits].sort((a, b) => a - b);
    rows.push({
      queue: g.queue,
      channel: g.channel,
      offered: g.offered,
      aa,
      ha: g.handles.length,
      missed,
      qa: 0, // every appeal closed or missed (checked above)
      awtSec,
      ahtSec: meanSec(g.handles),
      asaSec: awtSec,
      slPct: pct(within, aa + slAbandons),
      abandonPct: pct(missed, aa + missed),
      waitP50Sec: nearestRank(waitsSorted, 50),
      waitP90Sec: nearestRank(waitsSorted, 90),
      waitP95Sec: nearestRank(waitsSorted, 95),
      longestWaitSec: g.waits.length + g.abandons.length ? reportedWaitSec(Math.max(...g.waits, ...g.abandons)) : null,
    });
  }
  return rows.sort((a, b) => cmp(a.queue, b.queue) || cmp(a.channel, b.channel));
}

/** The whole `reference` run for a seed (default start: DEFAULT_START) and its expected rows. */
export function referenceFixture(seed = 1, startTime?: number): ReferenceFixture & { run: CcEvent[] } {
  const sim = createSimulation({ scenario: 'reference', seed, startTime });
  const events: CcEvent[] = [];
  while (!sim.done) for (const e of sim.next(sim.now + 10 * 60_000)) events.push(e);
  const rows = expectedRows(events);
  crossCheck(rows, sim.stats());
  const from = sim.startTime;
  const to = sim.endTime;
  if (from % 60_000 || to % 60_000) throw new Error('reference-expected: the run must start and end on whole minutes');
  const outside = events.find((e) => e.ts < from || e.ts >= to);
  if (outside) throw new Error(`reference-expected: event ${outside.id} lies outside [from, to)`);
  return { scenario: 'reference', seed, from: new Date(from).toISOString(), to: new Date(to).toISOString(), events: events.length, sl: DEFAULT_SL, rows, run: events };
}

/** The rows must agree with what the simulator itself counted, and the run must carry no injected fault. */
function crossCheck(rows: ExpectedRow[], st: SimStats): void {
  const sum = (f: (r: ExpectedRow) => number) => rows.reduce((a, r) => a + f(r), 0);
  const faults = Object.entries(st.faults).filter(([k, n]) => k !== 'delivered' && n !== 0);
  const checks: Array<[string, number, number]> = [
    ['offered vs segments', sum((r) => r.offered), st.segments],
    ['offered vs appeals', sum((r) => r.offered), st.appeals],
    ['ha vs closed', sum((r) => r.ha), st.closed],
    ['missed', sum((r) => r.missed), st.missed],
    ['aa vs APPEAL_APPOINTED', sum((r) => r.aa), st.byType.APPEAL_APPOINTED ?? 0],
    ['waiting at the end', 0, st.waiting],
    ['events delivered vs emitted', st.faults.delivered, st.emitted],
  ];
  const bad = checks.filter(([, a, b]) => a !== b).map(([n, a, b]) => `${n}: ${a} ≠ ${b}`);
  if (faults.length) bad.push(`faults injected: ${faults.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  if (bad.length) throw new Error(`reference-expected: the run is not what the calculator models: ${bad.join('; ')}`);
}

// ---- arithmetic, exact where it can be ---------------------------------------------------

/** a/b rounded half up to one decimal, computed in integers (so 12.25 is 12.3, never 12.2 by float error). */
function round1Ratio(a: number, b: number): number {
  return Math.floor((20 * a + b) / (2 * b)) / 10;
}

/** Mean of ms values, in seconds to 0.1 s; null when there are none. */
function meanSec(ms: number[]): number | null {
  if (!ms.length) return null;
  const total = ms.reduce((a, x) => a + x, 0);
  return round1Ratio(total, ms.length * 1000);
}

/** 100·num/den to 0.1; null when den is 0. */
function pct(num: number, den: number): number | null {
  return den > 0 ? round1Ratio(100 * num, den) : null;
}

/**
 * A wait as ccpulse reports it: the lower edge of its resolution step, i.e. floor to 1 s below 2 min,
 * to 5 s below 10 min, to 1 min below 1 h, to 15 min below 24 h; a day or more reads 86,400.
 */
export function reportedWaitSec(ms: number): number {
  const steps: Array<[number, number]> = [
    [120, 1],
    [600, 5],
    [3600, 60],
    [86_400, 900],
  ];
  for (const [belowSec, stepSec] of steps) if (ms < belowSec * 1000) return Math.floor(ms / (stepSec * 1000)) * stepSec;
  return 86_400;
}

/** Nearest-rank percentile of sorted ms values: the ⌈p·n/100⌉-th smallest, as reported; null when empty. */
function nearestRank(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  const rank = Math.max(1, Math.ceil((p * sorted.length) / 100)); // p·n is an integer: exact
  return reportedWaitSec(sorted[rank - 1]);
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

// ---- command line ------------------------------------------------------------------------

function isMain(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  const seed = Number(process.argv[2] ?? 1);
  const { run: _run, ...fixture } = referenceFixture(seed);
  process.stdout.write(`${JSON.stringify(fixture, null, 2)}\n`);
}
