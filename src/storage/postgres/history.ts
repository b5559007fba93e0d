import { binOf } from '../../metrics/wait-histogram.js';
import { DAY_MS, planRange } from '../rollup-ranges.js';
import type { HistoryAggregate, HistoryQuery, QaLevel, RollupCell, SlPolicies } from '../storage.js';
import { fromMs, ROLLUP_TABLE, toMs, toPairs } from './rollups.js';
import type { SqlClient } from './sql-client.js';

const SUMS = ['offered', 'aa', 'ha', 'missed', 'wait_sum_ms', 'wait_count', 'handle_sum_ms', 'handle_count', 'qa_delta'] as const;
const CELL_COLUMNS = `queue, channel, operator, bucket, ${SUMS.join(', ')}, wait_hist, abandon_hist`;

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
    const rows = pending.map(({ queue, channel, operator, bucket, counters: c }) => ({
      queue, channel, operator, bucket,
      offered: c.offered, aa: c.aa, ha: c.ha, missed: c.missed, wait_sum_ms: c.waitSumMs, wait_count: c.waitCount,
      handle_sum_ms: c.handleSumMs, handle_count: c.handleCount, qa_delta: c.qaDelta,
      wait_hist: toPairs(c.waitHist), abandon_hist: toPairs(c.abandonHist),
    }));
    sources.push(
      `SELECT queue, channel, operator, ${fromMs('x.bucket')}, ${SUMS.join(', ')}, wait_hist, abandon_hist
       FROM json_to_recordset(${p(JSON.stringify(rows))}::text::json) AS x(queue text, channel text, operator text, bucket bigint,
            offered int, aa int, ha int, missed int, wait_sum_ms bigint, wait_count int, handle_sum_ms bigint, handle_count int,
            qa_delta int, wait_hist int[], abandon_hist int[])`,
    );
  }
  if (sources.length === 0) return [];

  const keys = [...q.groupBy];
  const by = [...keys, 'slot'].join(', ');
  const slot = q.intervalMs ? `date_bin(${p(q.intervalMs)}::float8 * interval '1 millisecond', c.bucket, timestamptz 'epoch')` : `${p(new Date(q.from).toISOString())}::timestamptz`;
  const pol = policyParams(q.sl);
  const pct = (x: number) => `min(bin) FILTER (WHERE cum >= greatest(1, ceil((${x}::float8 / 100) * total)))`;
  const sql = `
    WITH pq AS (SELECT * FROM json_to_recordset(${p(pol.queues)}::text::json) AS x(name text, t int, s int, a boolean)),
    pc AS (SELECT * FROM json_to_recordset(${p(pol.channels)}::text::json) AS x(name text, t int, s int, a boolean)),
    cells AS (${sources.join('\n UNION ALL ')}),
    g AS (
      SELECT ${slot} AS slot, c.*,
             coalesce(pq.t, pc.t, ${p(pol.def.t)}) AS tb, coalesce(pq.s, pc.s, ${p(pol.def.s)}) AS sb, coalesce(pq.a, pc.a, ${p(pol.def.a)}) AS ab
      FROM cells c LEFT JOIN pq ON pq.name = c.queue LEFT JOIN pc ON pc.name = c.channel
    ),
    sums AS (SELECT ${by}, ${SUMS.map((s) => `sum(${s})::float8 AS ${s}`).join(', ')} FROM g GROUP BY ${by}),
    w AS (
      SELECT ${by.replace(/(\w+)/g, 'g.$1')}, h.bin, sum(h.c)::float8 AS c, coalesce(sum(h.c) FILTER (WHERE h.bin < g.tb), 0)::float8 AS within
      FROM g ${unnestPairs('wait_hist')} GROUP BY ${by.replace(/(\w+)/g, 'g.$1')}, h.bin HAVING sum(h.c) <> 0
    ),
    wc AS (SELECT *, sum(c) OVER (PARTITION BY ${by} ORDER BY bin) AS cum, sum(c) OVER (PARTITION BY ${by}) AS total FROM w),
    wa AS (SELECT ${by}, sum(within) AS within, sum(c) AS answered, ${pct(50)} AS p50, ${pct(90)} AS p90, ${pct(95)} AS p95, max(bin) AS maxw FROM wc GROUP BY ${by}),
    a AS (
      SELECT ${by.replace(/(\w+)/g, 'g.$1')}, h.bin, coalesce(sum(h.c) FILTER (WHERE g.ab AND h.bin >= g.sb), 0)::float8 AS counted
      FROM g ${unnestPairs('abandon_hist')} GROUP BY ${by.replace(/(\w+)/g, 'g.$1')}, h.bin HAVING sum(h.c) <> 0
    ),
    aa AS (SELECT ${by}, sum(counted) AS counted, max(bin) AS maxa FROM a GROUP BY ${by})
    SELECT ${keys.map((k) => `s.${k}, `).join('')}${toMs('s.slot')} AS slot_ms, ${SUMS.map((x) => `s.${x}`).join(', ')},
           coalesce(wa.within, 0) AS sl_within, coalesce(wa.answered, 0) + coalesce(aa.counted, 0) AS sl_total,
           wa.p50, wa.p90, wa.p95, greatest(wa.maxw, aa.maxa) AS longest
    FROM sums s LEFT JOIN wa USING (${by}) LEFT JOIN aa USING (${by})
    ORDER BY ${by.split(', ').reverse().join(', ')}
    LIMIT ${p(q.limit)}`;
  const rows = await db.query<Record<string, unknown>>(sql, values);
  return rows.map((r) => {
    const out: HistoryAggregate = {
      slot: Number(r.slot_ms),
      offered: Number(r.offered),
      aa: Number(r.aa),
      ha: Number(r.ha),
      missed: Number(r.missed),
      waitSumMs: Number(r.wait_sum_ms),
      waitCount: Number(r.wait_count),
      handleSumMs: Number(r.handle_sum_ms),
      handleCount: Number(r.handle_count),
      qaDelta: Number(r.qa_delta),
      slWithin: Number(r.sl_within),
      slTotal: Number(r.sl_total),
      waitP50Bin: numOrNull(r.p50),
      waitP90Bin: numOrNull(r.p90),
      waitP95Bin: numOrNull(r.p95),
      longestBin: numOrNull(r.longest),
    };
    for (const k of keys) out[k] = r[k] as string;
    return out;
  });
}

const numOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** SL policies as the bins their thresholds fall on (thresholds sit on bin edges: checked at boot). */
function policyParams(sl: SlPolicies) {
  const enc = (x: { targetSec: number; shortAbandonSec: number; abandonsCount: boolean }) => ({
    t: binOf(x.targetSec * 1000),
    s: binOf(x.shortAbandonSec * 1000),
    a: x.abandonsCount,
  });
  const list = (entries: SlPolicies['queues']) => JSON.stringify(entries.map(([name, x]) => ({ name, ...enc(x) })));
  return { def: enc(sl.default), queues: list(sl.queues), channels: list(sl.channels) };
}

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
