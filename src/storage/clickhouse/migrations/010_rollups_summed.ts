/**
 * The rollups as SummingMergeTree of plain columns instead of AggregatingMergeTree of -State columns
 * (issue #10: a week of history in ≤ 75 ms p95).
 *
 * On Debian's ClickHouse (18.16) reading a `sumMap` state costs ~28 µs a cell however small it is: a
 * week of a tier-3 center's hour cells by queue (3,360) took ~100 ms in the server just to deserialize
 * them (`SELECT wait_hist FROM rollups_hour …` alone), before anything was summed. The same cells as
 * plain arrays read in ~12 ms. SummingMergeTree keeps the rollups maintained by the database as before
 * (a materialized view per resolution from `commits`, the background merges summing rows of one cell):
 * every count column is summed, and a nested table whose name ends in `Map` (waitMap, abandonMap) is
 * summed by its first column, the bin, with bins that net to zero dropped. 18.16 has no
 * SimpleAggregateFunction, which would have kept AggregatingMergeTree. Rows of one cell not merged yet
 * are summed by the readers (GROUP BY the cell), as -Merge did.
 *
 * The conversion is procedural (ClickHouse has no conditional DDL) and safe to run again after a kill at
 * any point: each table is copied whole into `<t>_summed`, swapped in by a rename and its view recreated;
 * a table already converted is recognised by its `waitMap.bin` column, and a kill between the two halves
 * of the rename (not atomic in ClickHouse) is put right by renaming the old table back and starting over.
 */
import { featuresOf, type ChClient, type Features } from '../client.js';
import { sql } from '../sql.js';

const SUMS = ['offered', 'aa', 'ha', 'missed', 'wait_sum_ms', 'wait_count', 'handle_sum_ms', 'handle_count', 'qa_delta'];

export const ROLLUP_TABLES: ReadonlyArray<readonly [string, number]> = [
  ['rollups', 60_000],
  ['rollups_hour', 3_600_000],
  ['rollups_day', 86_400_000],
];

/** A summed rollup table (`partitionMs`: its partitions' span; migration 012 makes the minute table's a day). */
export const summedRollupTable = (name: string, few: string, partitionMs = 86_400_000 * 30) => `CREATE TABLE IF NOT EXISTS ${name} (
     tenant ${few}, bucket Int64, queue ${few}, channel ${few}, operator String,
     ${SUMS.map((c) => `${c} Int64`).join(', ')},
     waitMap Nested(bin UInt16, n Int64),
     abandonMap Nested(bin UInt16, n Int64)
   ) ENGINE = SummingMergeTree PARTITION BY intDiv(bucket, ${partitionMs === 86_400_000 * 30 ? '86400000 * 30' : partitionMs}) ORDER BY (tenant, operator, bucket, queue, channel)`;

/** A commit's cells summed per cell of this resolution, as one row each (the merges sum them further). */
export const summedRollupView = (name: string, bucketMs: number) => `CREATE MATERIALIZED VIEW IF NOT EXISTS ${name}_mv TO ${name} AS
   SELECT tenant, intDiv(bucket, ${bucketMs}) * ${bucketMs} AS bucket, queue, channel, operator,
          ${SUMS.map((c) => `sum(${c}) AS ${c}`).join(', ')},
          tupleElement(sumMap(wait_bins, wait_counts), 1) AS \`waitMap.bin\`, tupleElement(sumMap(wait_bins, wait_counts), 2) AS \`waitMap.n\`,
          tupleElement(sumMap(abandon_bins, abandon_counts), 1) AS \`abandonMap.bin\`, tupleElement(sumMap(abandon_bins, abandon_counts), 2) AS \`abandonMap.n\`
   FROM commits WHERE kind = 3 GROUP BY tenant, bucket, queue, channel, operator`;

/** The statements that convert one AggregatingMergeTree rollup table, in order (each one a place a kill can fall after). */
export function conversionOf(t: string, bucketMs: number, f: Features): string[] {
  const few = f.lowCardinality ? 'LowCardinality(String)' : 'String';
  return [
    `DROP TABLE IF EXISTS ${t}_mv`,
    `DROP TABLE IF EXISTS ${t}_summed`,
    summedRollupTable(`${t}_summed`, few),
    `INSERT INTO ${t}_summed (tenant, bucket, queue, channel, operator, ${SUMS.join(', ')}, \`waitMap.bin\`, \`waitMap.n\`, \`abandonMap.bin\`, \`abandonMap.n\`)
     SELECT tenant, bucket, queue, channel, operator, ${SUMS.map((c) => `sumMerge(${c})`).join(', ')},
            tupleElement(sumMapMerge(wait_hist), 1), tupleElement(sumMapMerge(wait_hist), 2),
            tupleElement(sumMapMerge(abandon_hist), 1), tupleElement(sumMapMerge(abandon_hist), 2)
     FROM ${t} GROUP BY tenant, bucket, queue, channel, operator`,
    `DROP TABLE IF EXISTS ${t}_aggregating`,
    `RENAME TABLE ${t} TO ${t}_aggregating, ${t}_summed TO ${t}`,
    summedRollupView(t, bucketMs),
    `DROP TABLE IF EXISTS ${t}_aggregating`,
  ];
}

async function columnsOf(db: ChClient, table: string): Promise<Set<string>> {
  const rows = await db.rows<{ name: string }>(sql`SELECT name FROM system.columns WHERE database = currentDatabase() AND table = ${table}`);
  return new Set(rows.map((r) => r.name));
}

/**
 * Converts every rollup table not converted yet. `stopAfter` (tests): end after that many statements,
 * as a kill would.
 */
export async function convertRollupsToSummed(db: ChClient, stopAfter = Infinity): Promise<void> {
  const f = featuresOf(await db.version());
  let run = 0;
  const exec = async (s: string) => {
    if (run++ >= stopAfter) throw new StopHere();
    await db.command(s);
  };
  try {
    for (const [t, bucketMs] of ROLLUP_TABLES) {
      let columns = await columnsOf(db, t);
      if (columns.size === 0 && (await columnsOf(db, `${t}_aggregating`)).size > 0) {
        await exec(`RENAME TABLE ${t}_aggregating TO ${t}`); // killed inside the swap's rename: the old table back, then over again
        columns = await columnsOf(db, t);
      }
      if (columns.has('waitMap.bin')) {
        // converted; the view and the clean-up may not have happened before a kill
        await exec(summedRollupView(t, bucketMs));
        await exec(`DROP TABLE IF EXISTS ${t}_aggregating`);
        await exec(`DROP TABLE IF EXISTS ${t}_summed`);
        continue;
      }
      for (const s of conversionOf(t, bucketMs, f)) await exec(s);
    }
  } catch (err) {
    if (!(err instanceof StopHere)) throw err;
  }
}

class StopHere extends Error {}
