import type { SlPolicy } from '../../metrics/finalize.js';
import { binOf, sortedPercentileBin } from '../../metrics/wait-histogram.js';
import { DAY_MS, planRange } from '../rollup-ranges.js';
import type { HistoryAggregate, HistoryQuery, QaLevel, RollupCell } from '../storage.js';
import { CELL_RECORD, cellRow, fromMs, parseIntArray, ROLLUP_TABLE, SUMMED, sumsFromRow, toMs } from './rollups.js';
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

/** A histogram's (bin, count) pairs as rows, for a cell row aliased `g`. */
const unnestPairs = (col: string) =>
  `CROSS JOIN LATERAL (SELECT g.${col}[i] AS bin, g.${col}[i + 1] AS c FROM generate_series(1, cardinality(g.${col}), 2) i) h`;

/**
 * One row per group × slot, aggregated in the database: the range is read from the coarsest rollups that
 * fit (rollup-ranges.ts), cells not committed yet are added from `pending`, histograms are merged bin by
 * bin and their percentiles taken there (nearest rank, as metrics/wait-histogram.ts defines it, in the
 * same float8 arithmetic), and SL is judged per cell with its own queue's policy before summing.
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
  const slot = q.intervalMs ? `date_bin(${p(q.intervalMs)}::float8 * interval '1 millisecond', c.bucket, timestamptz 'epoch')` : `${p(new Date(q.from).toISOString())}::timestamptz`;
  // SL policy of each cell: its queue's own, else its channel's, else the default (CASE tries them in that order)
  const policy = (pick: (x: SlPolicy) => unknown, type: 'int' | 'boolean') => {
    const v = (x: SlPolicy) => `${p(pick(x))}::${type}`;
    const when = [...q.sl.queues.map(([n, x]) => `WHEN c.queue = ${p(n)}::text THEN ${v(x)}`), ...q.sl.channels.map(([n, x]) => `WHEN c.channel = ${p(n)}::text THEN ${v(x)}`)];
    return when.length ? `CASE ${when.join(' ')} ELSE ${v(q.sl.default)} END` : v(q.sl.default);
  };
  const gby = by.replace(/(\w+)/g, 'g.$1');
  const sql = `
    WITH cells AS (${sources.join('\n UNION ALL ')}),
    g AS MATERIALIZED (
      SELECT ${slot} AS slot, c.*,
             ${policy((x) => binOf(x.targetSec * 1000), 'int')} AS tb,
             ${policy((x) => binOf(x.shortAbandonSec * 1000), 'int')} AS sb,
             ${policy((x) => x.abandonsCount, 'boolean')} AS ab
      FROM cells c
    ),
    sums AS (SELECT ${by}, ${SUMMED.map((s) => `sum(${s})::float8 AS ${s}`).join(', ')} FROM g GROUP BY ${by}),
    w AS (
      SELECT ${gby}, h.bin, sum(h.c)::float8 AS c, coalesce(sum(h.c) FILTER (WHERE h.bin < g.tb), 0)::float8 AS within
      FROM g ${unnestPairs('wait_hist')} GROUP BY ${gby}, h.bin HAVING sum(h.c) <> 0
    ),
    wa AS (SELECT ${by}, sum(within) AS within, array_agg(bin) AS bins, array_agg(c) AS counts FROM w GROUP BY ${by}),
    a AS (
      SELECT ${gby}, h.bin, coalesce(sum(h.c) FILTER (WHERE g.ab AND h.bin >= g.sb), 0)::float8 AS counted
      FROM g ${unnestPairs('abandon_hist')} GROUP BY ${gby}, h.bin HAVING sum(h.c) <> 0
    ),
    aa AS (SELECT ${by}, sum(counted) AS counted, max(bin) AS maxa FROM a GROUP BY ${by})
    SELECT ${keys.map((k) => `s.${k}, `).join('')}${toMs('s.slot')} AS slot_ms, ${SUMMED.map((x) => `s.${x}`).join(', ')},
           coalesce(wa.within, 0) AS sl_within, coalesce(aa.counted, 0) AS abandons_counted, wa.bins, wa.counts, aa.maxa
    FROM sums s LEFT JOIN wa USING (${by}) LEFT JOIN aa USING (${by})
    ORDER BY ${by.split(', ').reverse().join(', ')}
    LIMIT ${p(q.limit)}`;
  // The merge groups by (group, slot, bin): room enough to do it in memory, not in temporary files.
  const rows = await db.transaction(async (tx) => {
    await tx.exec(`SET LOCAL work_mem = '32MB'`);
    return tx.query<Record<string, unknown>>(sql, values);
  });
  return rows.map((r) => {
    // The merged wait histogram comes back (in no order: sorting ~100 bins here is cheaper than in the
    // database's group-by); its percentiles are picked here, by the one definition.
    const [bins, counts] = sortedHistogram(parseIntArray(r.bins), parseIntArray(r.counts));
    let answered = 0;
    for (const c of counts) answered += c;
    const maxWait = bins.length ? bins[bins.length - 1] : null;
    const maxAbandon = numOrNull(r.maxa);
    const out: HistoryAggregate = {
      slot: Number(r.slot_ms),
      ...sumsFromRow(r),
      slWithin: Number(r.sl_within),
      slTotal: answered + Number(r.abandons_counted),
      waitP50Bin: sortedPercentileBin(bins, counts, 50),
      waitP90Bin: sortedPercentileBin(bins, counts, 90),
      waitP95Bin: sortedPercentileBin(bins, counts, 95),
      longestBin: maxWait === null ? maxAbandon : maxAbandon === null ? maxWait : Math.max(maxWait, maxAbandon),
    };
    for (const k of keys) out[k] = r[k] as string;
    return out;
  });
}

function sortedHistogram(bins: number[], counts: number[]): [number[], number[]] {
  const order = bins.map((_, i) => i).sort((a, b) => bins[a] - bins[b]);
  return [order.map((i) => bins[i]), order.map((i) => counts[i])];
}


const numOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

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
