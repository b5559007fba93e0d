/**
 * Partitions that stop growing (issue #10: insert rate flat as the store grows).
 *
 * Every commit inserts a small part (a few hundred to a few thousand rows) into `commits` and, through
 * the views, into each rollup table. ClickHouse's merge selector counts a small part as if it were
 * several megabytes, so it keeps merging the new small parts into a partition's largest one: while a
 * partition grows, each merge rewrites all of it, and the merge work per committed row grows with the
 * partition (seen on 18.16 in `system.part_log`, which bench/storage.ts reads: those two tables merged
 * more rows than the log's four together, and on 2 cores the merges take the CPU the appends need).
 * Two partitions grew without bound within a bench's week:
 *
 * - `commits`, partitioned by 100,000 commits: now by 1,000 (COMMITS_PER_PARTITION), the older ones
 *   dropped by the upkeep every minute (../commits.ts prune). What a commit holds lives on in the
 *   views' tables; the rows kept are the checkpoints (kind 1), which is all that is read back.
 * - `rollups` (the minute cells), partitioned by 30 days: now by day, as the log is. The hour and day
 *   rollups hold 60 and 1,440 times fewer rows and keep their 30 days.
 *
 * And in both a merge makes no part over MERGED_PART_MAX_BYTES, so a part stops being rewritten once it
 * is that large (a table setting, which 18.16 cannot alter: hence the copies). Readers sum a cell's rows
 * not merged yet, as they always have.
 *
 * Procedural, and safe to run again after a kill at any point: the views that read `commits` are
 * dropped first (nothing writes during a migration: the writer migrates before it commits), each table
 * is copied into a new one and swapped in by a rename, the views are created again, the old tables
 * dropped. A copy started over copies the same rows (from whichever table holds them under their name);
 * a kill between the two halves of a rename (not atomic in ClickHouse) is put right first by renaming
 * the old table back.
 */
import type { ChClient, Features } from '../client.js';
import { renameBackHalfSwapped } from './rename-back.js';
import { commitsTable, commitViews } from './002_commits.js';
import { summedRollupTable, summedRollupView, ROLLUP_TABLES } from './010_rollups_summed.js';

/** Commits per partition of `commits` from this migration on (../commits.ts drops the older ones). */
export const COMMITS_PER_PARTITION = 1_000;
const DAY_MS = 86_400_000;
/** The largest part a merge makes in the two tables every commit writes to. */
export const MERGED_PART_MAX_BYTES = 256 * 1024;
const CAPPED_MERGES = `SETTINGS max_bytes_to_merge_at_max_space_in_pool = ${MERGED_PART_MAX_BYTES}`;
/** Each table swapped, and the name its old self takes. */
const SWAPS = [['rollups', 'rollups_by_month'], ['commits', 'commits_large']] as const;

/** The statements, in order (each one a place a kill can fall after). */
export function boundedPartitionsStatements(f: Features): string[] {
  const few = f.lowCardinality ? 'LowCardinality(String)' : 'String';
  const views = [...commitViews(), ...ROLLUP_TABLES.map(([t, bucketMs]) => summedRollupView(t, bucketMs))];
  return [
    ...ROLLUP_TABLES.map(([t]) => `DROP TABLE IF EXISTS ${t}_mv`),
    ...['processor_state_mv', 'rollup_repairs_mv', 'qa_totals_mv', 'dead_letters_mv'].map((v) => `DROP TABLE IF EXISTS ${v}`),
    // the minute rollups by day
    `DROP TABLE IF EXISTS rollups_by_day`,
    `${summedRollupTable('rollups_by_day', few, DAY_MS)} ${CAPPED_MERGES}`,
    `INSERT INTO rollups_by_day SELECT * FROM rollups`,
    `DROP TABLE IF EXISTS rollups_by_month`,
    `RENAME TABLE rollups TO rollups_by_month, rollups_by_day TO rollups`,
    // the commits by 1,000: their checkpoints copied (the rest lives on in the views' tables)
    `DROP TABLE IF EXISTS commits_small`,
    `${commitsTable('commits_small', COMMITS_PER_PARTITION)} ${CAPPED_MERGES}`,
    `INSERT INTO commits_small SELECT * FROM commits WHERE kind = 1`,
    `DROP TABLE IF EXISTS commits_large`,
    `RENAME TABLE commits TO commits_large, commits_small TO commits`,
    ...views,
    `DROP TABLE IF EXISTS rollups_by_month`,
    `DROP TABLE IF EXISTS commits_large`,
  ];
}

/** After a kill inside a swap's rename: a table gone to its old name with nothing in its place is renamed back (run before the statements). */
export const restoreHalfSwapped = (db: ChClient): Promise<void> => renameBackHalfSwapped(db, SWAPS);
