import type { SlPolicy } from '../../metrics/finalize.js';
import type { CountMap } from '../../metrics/wait-histogram.js';
import { binOf, sortedPercentileBin } from '../../metrics/wait-histogram.js';
import { sumsFromRow, toPairs } from '../postgres/rollups.js';
import { groupKeysOf } from '../../metrics/history.js';
import { DAY_MS, planRange, type Resolution } from '../rollup-ranges.js';
import type { GroupKey, HistoryAggregate, HistoryQuery, QaLevel, RollupCell, RollupQuery } from '../storage.js';
import type { ChClient } from './client.js';
import { BinTable } from '../bin-table.js';
import { join, raw, sql, type Sql } from './sql.js';

/** The rollup table of each resolution (migration 002). */
const TABLE: ReadonlyMap<Resolution, Sql> = new Map([
  ['minute', raw('rollups')],
  ['hour', raw('rollups_hour')],
  ['day', raw('rollups_day')],
]);

const SUMMED = ['offered', 'aa', 'ha', 'missed', 'wait_sum_ms', 'wait_count', 'handle_sum_ms', 'handle_count', 'qa_delta'] as const;
/** A cell's rows summed (SummingMergeTree, migration 010: rows of one cell not merged yet are summed here). */
const MERGED = raw(`${SUMMED.map((c) => `sum(${c}) AS ${c}`).join(', ')}, sumMap(waitMap.bin, waitMap.n) AS wh, sumMap(abandonMap.bin, abandonMap.n) AS ah`);
/** The same with each row's histograms as they are, as arrays of arrays: summed in queryHistory, where sumMap would cost more than the whole read. */
const GATHERED = raw(`${SUMMED.map((c) => `sum(${c}) AS ${c}`).join(', ')}, groupArray(waitMap.bin) AS wb, groupArray(waitMap.n) AS wn, groupArray(abandonMap.bin) AS ab, groupArray(abandonMap.n) AS an`);

type Filter = Pick<HistoryQuery, 'queue' | 'channel' | 'operator'> & { tenant?: string; level: 'queue' | 'operator' };

function cellFilter(q: Filter, from: number, to: number): Sql {
  const parts = [sql`bucket >= ${from} AND bucket < ${to}`, q.level === 'queue' ? sql`operator = ''` : sql`operator != ''`];
  if (q.tenant !== undefined) parts.unshift(sql`tenant = ${q.tenant}`);
  if (q.queue !== undefined) parts.push(sql`queue = ${q.queue}`);
  if (q.channel !== undefined) parts.push(sql`channel = ${q.channel}`);
  if (q.operator !== undefined) parts.push(sql`operator = ${q.operator}`);
  return join(parts, ' AND ');
}

type Pairs = [number[], number[]];
const pairs = (v: unknown): Pairs => {
  const [bins, counts] = (v as [Array<number | string>, Array<number | string>]) ?? [[], []];
  return [bins.map(Number), counts.map(Number)];
};

/** Minute cells of a range, as the stream wrote them (summed over commits). */
export async function readMinuteCells(db: ChClient, q: RollupQuery): Promise<RollupCell[]> {
  const where = cellFilter(q, q.from, q.to);
  const rows = await db.rows(sql`SELECT tenant, queue, channel, operator, bucket, ${MERGED} FROM rollups WHERE ${where}
                                 GROUP BY tenant, queue, channel, operator, bucket ORDER BY bucket, tenant, queue, channel, operator`);
  const repairs = await db.rows<{ tenant: string; queue: string; channel: string; operator: string; bucket: string; repair: string; n: string }>(
    sql`SELECT tenant, queue, channel, operator, bucket, repair, sum(n) AS n FROM rollup_repairs WHERE ${where}
        GROUP BY tenant, queue, channel, operator, bucket, repair HAVING n != 0`,
  );
  const key = (r: Record<string, unknown>) => `${r.tenant}\u0001${r.queue}\u0001${r.channel}\u0001${r.operator}\u0001${Number(r.bucket)}`;
  const repairsOf = new Map<string, CountMap>();
  for (const r of repairs) {
    let m = repairsOf.get(key(r));
    if (!m) repairsOf.set(key(r), (m = {}));
    Object.defineProperty(m, r.repair, { value: Number(r.n), enumerable: true, writable: true, configurable: true });
  }
  return rows.map((r) => ({
    tenant: r.tenant as string,
    queue: r.queue as string,
    channel: r.channel as string,
    operator: r.operator as string,
    bucket: Number(r.bucket),
    counters: { ...sumsFromRow(r), waitHist: histogram(pairs(r.wh)), abandonHist: histogram(pairs(r.ah)), repairs: repairsOf.get(key(r)) ?? {} },
  }));
}

