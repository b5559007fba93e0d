import type { SlPolicy } from '../../metrics/finalize.js';
import type { CountMap } from '../../metrics/wait-histogram.js';
import { binOf } from '../../metrics/wait-histogram.js';
import { sumsFromRow } from '../postgres/rollups.js';
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

/** A policy as the bins it judges by. */
interface BinPolicy {
  targetBin: number;
  shortBin: number;
  abandonsCount: boolean;
}
type GroupKeys = { queue?: string; channel?: string; operator?: string; team?: string };

/**
 * One row per group × slot, in one GROUP BY. ClickHouse reads the cells of the range from the coarsest
 * rollups that fit (rollup-ranges.ts) and sums their counts per group and slot; each group's histograms
 * come back as text, a cell's row after another (its policy's number, then its wait bins, wait counts,
 * abandon bins and abandon counts as ClickHouse prints arrays), read here digit by digit into a table
 * indexed by bin, each cell judged by its own queue's SL policy on the way. On 18.16 `sumMap` over a
 * week's cells cost more than the rest of the query, exploding the bins into rows (ARRAY JOIN) five
 * times as much, and the bins as JSON arrays of numbers made ccpulse's side as slow as the server's
 * (docs/STORAGE.md). Cells not committed yet (`pending`) are added to their group by the same rules;
 * the percentiles are picked from the merged histogram, as on every backend.
 */
