import { addCounters, emptyCounters, isZero, type CounterSums, type Counters } from '../../metrics/counters.js';
import type { CountMap, Histogram } from '../../metrics/wait-histogram.js';
import { truncate, type Resolution } from '../rollup-ranges.js';
import type { RollupCell, RollupQuery } from '../storage.js';
import type { SqlClient } from './sql-client.js';

/** The rollup table of each resolution (migration 006). */
export const ROLLUP_TABLE: ReadonlyMap<Resolution, string> = new Map([
  ['minute', 'rollups'],
  ['hour', 'rollups_hour'],
  ['day', 'rollups_day'],
]);

export const toMs = (col: string) => `round(extract(epoch from ${col}) * 1000)::float8`;
export const fromMs = (expr: string) => `'epoch'::timestamptz + ${expr} * interval '1 millisecond'`;

/** A histogram as stored: `[bin, count, bin, count, …]` in bin order. */
export function toPairs(h: Histogram): number[] {
  const bins = Object.keys(h).map(Number).sort((a, b) => a - b);
  const out: number[] = [];
  for (const b of bins) if (h[b]) out.push(b, h[b]);
  return out;
}

export function fromPairs(v: unknown): Histogram {
  const arr = parseIntArray(v);
  const h: Histogram = {};
  for (let i = 0; i + 1 < arr.length; i += 2) h[arr[i]] = arr[i + 1];
  return h;
}

/** int[] (or float8[]) as drivers give it: an array (postgres.js) or the text form `{1,2}` (PGlite may give either). */
export function parseIntArray(v: unknown): number[] {
  if (Array.isArray(v)) return v.map(Number);
  if (typeof v === 'string') return v.length > 2 ? v.slice(1, -1).split(',').map(Number) : [];
  return [];
}

/**
 * Adds a checkpoint's minute deltas to the rollups of every resolution and to the QA totals, in the
 * caller's transaction. Numbers are added in SQL, histograms and repair counts merged in SQL
 * (ccp_hist_add, ccp_counts_add): no read-back, one statement per table.
 */
export async function addRollupDeltas(tx: SqlClient, minuteCells: readonly RollupCell[]): Promise<void> {
  for (const [resolution, table] of ROLLUP_TABLE) {
    const cells = resolution === 'minute' ? minuteCells : coarsen(minuteCells, resolution);
    if (cells.length) await upsert(tx, table, cells);
  }
  const qa = new Map<string, { tenant: string; queue: string; channel: string; qa: number }>();
  for (const c of minuteCells) {
    if (c.operator !== '' || !c.counters.qaDelta) continue;
    const key = `${c.tenant}\u0001${c.queue}\u0001${c.channel}`;
    const t = qa.get(key) ?? { tenant: c.tenant, queue: c.queue, channel: c.channel, qa: 0 };
    t.qa += c.counters.qaDelta;
    qa.set(key, t);
  }
  const totals = [...qa.values()].filter((t) => t.qa !== 0);
  if (totals.length) {
    await tx.query(
      `INSERT INTO qa_totals AS t (tenant, queue, channel, qa)
       SELECT x.tenant, x.queue, x.channel, x.qa FROM json_to_recordset($1::text::json) AS x(tenant text, queue text, channel text, qa bigint)
       ON CONFLICT (tenant, queue, channel) DO UPDATE SET qa = t.qa + excluded.qa`,
      [JSON.stringify(totals)],
    );
  }
}

/** Minute cells summed into the cells of a coarser resolution. */
export function coarsen(cells: readonly RollupCell[], resolution: Resolution): RollupCell[] {
  const out = new Map<string, RollupCell>();
  for (const c of cells) {
    const bucket = truncate(c.bucket, resolution);
    const key = `${c.tenant}\u0001${c.queue}\u0001${c.channel}\u0001${c.operator}\u0001${bucket}`;
    let cell = out.get(key);
    if (!cell) out.set(key, (cell = { tenant: c.tenant, queue: c.queue, channel: c.channel, operator: c.operator, bucket, counters: emptyCounters() }));
    addCounters(cell.counters, c.counters);
  }
  return [...out.values()].filter((c) => !isZero(c.counters));
}

/** The summed columns of a rollup table. */
export const SUMMED = ['offered', 'aa', 'ha', 'missed', 'wait_sum_ms', 'wait_count', 'handle_sum_ms', 'handle_count', 'qa_delta'] as const;