function histogram([bins, counts]: Pairs): Record<number, number> {
  const h: Record<number, number> = {};
  bins.forEach((b, i) => {
    if (counts[i]) h[b] = counts[i];
  });
  return h;
}

/** One group × slot while it is being summed: stored rows and cells not committed yet merge here. */
interface GroupSum {
  keys: GroupKeys;
  slot: number;
  sums: number[];
  slWithin: number;
  abandonsCounted: number;
  /** The histograms of its cells (bins and counts), merged when the group is finished. */
  wait: Array<readonly [ReadonlyArray<number>, ReadonlyArray<number | string>]>;
  abandon: Array<readonly [ReadonlyArray<number>, ReadonlyArray<number | string>]>;
}
type GroupKeys = { queue?: string; channel?: string; operator?: string; team?: string };

/**
 * One row per group × slot. ClickHouse reads the cells of the range from the coarsest rollups that fit
 * (rollup-ranges.ts) and sums their counts per group and slot; each group's cells come back with their
 * histograms as stored (bins and counts, a cell's unmerged rows apart), and are judged here, each by its
 * own queue's SL policy, and merged bin by bin: on 18.16 `sumMap` over a week's cells cost more than the
 * rest of the query (docs/STORAGE.md). Cells not committed yet (`pending`) are added by the same rules;
 * the percentiles are picked from the merged histogram, as on every backend.
 */