export async function queryHistory(db: ChClient, q: HistoryQuery, pending: readonly RollupCell[] = []): Promise<HistoryAggregate[]> {
  const keys = [...q.groupBy];
  const policies = policiesOf(q);
  // an operator's team (the tenant's settings) when grouping by it; each operator once
  const teamOf = new Map(q.teams ?? []);
  const team = !keys.includes('team') ? raw('') : teamOf.size ? sql`, transform(operator, ${[...teamOf.keys()]}, ${[...teamOf.values()]}, '') AS team` : raw(`, '' AS team`);
  const slotOf = (bucket: number) => (q.intervalMs ? q.from + Math.floor((bucket - q.from) / q.intervalMs) * q.intervalMs : q.from);
  const idOf = (k: GroupKeys, slot: number) => `${slot}\u0001${keys.map((x) => k[x]).join('\u0001')}`;
  // the cells not committed yet, by the group they join
  const waiting = new Map<string, { keys: GroupKeys; slot: number; cells: RollupCell[] }>();
  for (const c of pending) {
    const keyed = groupKeysOf(c, teamOf);
    const k: GroupKeys = {};
    for (const x of keys) k[x] = keyed[x];
    const slot = slotOf(c.bucket);
    const id = idOf(k, slot);
    const w = waiting.get(id);
    if (w) w.cells.push(c);
    else waiting.set(id, { keys: k, slot, cells: [c] });
  }
  const out: HistoryAggregate[] = [];
  const parts = planRange(q.from, q.to, q.intervalMs);
  if (parts.length) {
    const cells = join(
      parts.map(
        (p) => sql`SELECT queue, channel, operator, bucket, ${raw(SUMMED.join(', '))}, waitMap.bin AS wb, waitMap.n AS wn, abandonMap.bin AS ab, abandonMap.n AS an
                   FROM ${TABLE.get(p.resolution)!} WHERE ${cellFilter(q, p.from, p.to)}`,
      ),
      ' UNION ALL ',
    );
    // rows from `from` on (see metrics/history.ts slotOf); every cell read is at or after it
    const slot = q.intervalMs ? sql`${q.from} + intDiv(bucket - ${q.from}, ${q.intervalMs}) * ${q.intervalMs}` : sql`${q.from}`;
    // (columns by position below: the keys, the slot, the sums, the cells' histograms as text)
    const rows = await db.compact(sql`
      SELECT ${raw(keys.map((k) => `${k}, `).join(''))}slot, ${raw(SUMMED.map((c) => `sum(${c})`).join(', '))},
             arrayStringConcat(groupArray(concat(policy, toString(wb), toString(wn), toString(ab), toString(an))), ';')
      FROM (SELECT ${raw(keys.filter((k) => k !== 'team').map((k) => `${k}, `).join(''))}${raw(SUMMED.join(', '))}, wb, wn, ab, an, ${slot} AS slot${team}, ${policyIndexSql(q, policies)} AS policy
            FROM (${cells}))
      GROUP BY ${raw([...keys, 'slot'].join(', '))} LIMIT ${q.limit}`);
    const n = keys.length;
    for (const r of rows) {
      const k: GroupKeys = {};
      for (let i = 0; i < n; i++) k[keys[i]] = r[i] as string;
      const g = startGroup(k, Number(r[n]), SUMMED.map((_, i) => Number(r[n + 1 + i])));
      readCells(r[n + 1 + SUMMED.length] as string, policies, g);
      if (waiting.size) {
        const id = idOf(k, g.slot);
        for (const c of waiting.get(id)?.cells ?? []) addPending(g, c, q);
        waiting.delete(id);
      }
      out.push(finish(g, keys));
    }
  }
  for (const w of waiting.values()) {
    const g = startGroup(w.keys, w.slot, SUMMED.map(() => 0));
    for (const c of w.cells) addPending(g, c, q);
    out.push(finish(g, keys));
  }
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

/** One group × slot being summed; its histograms are in the scratch tables (waitBins, abandonBins) meanwhile. */
interface Group {
  keys: GroupKeys;
  slot: number;
  sums: number[];
  slWithin: number;
  abandonsCounted: number;
}

/** Scratch tables for finishing groups one at a time. */
const waitBins = new BinTable();
const abandonBins = new BinTable();
const PERCENTILES = [50, 90, 95];

/** A group begun from its sums, the scratch tables emptied for its histograms. */
function startGroup(keys: GroupKeys, slot: number, sums: number[]): Group {
  waitBins.reset();
  abandonBins.reset();
  return { keys, slot, sums, slWithin: 0, abandonsCounted: 0 };
}

const asBins = (p: SlPolicy): BinPolicy => ({ targetBin: binOf(p.targetSec * 1000), shortBin: binOf(p.shortAbandonSec * 1000), abandonsCount: p.abandonsCount });

/**
 * The distinct SL policies of a query as bins, the default first: one for most centers, and then
 * every cell is judged by it and the SQL names none (policyIndexSql).
 */
function policiesOf(q: HistoryQuery): BinPolicy[] {
  return [q.sl.default, ...q.sl.queues.map(([, p]) => p), ...q.sl.channels.map(([, p]) => p)].map(asBins);
}

/**
 * The number (1-based, in `policies`) of each cell's policy, as SQL over its queue and channel: its
 * queue's own, else its channel's, else the default (policyFor); the first of a name wins, as `find`
 * does there. Nothing when every policy judges alike (the cells then carry no number, read as 1). The
 * names come from the tenant's settings, every one an escaped literal.
 */
function policyIndexSql(q: HistoryQuery, policies: BinPolicy[]): Sql {
  const same = (a: BinPolicy, b: BinPolicy) => a.targetBin === b.targetBin && a.shortBin === b.shortBin && a.abandonsCount === b.abandonsCount;
  if (policies.every((p) => same(p, policies[0]))) return sql`''`;
  const firstOf = (names: ReadonlyArray<string>, offset: number) => {
    const seen = new Map<string, number>();
    names.forEach((name, i) => seen.has(name) || seen.set(name, offset + i + 1));
    return [[...seen.keys()], [...seen.values()]] as const;
  };
  const [queueNames, queueIdx] = firstOf(q.sl.queues.map(([n]) => n), 1);
  const [channelNames, channelIdx] = firstOf(q.sl.channels.map(([n]) => n), 1 + q.sl.queues.length);
  let index: Sql = sql`1`;
  if (channelNames.length) index = sql`transform(channel, ${channelNames}, ${channelIdx}, ${index})`;
  if (queueNames.length) index = sql`transform(queue, ${queueNames}, ${queueIdx}, ${index})`;
  return sql`toString(${index})`;
}

/** Bins of the array being read, until its counts come (reused from row to row). */
const rowBins: number[] = [];

/**
 * Reads a group's cells (`p[b,…][n,…][b,…][n,…]` each, joined by ';': policy number, wait bins, wait
 * counts, abandon bins, abandon counts) into the scratch tables, judging each cell by its policy. One
 * pass over the characters, numbers read digit by digit and handled where they end: no string is split
 * and no array made, for a week's answer holds a few megabytes of them.
 */
function readCells(text: string, policies: readonly BinPolicy[], g: Group): void {
  let policy = policies[0];
  let section = 0; // 0: the policy's number, 1: wait bins, 2: wait counts, 3: abandon bins, 4: abandon counts
  let index = 0; // the number's place in its array
  let n = 0;
  let neg = false;
  let inNumber = false;
  const length = text.length;
  for (let k = 0; k <= length; k++) {
    const c = k < length ? text.charCodeAt(k) : 59; // the end closes the last cell as ';' would
    if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      inNumber = true;
      continue;
    }
    if (c === 45) {
      neg = true; // '-'
      continue;
    }
    if (inNumber) {
      const v = neg ? -n : n;
      if (section === 0) policy = policies[v - 1] ?? policies[0];
      else if (section === 1 || section === 3) rowBins[index] = v;
      else if (section === 2) {
        const bin = rowBins[index];
        waitBins.add(bin, v);
        if (bin < policy.targetBin) g.slWithin += v;
      } else {
        const bin = rowBins[index];
        abandonBins.add(bin, v);
        if (policy.abandonsCount && bin >= policy.shortBin) g.abandonsCounted += v;
      }
      index++;
      n = 0;
      neg = false;
      inNumber = false;
    }
    if (c === 91) {
      section++; // '['
      index = 0;
    } else if (c === 59) {
      section = 0; // ';': the next cell
      index = 0;
      policy = policies[0];
    }
  }
}