/** How cells sent as JSON (`cellRow`) are read back as rows: `json_to_recordset(…) AS x(${CELL_RECORD})`. */
export const CELL_RECORD = `tenant text, bucket bigint, queue text, channel text, operator text, offered int, aa int,
  ha int, missed int, wait_sum_ms bigint, wait_count int, handle_sum_ms bigint, handle_count int, qa_delta int,
  wait_hist int[], abandon_hist int[], repairs jsonb`;

/** A cell as one JSON record of CELL_RECORD. */
export const cellRow = ({ tenant, queue, channel, operator, bucket, counters: c }: RollupCell) => ({
  tenant, queue, channel, operator, bucket,
  offered: c.offered, aa: c.aa, ha: c.ha, missed: c.missed,
  wait_sum_ms: c.waitSumMs, wait_count: c.waitCount, handle_sum_ms: c.handleSumMs, handle_count: c.handleCount, qa_delta: c.qaDelta,
  wait_hist: toPairs(c.waitHist), abandon_hist: toPairs(c.abandonHist), repairs: c.repairs,
});

async function upsert(tx: SqlClient, table: string, cells: readonly RollupCell[]): Promise<void> {
  const rows = cells.map(cellRow);
  // A delta with an empty histogram or no repairs (most of them) leaves the stored one as it is.
  const merge = (col: string, fn: string, empty: string) => `${col} = CASE WHEN excluded.${col} = ${empty} THEN r.${col} ELSE ${fn}(r.${col}, excluded.${col}) END`;
  await tx.query(
    `INSERT INTO ${table} AS r (tenant, bucket, queue, channel, operator, ${SUMMED.join(', ')}, wait_hist, abandon_hist, repairs)
     SELECT x.tenant, ${fromMs('x.bucket')}, x.queue, x.channel, x.operator, ${SUMMED.map((c) => `x.${c}`).join(', ')},
            x.wait_hist, x.abandon_hist, x.repairs
     FROM json_to_recordset($1::text::json) AS x(${CELL_RECORD})
     ON CONFLICT (tenant, bucket, queue, channel, operator) DO UPDATE SET
       ${SUMMED.map((c) => `${c} = r.${c} + excluded.${c}`).join(', ')},
       ${merge('wait_hist', 'ccp_hist_add', "'{}'::int[]")}, ${merge('abandon_hist', 'ccp_hist_add', "'{}'::int[]")},
       ${merge('repairs', 'ccp_counts_add', "'{}'::jsonb")}`,
    [JSON.stringify(rows)],
  );
}

/** Minute cells of a range, as the stream wrote them. */
export async function readMinuteCells(db: SqlClient, q: RollupQuery): Promise<RollupCell[]> {
  const params: unknown[] = [new Date(q.from).toISOString(), new Date(q.to).toISOString()];
  let where = `bucket >= $1::timestamptz AND bucket < $2::timestamptz AND operator ${q.level === 'queue' ? "= ''" : "<> ''"}`;
  for (const [col, v] of [['tenant', q.tenant], ['queue', q.queue], ['channel', q.channel], ['operator', q.operator]] as const) {
    if (v === undefined) continue;
    params.push(v);
    where += ` AND ${col} = $${params.length}`;
  }
  const rows = await db.query<Record<string, unknown>>(
    `SELECT tenant, queue, channel, operator, ${toMs('bucket')} AS bucket, offered, aa, ha, missed,
            wait_sum_ms::float8 AS wait_sum_ms, wait_count, handle_sum_ms::float8 AS handle_sum_ms, handle_count, qa_delta,
            wait_hist, abandon_hist, repairs
     FROM rollups WHERE ${where} ORDER BY bucket`,
    params,
  );
  return rows.map((r) => ({
    tenant: r.tenant as string,
    queue: r.queue as string,
    channel: r.channel as string,
    operator: r.operator as string,
    bucket: Number(r.bucket),
    counters: {
      ...sumsFromRow(r),
      waitHist: fromPairs(r.wait_hist),
      abandonHist: fromPairs(r.abandon_hist),
      repairs: jsonMap(r.repairs),
    } satisfies Counters,
  }));
}

/** A row's summed columns (snake_case, as the rollup tables name them). */
export function sumsFromRow(r: Record<string, unknown>): CounterSums {
  return {
    offered: Number(r.offered),
    aa: Number(r.aa),
    ha: Number(r.ha),
    missed: Number(r.missed),
    waitSumMs: Number(r.wait_sum_ms),
    waitCount: Number(r.wait_count),
    handleSumMs: Number(r.handle_sum_ms),
    handleCount: Number(r.handle_count),
    qaDelta: Number(r.qa_delta),
  };
}

const jsonMap = (v: unknown): CountMap => (typeof v === 'string' ? JSON.parse(v) : (v as CountMap) ?? {});