export async function queryHistory(db: ChClient, q: HistoryQuery, pending: readonly RollupCell[] = []): Promise<HistoryAggregate[]> {
  const keys = [...q.groupBy];
  const policyOf = policyCache(q);
  // an operator's team (the tenant's settings) when grouping by it; each operator once
  const teamOf = new Map(q.teams ?? []);
  const team = !keys.includes('team') ? raw('') : teamOf.size ? sql`, transform(operator, ${[...teamOf.keys()]}, ${[...teamOf.values()]}, '') AS team` : raw(`, '' AS team`);
  const groups = new Map<string, GroupSum>();
  const groupOf = (k: GroupKeys, slot: number): GroupSum => {
    const id = `${slot}\u0001${keys.map((x) => k[x]).join('\u0001')}`;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { keys: k, slot, sums: SUMMED.map(() => 0), slWithin: 0, abandonsCounted: 0, wait: [], abandon: [] }));
    return g;
  };
  const parts = planRange(q.from, q.to, q.intervalMs);
  if (parts.length) {
    const cells = join(
      parts.map((p) => sql`SELECT queue, channel, operator, bucket, ${GATHERED} FROM ${TABLE.get(p.resolution)!} WHERE ${cellFilter(q, p.from, p.to)} GROUP BY queue, channel, operator, bucket`),
      ' UNION ALL ',
    );
    // rows from `from` on (see metrics/history.ts slotOf); every cell read is at or after it
    const slot = q.intervalMs ? sql`${q.from} + intDiv(bucket - ${q.from}, ${q.intervalMs}) * ${q.intervalMs}` : sql`${q.from}`;
    const by = raw([...keys, 'slot'].join(', '));
    // (columns by position below: the keys, the slot, the sums, the cells with a histogram)
    const rows = await db.compact(sql`
      SELECT ${raw(keys.map((k) => `${k}, `).join(''))}slot, ${raw(SUMMED.map((c) => `sum(${c})`).join(', '))},
             groupArrayIf((queue, channel, wb, wn, ab, an), arrayExists(x -> notEmpty(x), wn) OR arrayExists(x -> notEmpty(x), an))
      FROM (SELECT *, ${slot} AS slot${team} FROM (${cells}))
      GROUP BY ${by} LIMIT ${q.limit}`);
    const n = keys.length;
    for (const r of rows) {
      const k: GroupKeys = {};
      for (let i = 0; i < n; i++) k[keys[i]] = r[i] as string;
      const g = groupOf(k, Number(r[n]));
      for (let i = 0; i < SUMMED.length; i++) g.sums[i] += Number(r[n + 1 + i]);
      for (const [queue, channel, wb, wn, ab, an] of r[n + 1 + SUMMED.length] as StoredCell[]) {
        const p = policyOf(queue, channel);
        for (let i = 0; i < wb.length; i++) g.slWithin += addBins(g.wait, wb[i], wn[i], p.targetBin, false);
        for (let i = 0; i < ab.length; i++) {
          const counted = addBins(g.abandon, ab[i], an[i], p.shortBin, true);
          if (p.abandonsCount) g.abandonsCounted += counted;
        }
      }
    }
  }
  for (const c of pending) {
    const p = policyOf(c.queue, c.channel);
    const k: GroupKeys = {};
    const keyed = groupKeysOf(c, teamOf);
    for (const x of keys) k[x] = keyed[x];
    const g = groupOf(k, q.intervalMs ? q.from + Math.floor((c.bucket - q.from) / q.intervalMs) * q.intervalMs : q.from);
    const s = c.counters;
    [s.offered, s.aa, s.ha, s.missed, s.waitSumMs, s.waitCount, s.handleSumMs, s.handleCount, s.qaDelta].forEach((v, i) => (g.sums[i] += v));
    const [wb, wn] = unzip(toPairs(s.waitHist));
    const [ab, an] = unzip(toPairs(s.abandonHist));
    g.slWithin += addBins(g.wait, wb, wn, p.targetBin, false);
    const counted = addBins(g.abandon, ab, an, p.shortBin, true);
    if (p.abandonsCount) g.abandonsCounted += counted;
  }
  const out = [...groups.values()].map((g) => finish(g, keys));
  const order: Array<keyof HistoryAggregate> = ['slot', ...[...keys].reverse()];
  out.sort((a, b) => {
    for (const k of order) {
      const x = a[k] as string | number;
      const y = b[k] as string | number;
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  });
  return out.slice(0, q.limit);
}

/** A stored cell of a group: queue, channel, then its rows' wait bins and counts and abandon bins and counts. */
type StoredCell = [string, string, number[][], Array<Array<number | string>>, number[][], Array<Array<number | string>>];

/**
 * Keeps a histogram (bins and counts) for its group, and returns how many of its counts lie below `edge`
 * (waits within the SL target) or, with `atOrAbove`, at or above it (abandons past the short-abandon threshold).
 */
function addBins(into: GroupSum['wait'], bins: ReadonlyArray<number>, counts: ReadonlyArray<number | string>, edge: number, atOrAbove: boolean): number {
  if (bins.length === 0) return 0;
  into.push([bins, counts]);
  let judged = 0;
  for (let i = 0; i < bins.length; i++) if (atOrAbove ? bins[i] >= edge : bins[i] < edge) judged += Number(counts[i]);
  return judged;
}

const unzip = (flat: readonly number[]): [number[], number[]] => [flat.filter((_, i) => i % 2 === 0), flat.filter((_, i) => i % 2 === 1)];

/** Each queue × channel's SL policy as bins, looked up once per query. */
function policyCache(q: HistoryQuery) {
  const cache = new Map<string, { targetBin: number; shortBin: number; abandonsCount: boolean }>();
  return (queue: string, channel: string) => {
    const id = `${queue}\u0001${channel}`;
    let p = cache.get(id);
    if (!p) {
      const x = policyFor(q, queue, channel);
      cache.set(id, (p = { targetBin: binOf(x.targetSec * 1000), shortBin: binOf(x.shortAbandonSec * 1000), abandonsCount: x.abandonsCount }));
    }
    return p;
  };
}

/** Scratch tables for finishing groups one at a time. */
const waitBins = new BinTable();
const abandonBins = new BinTable();

