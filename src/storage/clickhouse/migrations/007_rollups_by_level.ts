/**
 * The rollups sorted with the operator before the bucket (issue #10: a week of history in ≤ 75 ms).
 * Sorted (tenant, bucket, queue, channel, operator), a queue-level read (operator = '', the dashboard's
 * history) took a row in fifty at a 1,000-operator center, and every granule of the range held some: it
 * read and merged every operator's histograms of the week (measured on 18.16: 1.4 s for a week of hour
 * rows, against 0.08–0.4 s sorted as here, on a loaded machine). Sorted (tenant, operator, bucket, queue,
 * channel), the queue-level rows of a range are one run of granules, and one operator's rows another.
 *
 * Each table is copied into a new one under the new order and swapped in by a rename; nothing writes
 * meanwhile (the writer migrates before it commits). Every statement can be run again after a kill:
 * the copy starts over from whichever table holds the rollups under their name, so no state is added
 * twice. A rename of two tables is not atomic in ClickHouse: a kill between its halves leaves `t_old`
 * and no `t`, which restoreHalfRenamed (run before the statements) renames back.
 */
import type { ChClient, Features } from '../client.js';
import { renameBackHalfSwapped } from './rename-back.js';
import { rollupTable, rollupView } from './002_commits.js';

const TABLES: ReadonlyArray<[string, number]> = [
  ['rollups', 60_000],
  ['rollups_hour', 3_600_000],
  ['rollups_day', 86_400_000],
];

export default (f: Features) => {
  const few = f.lowCardinality ? 'LowCardinality(String)' : 'String';
  return TABLES.flatMap(([t, bucketMs]) => [
    `DROP TABLE IF EXISTS ${t}_mv`,
    `DROP TABLE IF EXISTS ${t}_reordered`,
    rollupTable(`${t}_reordered`, few, 'tenant, operator, bucket, queue, channel'),
    `INSERT INTO ${t}_reordered SELECT * FROM ${t}`,
    `DROP TABLE IF EXISTS ${t}_old`,
    `RENAME TABLE ${t} TO ${t}_old, ${t}_reordered TO ${t}`,
    rollupView(t, bucketMs),
    `DROP TABLE IF EXISTS ${t}_old`,
  ]);
};

/** After a kill inside the swap's rename: a table gone to `_old` with nothing in its place is renamed back. */
export const restoreHalfRenamed = (db: ChClient): Promise<void> => renameBackHalfSwapped(db, TABLES.map(([t]) => [t, `${t}_old`] as const));
