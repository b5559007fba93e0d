import type { SlPolicy } from '../../metrics/finalize.js';
import { binOf, sortedPercentileBin } from '../../metrics/wait-histogram.js';
import { BinTable } from '../bin-table.js';
import { DAY_MS, planRange } from '../rollup-ranges.js';
import type { HistoryAggregate, HistoryQuery, QaLevel, RollupCell } from '../storage.js';
import { CELL_RECORD, cellRow, fromMs, ROLLUP_TABLE, SUMMED, sumsFromRow, toMs } from './rollups.js';
import type { SqlClient } from './sql-client.js';

const CELL_COLUMNS = `queue, channel, operator, bucket, ${SUMMED.join(', ')}, wait_hist, abandon_hist`;

/** Builds positional parameters: `p(value)` returns `$n`. */
function params() {
  const values: unknown[] = [];
  const p = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  return { values, p };
}

/** The WHERE of one rollup table's part of a range, shared by history and QA. */
function cellFilter(p: (v: unknown) => string, q: Pick<HistoryQuery, 'tenant' | 'queue' | 'channel' | 'operator'> & { level: 'queue' | 'operator' }, from: number, to: number): string {
  let where = `tenant = ${p(q.tenant)} AND bucket >= ${p(new Date(from).toISOString())}::timestamptz AND bucket < ${p(new Date(to).toISOString())}::timestamptz`;
  where += q.level === 'queue' ? ` AND operator = ''` : ` AND operator <> ''`;
  if (q.queue !== undefined) where += ` AND queue = ${p(q.queue)}`;
  if (q.channel !== undefined) where += ` AND channel = ${p(q.channel)}`;
  if (q.operator !== undefined) where += ` AND operator = ${p(q.operator)}`;
  return where;
}

/**
 * One row per group × slot, aggregated in the database: the range is read from the coarsest rollups that
 * fit (rollup-ranges.ts), cells not committed yet are added from `pending`, the sums are summed per group
 * and slot there, and each group's cells' histograms come back as one string with each cell's SL policy
 * (its queue's own), merged bin by bin here (mergeHistograms) and their percentiles taken by the one
 * definition (metrics/wait-histogram.ts).
 */
export async function queryHistory(db: SqlClient, q: HistoryQuery, pending: readonly RollupCell[] = []): Promise<HistoryAggregate[]> {
  const { values, p } = params();
  const sources = planRange(q.from, q.to, q.intervalMs).map(
    (part) => `SELECT ${CELL_COLUMNS} FROM ${ROLLUP_TABLE.get(part.resolution)} WHERE ${cellFilter(p, q, part.from, part.to)}`,
  );
  if (pending.length) {
    sources.push(
      `SELECT queue, channel, operator, ${fromMs('x.bucket')}, ${SUMMED.join(', ')}, wait_hist, abandon_hist
       FROM json_to_recordset(${p(JSON.stringify(pending.map(cellRow)))}::text::json) AS x(${CELL_RECORD})`,
    );
  }
  if (sources.length === 0) return [];

  const keys = [...q.groupBy];
  const by = [...keys, 'slot'].join(', ');
  // rows from `from` on (see metrics/history.ts slotOf): date_bin's origin
  const from = `${p(new Date(q.from).toISOString())}::timestamptz`;
  const slot = q.intervalMs ? `date_bin(${p(q.intervalMs)}::float8 * interval '1 millisecond', c.bucket, ${from})` : from;
  // SL policy of each cell: its queue's own, else its channel's, else the default (CASE tries them in that order)
  const policy = (pick: (x: SlPolicy) => unknown, type: 'int' | 'boolean') => {
    const v = (x: SlPolicy) => `${p(pick(x))}::${type}`;
    const when = [...q.sl.queues.map(([n, x]) => `WHEN c.queue = ${p(n)}::text THEN ${v(x)}`), ...q.sl.channels.map(([n, x]) => `WHEN c.channel = ${p(n)}::text THEN ${v(x)}`)];
    return when.length ? `CASE ${when.join(' ')} ELSE ${v(q.sl.default)} END` : v(q.sl.default);
  };
  // an operator's team (the tenant's settings) joined on when grouping by it; each operator once
  const byTeam = keys.includes('team');
  const teams = byTeam ? `, coalesce(t.team, '') AS team FROM cells c LEFT JOIN json_to_recordset(${p(JSON.stringify([...new Map(q.teams ?? [])].map(([op, team]) => ({ op, team }))))}::text::json) AS t(op text, team text) ON t.op = c.operator` : ' FROM cells c';
  const sql = `
    WITH cells AS (${sources.join('\n UNION ALL ')})
    SELECT ${keys.map((k) => `${k}, `).join('')}${toMs('slot')} AS slot_ms, ${SUMMED.map((x) => `sum(${x})::float8 AS ${x}`).join(', ')},
           string_agg(${policy((x) => binOf(x.targetSec * 1000), 'int')} || ',' || ${policy((x) => binOf(x.shortAbandonSec * 1000), 'int')} || ','
                      || (${policy((x) => x.abandonsCount, 'boolean')})::int || '|' || array_to_string(c.wait_hist, ',') || '|' || array_to_string(c.abandon_hist, ','), ';') AS hists
    FROM (SELECT ${slot} AS slot, c.*${teams}) c
    GROUP BY ${by}
    ORDER BY ${by.split(', ').reverse().join(', ')}
    LIMIT ${p(q.limit)}`;
  const rows = await db.query<Record<string, unknown>>(sql, values);
  return rows.map((r) => {
    const h = mergeHistograms(String(r.hists ?? ''));
    const out: HistoryAggregate = {
      slot: Number(r.slot_ms),
      ...sumsFromRow(r),
      slWithin: h.within,
      slTotal: h.answered + h.abandonsCounted,
      waitP50Bin: sortedPercentileBin(h.bins, h.counts, 50),
      waitP90Bin: sortedPercentileBin(h.bins, h.counts, 90),
      waitP95Bin: sortedPercentileBin(h.bins, h.counts, 95),
      longestBin: h.maxWait === null ? h.maxAbandon : h.maxAbandon === null ? h.maxWait : Math.max(h.maxWait, h.maxAbandon),
    };
    for (const k of keys) out[k] = r[k] as string;
    return out;
  });
}

