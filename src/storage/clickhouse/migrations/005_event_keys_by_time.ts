/**
 * The dedup index led by the time each event claims (issue #10: insert rate flat as the store grows).
 * `event_keys` (migration 001) was ordered by (tenant, id): with ids random like UUIDs, a batch's 5,000
 * ids fell in as many granules of every day's part, so each append's lookup read a share of the whole
 * index that grew with the log. `event_keys_by_time` is ordered by (tenant, key_ts, id) and looked up by
 * the batch's claimed times and ids together (../log.ts): live traffic claims times near now and reads a
 * few granules at the end of the index, whatever the log holds. The key becomes (tenant, id, key_ts), as
 * on PostgreSQL: a retry sends the event unchanged and claims the same time (docs/STORAGE.md, the key).
 *
 * The events in the log are indexed again from it. Events archived before this migration (deleted from
 * `events`, ../archive-days.ts) are not: the old index has no claimed time to key them by, and rebuilding
 * it from `time_events` would hold every archived event in a join's memory. Such an event sent again
 * (more than a week after it first came) is taken as new, as on PostgreSQL, whose archive removes the
 * day's keys with its rows; events archived from now on keep their keys here. Each statement can be run
 * again after a kill: the view goes first (no new event is missed), a row indexed twice is collapsed
 * (ReplacingMergeTree; lookups read DISTINCT), and the old index is dropped by the next migration, so a
 * rerun still finds it.
 */
import type { Features } from '../client.js';

export default (f: Features) => {
  const few = f.lowCardinality ? 'LowCardinality(String)' : 'String';
  return [
    `CREATE TABLE IF NOT EXISTS event_keys_by_time (tenant ${few}, key_ts Int64, id String, seq UInt64, arrived Int64)
     ENGINE = ReplacingMergeTree PARTITION BY intDiv(arrived, 86400000) ORDER BY (tenant, key_ts, id)`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS event_keys_by_time_mv TO event_keys_by_time AS SELECT tenant, key_ts, id, seq, arrived FROM events`,
    `DROP TABLE IF EXISTS event_keys_mv`,
    `INSERT INTO event_keys_by_time (tenant, key_ts, id, seq, arrived) SELECT tenant, key_ts, id, seq, arrived FROM events`,
  ];
};