/** A cell not committed yet, added to its group by its own queue's policy. */
function addPending(g: Group, c: RollupCell, q: HistoryQuery): void {
  const { targetBin, shortBin, abandonsCount } = asBins(policyFor(q, c.queue, c.channel));
  const s = c.counters;
  [s.offered, s.aa, s.ha, s.missed, s.waitSumMs, s.waitCount, s.handleSumMs, s.handleCount, s.qaDelta].forEach((v, i) => (g.sums[i] += v));
  for (const [key, v] of Object.entries(s.waitHist)) {
    const bin = Number(key);
    waitBins.add(bin, v);
    if (bin < targetBin) g.slWithin += v;
  }
  for (const [key, v] of Object.entries(s.abandonHist)) {
    const bin = Number(key);
    abandonBins.add(bin, v);
    if (abandonsCount && bin >= shortBin) g.abandonsCounted += v;
  }
}

/** A group's row, from its sums and the histograms now in the scratch tables. */
function finish(g: Group, keys: GroupKey[]): HistoryAggregate {
  const wait = waitBins.summarize(PERCENTILES);
  const maxAbandon = abandonBins.summarize([]).max;
  const [offered, aa, ha, missed, waitSumMs, waitCount, handleSumMs, handleCount, qaDelta] = g.sums;
  const out: HistoryAggregate = {
    slot: g.slot,
    offered, aa, ha, missed, waitSumMs, waitCount, handleSumMs, handleCount, qaDelta,
    slWithin: g.slWithin,
    slTotal: wait.total + g.abandonsCounted,
    waitP50Bin: wait.at[0],
    waitP90Bin: wait.at[1],
    waitP95Bin: wait.at[2],
    longestBin: wait.max === null ? maxAbandon : maxAbandon === null ? wait.max : Math.max(wait.max, maxAbandon),
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