/**
 * A group's cells' histograms, sent by the database as one string (`tb,sb,ab|wait pairs|abandon pairs`
 * per cell, cells joined by ';'), merged here: summing a few thousand cells' bins is a fraction of a
 * millisecond in a Map, where the database's GROUP BY over every (group, bin) took most of a week's
 * query (docs/STORAGE.md). SL is judged per cell with its own policy (tb: the target's bin, sb: the
 * short abandon's, ab: whether abandons count) before summing, as metrics/finalize.ts defines it.
 */
export function mergeHistograms(text: string): { bins: number[]; counts: number[]; answered: number; within: number; abandonsCounted: number; maxWait: number | null; maxAbandon: number | null } {
  // One pass over the characters (a week's answer is ~0.9 MB of them): numbers are read digit by digit
  // into bins held in two scratch tables, not split into strings, and handled where their separator
  // is met (no call per number: this loop is most of a week's history in ccpulse's time).
  // Fields: `tb,sb,ab|bin,count,…|bin,count,…`, cells joined by ';'.
  wait.reset();
  abandon.reset();
  let within = 0;
  let abandonsCounted = 0;
  let tb = 0;
  let sb = 0;
  let ab = 0;
  let section = 0; // 0: policy, 1: wait pairs, 2: abandon pairs
  let index = 0; // the number's place in its section
  let bin = 0;
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
      if (section === 0) {
        if (index === 0) tb = v;
        else if (index === 1) sb = v;
        else ab = v;
      } else if ((index & 1) === 0) bin = v;
      else if (section === 1) {
        wait.add(bin, v);
        if (bin < tb) within += v;
      } else {
        abandon.add(bin, v);
        if (ab === 1 && bin >= sb) abandonsCounted += v;
      }
      index++;
      n = 0;
      neg = false;
      inNumber = false;
    }
    if (c === 124) {
      section++; // '|'
      index = 0;
    } else if (c === 59) {
      section = 0; // ';': the next cell
      index = 0;
    }
  }
  const bins = wait.nonZeroBins();
  const counts = bins.map((b) => wait.get(b));
  let answered = 0;
  for (const c of counts) answered += c;
  const abandoned = abandon.nonZeroBins();
  return { bins, counts, answered, within, abandonsCounted, maxWait: bins.length ? bins[bins.length - 1] : null, maxAbandon: abandoned.length ? abandoned[abandoned.length - 1] : null };
}

const wait = new BinTable();
const abandon = new BinTable();


/**
 * QA per queue × channel at `at`: the running total (kept by every checkpoint) less the deltas of cells
 * at or after `at`, which the coarsest rollups serve. The cost follows how far back `at` is, not the
 * size of the history.
 */
export async function qaLevels(db: SqlClient, q: { tenant: string; at: number; queue?: string; channel?: string }): Promise<QaLevel[]> {
  const { values, p } = params();
  const from = Math.ceil(q.at / 60_000) * 60_000;
  // Open appeals expire at most an inactivity timeout ahead; far enough for any configuration.
  const end = Math.ceil((Math.max(from, Date.now()) + 400 * DAY_MS) / DAY_MS) * DAY_MS;
  const parts = planRange(from, end).map(
    (part) => `SELECT queue, channel, qa_delta FROM ${ROLLUP_TABLE.get(part.resolution)} WHERE ${cellFilter(p, { ...q, level: 'queue' }, part.from, part.to)}`,
  );
  let where = `tenant = ${p(q.tenant)}`;
  if (q.queue !== undefined) where += ` AND queue = ${p(q.queue)}`;
  if (q.channel !== undefined) where += ` AND channel = ${p(q.channel)}`;
  const rows = await db.query<{ queue: string; channel: string; qa: number }>(
    `SELECT queue, channel, sum(v)::float8 AS qa
     FROM (SELECT queue, channel, qa AS v FROM qa_totals WHERE ${where}
           UNION ALL SELECT queue, channel, -qa_delta FROM (${parts.join(' UNION ALL ')}) later) u
     GROUP BY queue, channel HAVING sum(v) <> 0`,
    values,
  );
  return rows.map((r) => ({ queue: r.queue, channel: r.channel, qa: Number(r.qa) }));
}
