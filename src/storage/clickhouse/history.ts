import type { SlPolicy } from '../../metrics/finalize.js';
import type { CountMap } from '../../metrics/wait-histogram.js';
import { binOf, sortedPercentileBin } from '../../metrics/wait-histogram.js';
import { sumsFromRow, toPairs } from '../postgres/rollups.js';
import { groupKeysOf } from '../../metrics/history.js';
import { DAY_MS, planRange, type Resolution } from '../rollup-ranges.js';
import type { GroupKey, HistoryAggregate, HistoryQuery, QaLevel, RollupCell, RollupQuery } from '../storage.js';
import type { ChClient } from './client.js';
import { join, raw, sql, type Sql } from './sql.js';

/** The rollup table of each resolution (migration 002). */
const TABLE: ReadonlyMap<Resolution, Sql> = new Map([
  ['minute', raw('rollups')],
  ['hour', raw('rollups_hour')],
  ['day', raw('rollups_day')],
]);

const SUMMED = ['offered', 'aa', 'ha', 'missed', 'wait_sum_ms', 'wait_count', 'handle_sum_ms', 'handle_count', 'qa_delta'] as const;
const MERGED = raw(`${SUMMED.map((c) => `sumMerge(${c}) AS ${c}`).join(', ')}, sumMapMerge(wait_hist) AS wh, sumMapMerge(abandon_hist) AS ah`);

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
  wait: Map<number, number>;
  abandon: Map<number, number>;
}
type GroupKeys = { queue?: string; channel?: string; operator?: string; team?: string };

/**
 * One row per group × slot, aggregated in ClickHouse from the coarsest rollups that fit the range
 * (rollup-ranges.ts): each cell's histograms merged (sumMapMerge), judged by its own queue's SL policy,
 * then summed per group with the merged histograms. Cells not committed yet (`pending`) are added here,
 * by the same rules; the percentiles are picked here from the merged histogram, as on every backend.
 */
