/**
 * The raw PostgreSQL baselines on the data set, in a database of their own: INSERT-with-unique-key and
 * COPY throughput, then the raw-scan history queries, after each slice (the data-size curve) and on the
 * whole data set (the table's baseline column).
 */
import { LineReader, type Dataset } from './dataset.js';
import { appendToQueryTable, connect, copyAll, createQueryTable, insertUnnest, rawMetrics, type RawLoadResult } from './pg-raw.js';
import { QUERIES, timeRuns, type Timing } from './queries.js';
import type { CurvePoint, ScaleConfig } from './ccpulse-run.js';

export interface BaselineResult {
  insert: RawLoadResult;
  copy: RawLoadResult;
  curve: CurvePoint[];
  queries: Record<string, Timing>;
}

const log = (s: string) => process.stderr.write(`[bench:scale] ${s}\n`);

export async function runBaseline(url: string, ds: Dataset, cfg: ScaleConfig): Promise<BaselineResult> {
  log(`baseline: INSERT … unnest … ON CONFLICT, ${cfg.clients} connections × ${cfg.batch} rows`);
  let reader = new LineReader(ds.file);
  const insert = await insertUnnest(url, reader, cfg.clients, cfg.batch);
  reader.close();
  log(`baseline: ${insert.eventsPerSec} events/s; COPY`);
  reader = new LineReader(ds.file);
  const copy = await copyAll(url, reader);
  reader.close();
  log(`baseline: COPY ${copy.eventsPerSec} events/s; raw-scan queries`);

  const sql = connect(url, 1);
  try {
    await createQueryTable(sql);
    const curve: CurvePoint[] = [];
    let loadedTo = ds.startMs;
    let events = 0;
    for (const hours of cfg.curveHours.slice(0, -1)) {
      const until = ds.startMs + hours * 3_600_000;
      events += await appendToQueryTable(sql, loadedTo, until);
      loadedTo = until;
      const point: CurvePoint = { hours, events, lastHour: undefined!, rangeByQueue: undefined! };
      for (const q of QUERIES.filter((x) => x.key !== 'rangeByOperator')) {
        const [from, to] = q.range(ds.startMs, until);
        point[q.key as 'lastHour' | 'rangeByQueue'] = await timeRuns(() => rawMetrics(sql, q.shape, from, to), 1, cfg.curveRuns, cfg.queryBudgetSec / 2);
      }
      curve.push(point);
    }
    events += await appendToQueryTable(sql, loadedTo, Infinity);
    const queries: Record<string, Timing> = {};
    for (const q of QUERIES) {
      const [from, to] = q.range(ds.startMs, ds.endMs);
      queries[q.key] = await timeRuns(() => rawMetrics(sql, q.shape, from, to), cfg.warmup, cfg.runs, cfg.queryBudgetSec);
      log(`baseline: ${q.label}: p50 ${queries[q.key].ms.p50} ms, p95 ${queries[q.key].ms.p95} ms (${queries[q.key].runs} runs)`);
    }
    curve.push({ hours: cfg.curveHours[cfg.curveHours.length - 1], events, lastHour: queries.lastHour, rangeByQueue: queries.rangeByQueue });
    return { insert, copy, curve, queries };
  } finally {
    await sql.end();
  }
}