/**
 * A group's histograms as one: bins ascending with their counts, none netting to zero. A group of one
 * stored cell (a slot of its own cell's resolution: the usual case) is that cell's arrays, already in
 * order from the store; more go through the scratch table.
 */
function merged(hists: GroupSum['wait'], table: BinTable): [number[], number[]] {
  if (hists.length === 1) {
    const [b, c] = hists[0];
    const bins: number[] = [];
    const counts: number[] = [];
    let ordered = true;
    for (let i = 0; i < b.length; i++) {
      const n = Number(c[i]);
      if (n === 0) continue;
      if (bins.length && b[i] <= bins[bins.length - 1]) ordered = false;
      bins.push(b[i]);
      counts.push(n);
    }
    if (ordered) return [bins, counts];
  }
  table.reset();
  for (const [b, c] of hists) for (let i = 0; i < b.length; i++) table.add(b[i], Number(c[i]));
  const bins = table.nonZeroBins();
  return [bins, bins.map((x) => table.get(x))];
}

function finish(g: GroupSum, keys: GroupKey[]): HistoryAggregate {
  const [bins, counts] = merged(g.wait, waitBins);
  let answered = 0;
  for (const c of counts) answered += c;
  const [abandoned] = merged(g.abandon, abandonBins);
  const maxWait = bins.length ? bins[bins.length - 1] : null;
  const maxAbandon = abandoned.length ? abandoned[abandoned.length - 1] : null;
  const [offered, aa, ha, missed, waitSumMs, waitCount, handleSumMs, handleCount, qaDelta] = g.sums;
  const out: HistoryAggregate = {
    slot: g.slot,
    offered, aa, ha, missed, waitSumMs, waitCount, handleSumMs, handleCount, qaDelta,
    slWithin: g.slWithin,
    slTotal: answered + g.abandonsCounted,
    waitP50Bin: sortedPercentileBin(bins, counts, 50),
    waitP90Bin: sortedPercentileBin(bins, counts, 90),
    waitP95Bin: sortedPercentileBin(bins, counts, 95),
    longestBin: maxWait === null ? maxAbandon : maxAbandon === null ? maxWait : Math.max(maxWait, maxAbandon),
  };
  for (const k of keys) out[k] = g.keys[k];
  return out;
}

/** SL policy of a cell: its queue's own, else its channel's, else the default. */
function policyFor(q: HistoryQuery, queue: string, channel: string): SlPolicy {
  return q.sl.queues.find(([n]) => n === queue)?.[1] ?? q.sl.channels.find(([n]) => n === channel)?.[1] ?? q.sl.default;
}

/** QA per queue × channel at `at`: the running totals (qa_totals) less the deltas of the cells at or after `at`. */
export async function qaLevels(db: ChClient, q: { tenant: string; at: number; queue?: string; channel?: string }): Promise<QaLevel[]> {
  const from = Math.ceil(q.at / 60_000) * 60_000;
  const end = Math.ceil((Math.max(from, Date.now()) + 400 * DAY_MS) / DAY_MS) * DAY_MS;
  const filter: Filter = { tenant: q.tenant, queue: q.queue, channel: q.channel, level: 'queue' };
  const later = planRange(from, end).map(
    (p) => sql`SELECT queue, channel, -sum(qa_delta) AS v FROM ${TABLE.get(p.resolution)!} WHERE ${cellFilter(filter, p.from, p.to)} GROUP BY queue, channel`,
  );
  const totals = [sql`tenant = ${q.tenant}`];
  if (q.queue !== undefined) totals.push(sql`queue = ${q.queue}`);
  if (q.channel !== undefined) totals.push(sql`channel = ${q.channel}`);
  const rows = await db.rows<{ queue: string; channel: string; qa: string }>(sql`
    SELECT queue, channel, sum(v) AS qa
    FROM (SELECT queue, channel, qa AS v FROM qa_totals WHERE ${join(totals, ' AND ')} ${later.length ? sql` UNION ALL ${join(later, ' UNION ALL ')}` : sql``})
    GROUP BY queue, channel HAVING qa != 0`);
  return rows.map((r) => ({ queue: r.queue, channel: r.channel, qa: Number(r.qa) }));
}