export async function queryHistory(db: ChClient, q: HistoryQuery, pending: readonly RollupCell[] = []): Promise<HistoryAggregate[]> {
  const keys = [...q.groupBy];
  const policyOf = policies(q);
  // an operator's team (the tenant's settings) when grouping by it; each operator once
  const teamOf = new Map(q.teams ?? []);
  const team = !keys.includes('team') ? raw('') : teamOf.size ? sql`, transform(operator, ${[...teamOf.keys()]}, ${[...teamOf.values()]}, '') AS team` : raw(`, '' AS team`);
  const groups = new Map<string, GroupSum>();
  const groupOf = (k: GroupKeys, slot: number): GroupSum => {
    const id = `${slot}\u0001${keys.map((x) => k[x]).join('\u0001')}`;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { keys: k, slot, sums: SUMMED.map(() => 0), slWithin: 0, abandonsCounted: 0, wait: new Map(), abandon: new Map() }));
    return g;
  };
  const parts = planRange(q.from, q.to, q.intervalMs);
  if (parts.length) {
    const cells = join(
      parts.map((p) => sql`SELECT queue, channel, operator, bucket, ${MERGED} FROM ${TABLE.get(p.resolution)!} WHERE ${cellFilter(q, p.from, p.to)} GROUP BY queue, channel, operator, bucket`),
      ' UNION ALL ',
    );
    // rows from `from` on (see metrics/history.ts slotOf); every cell read is at or after it
    const slot = q.intervalMs ? sql`${q.from} + intDiv(bucket - ${q.from}, ${q.intervalMs}) * ${q.intervalMs}` : sql`${q.from}`;
    const by = raw([...keys, 'slot'].join(', '));
    const rows = await db.rows(sql`
      SELECT ${raw(keys.map((k) => `${k}, `).join(''))}slot, ${raw(SUMMED.map((c) => `sum(${c}) AS ${c}`).join(', '))},
             sum(within) AS sl_within, sum(counted) AS abandons_counted, sumMap(wb, wc) AS w, sumMap(ab, ac) AS a
      FROM (
        -- (the thresholds go into the lambdas as arrays: 18.16 loses a lambda's captured column when
        -- the outer query does not read that column itself)
        SELECT *, ${slot} AS slot,
               arraySum(arrayMap((x_b, x_c, x_t) -> if(x_b < x_t, x_c, 0), wb, wc, arrayResize([tb], length(wb), tb))) AS within,
               if(abp = 1, arraySum(arrayMap((x_b, x_c, x_s) -> if(x_b >= x_s, x_c, 0), ab, ac, arrayResize([sb], length(ab), sb))), 0) AS counted
        FROM (
          SELECT *, tupleElement(wh, 1) AS wb, tupleElement(wh, 2) AS wc, tupleElement(ah, 1) AS ab, tupleElement(ah, 2) AS ac,
                 ${policyOf((x) => binOf(x.targetSec * 1000))} AS tb, ${policyOf((x) => binOf(x.shortAbandonSec * 1000))} AS sb,
                 ${policyOf((x) => (x.abandonsCount ? 1 : 0))} AS abp${team}
          FROM (${cells})
        )
      )
      GROUP BY ${by} LIMIT ${q.limit}`);
    for (const r of rows) {
      const k: GroupKeys = {};
      for (const x of keys) k[x] = r[x] as string;
      const g = groupOf(k, Number(r.slot));
      SUMMED.forEach((c, i) => (g.sums[i] += Number(r[c])));
      g.slWithin += Number(r.sl_within);
      g.abandonsCounted += Number(r.abandons_counted);
      addPairs(g.wait, pairs(r.w));
      addPairs(g.abandon, pairs(r.a));
    }
  }
  for (const c of pending) {
    const policy = policyFor(q, c.queue, c.channel);
    const k: GroupKeys = {};
    const keyed = groupKeysOf(c, teamOf);
    for (const x of keys) k[x] = keyed[x];
    const g = groupOf(k, q.intervalMs ? q.from + Math.floor((c.bucket - q.from) / q.intervalMs) * q.intervalMs : q.from);
    const s = c.counters;
    [s.offered, s.aa, s.ha, s.missed, s.waitSumMs, s.waitCount, s.handleSumMs, s.handleCount, s.qaDelta].forEach((v, i) => (g.sums[i] += v));
    const targetBin = binOf(policy.targetSec * 1000);
    const shortBin = binOf(policy.shortAbandonSec * 1000);
    const wait = toPairs(s.waitHist);
    const abandon = toPairs(s.abandonHist);
    for (let i = 0; i < wait.length; i += 2) if (wait[i] < targetBin) g.slWithin += wait[i + 1];
    if (policy.abandonsCount) for (let i = 0; i < abandon.length; i += 2) if (abandon[i] >= shortBin) g.abandonsCounted += abandon[i + 1];
    addPairs(g.wait, [wait.filter((_, i) => i % 2 === 0), wait.filter((_, i) => i % 2 === 1)]);
    addPairs(g.abandon, [abandon.filter((_, i) => i % 2 === 0), abandon.filter((_, i) => i % 2 === 1)]);
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

function addPairs(into: Map<number, number>, [bins, counts]: Pairs): void {
  bins.forEach((b, i) => into.set(b, (into.get(b) ?? 0) + counts[i]));
}

function finish(g: GroupSum, keys: GroupKey[]): HistoryAggregate {
  const wait = [...g.wait].filter(([, c]) => c !== 0).sort((a, b) => a[0] - b[0]);
  const bins = wait.map(([b]) => b);
  const counts = wait.map(([, c]) => c);
  const answered = counts.reduce((a, b) => a + b, 0);
  const abandonBins = [...g.abandon].filter(([, c]) => c !== 0).map(([b]) => b);
  const maxWait = bins.length ? bins[bins.length - 1] : null;
  const maxAbandon = abandonBins.length ? Math.max(...abandonBins) : null;
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

/** The same as a SQL expression over a cell's queue and channel (multiIf tries them in that order). */
function policies(q: HistoryQuery) {
  return (pick: (x: SlPolicy) => number): Sql => {
    const when = [...q.sl.queues.map(([n, x]) => sql`queue = ${n}, ${pick(x)}`), ...q.sl.channels.map(([n, x]) => sql`channel = ${n}, ${pick(x)}`)];
    return when.length ? sql`multiIf(${join(when, ', ')}, ${pick(q.sl.default)})` : sql`${pick(q.sl.default)}`;
  };
}

/** QA per queue × channel at `at`: the running totals (qa_totals) less the deltas of the cells at or after `at`. */
export async function qaLevels(db: ChClient, q: { tenant: string; at: number; queue?: string; channel?: string }): Promise<QaLevel[]> {
  const from = Math.ceil(q.at / 60_000) * 60_000;
  const end = Math.ceil((Math.max(from, Date.now()) + 400 * DAY_MS) / DAY_MS) * DAY_MS;
  const filter: Filter = { tenant: q.tenant, queue: q.queue, channel: q.channel, level: 'queue' };
  const later = planRange(from, end).map(
    (p) => sql`SELECT queue, channel, -sumMerge(qa_delta) AS v FROM ${TABLE.get(p.resolution)!} WHERE ${cellFilter(filter, p.from, p.to)} GROUP BY queue, channel`,
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
