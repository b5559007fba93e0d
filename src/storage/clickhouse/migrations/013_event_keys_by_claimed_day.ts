/**
 * The dedup index partitioned by the day each event claims (issue #10: insert rate flat as the store grows).
 *
 * `event_keys_by_time` (migration 005) was partitioned, as the log is, by the day its batch arrived. An
 * append's lookup asks for runs of claimed times (../log.ts), a condition ClickHouse can prune a
 * partition by only when the partition key is made of that column: partitioned by arrival, every part
 * of every day had its index searched, and the rows read per lookup grew with the days the store holds
 * (the bench's query log on 18.16: ~90,000 → ~137,000 rows a lookup from 12M to 20M events). Partitioned
 * by the claimed day, a live batch's lookup reads today's partition (a late one, its own day's).
 *
 * The claimed day is bounded by the arrival, so that one INSERT still touches few partitions whatever a
 * client claims (current ClickHouse refuses an INSERT into more than 100): a claim more than
 * KEY_DAYS_BEFORE_ARRIVAL days before its arrival is filed under that bound, one after it (a future time
 * clamped at ingest keeps its claim) under the day after the arrival; at most 62 partitions an append.
 * The lookup's condition is on key_ts itself, so it stays exact for those too.
 *
 * Safe to run again after a kill at any statement: the view goes first (nothing writes during a
 * migration), the index is copied into a new table and swapped in by a rename, the view made again;
 * a copy started over copies the same rows; a rename cut in half is put right before the statements.
 * The copy reads every key ever logged (keys outlive the archive), a few minutes at 100M keys.
 */
import type { ChClient, Features } from '../client.js';
import { renameBackHalfSwapped } from './rename-back.js';

const DAY_MS = 86_400_000;
/** Claims further back than this from their arrival share the partition of this bound. */
export const KEY_DAYS_BEFORE_ARRIVAL = 60;

export const keysByClaimedDayTable = (name: string, f: Features) => {
  const few = f.lowCardinality ? 'LowCardinality(String)' : 'String';
  const filedAt = `greatest(least(key_ts, arrived + ${DAY_MS}), arrived - ${DAY_MS * KEY_DAYS_BEFORE_ARRIVAL})`;
  return `CREATE TABLE IF NOT EXISTS ${name} (tenant ${few}, key_ts Int64, id String, seq UInt64, arrived Int64)
   ENGINE = ReplacingMergeTree PARTITION BY intDiv(${filedAt}, ${DAY_MS}) ORDER BY (tenant, key_ts, id)`;
};

export default (f: Features): string[] => [
  `DROP TABLE IF EXISTS event_keys_by_time_mv`,
  `DROP TABLE IF EXISTS event_keys_by_claimed_day`,
  keysByClaimedDayTable('event_keys_by_claimed_day', f),
  `INSERT INTO event_keys_by_claimed_day SELECT tenant, key_ts, id, seq, arrived FROM event_keys_by_time${f.partitionsPerInsertLimit ? ' SETTINGS max_partitions_per_insert_block = 0' : ''}`,
  `DROP TABLE IF EXISTS event_keys_by_arrival_day`,
  `RENAME TABLE event_keys_by_time TO event_keys_by_arrival_day, event_keys_by_claimed_day TO event_keys_by_time`,
  `CREATE MATERIALIZED VIEW IF NOT EXISTS event_keys_by_time_mv TO event_keys_by_time AS SELECT tenant, key_ts, id, seq, arrived FROM events`,
  `DROP TABLE IF EXISTS event_keys_by_arrival_day`,
];

/** After a kill inside the rename: the index gone to its old name with nothing in its place is renamed back. */
export const restoreKeysHalfSwapped = (db: ChClient): Promise<void> => renameBackHalfSwapped(db, [['event_keys_by_time', 'event_keys_by_arrival_day']]);
