/**
 * The log. ClickHouse has no unique key and no sequence: ccpulse, the one writer, assigns positions
 * (seq) and looks repeated ids up before it inserts (see ../log.ts). Every table is partitioned by the
 * day the batch arrived (`arrived`, the same for every row of one INSERT), so one append is one part of
 * one partition: it becomes visible whole or not at all, and appends become visible in seq order.
 *
 * - `events`: ordered by seq, for the stream processor's tail reads;
 * - `event_keys`: (tenant, id) → seq, for the dedup lookup (replaced by `event_keys_by_time`, migration 005; ReplacingMergeTree: a repeat that ever
 *   slipped past the lookup is collapsed on merge; reads take one row per key regardless);
 * - `appeal_events`: (tenant, appeal) → seq, for reconciling late events;
 * - `time_events`: (tenant, ts) → seq, for reads by event time (verify, batch recomputation).
 * The indexes are filled by materialized views in the same INSERT; a read through one is
 * `events WHERE seq IN (…)`, which the log's order by seq serves.
 */
import type { Features } from '../client.js';

export default (f: Features) => {
  /** A string column of few distinct values. */
  const few = f.lowCardinality ? 'LowCardinality(String)' : 'String';
  const fewOrNull = f.lowCardinality ? 'LowCardinality(Nullable(String))' : 'Nullable(String)';
  return [
  `CREATE TABLE IF NOT EXISTS events (
     seq UInt64, arrived Int64, tenant ${few}, id String, type ${few}, ts Int64, key_ts Int64,
     appeal_id Nullable(String), channel ${fewOrNull}, queue ${fewOrNull}, operator_id Nullable(String),
     status ${fewOrNull}, direction ${fewOrNull}, campaign_id Nullable(String), attrs Nullable(String)
   ) ENGINE = MergeTree PARTITION BY intDiv(arrived, 86400000) ORDER BY seq`,
  `CREATE TABLE IF NOT EXISTS event_keys (tenant ${few}, id String, seq UInt64, arrived Int64)
   ENGINE = ReplacingMergeTree PARTITION BY intDiv(arrived, 86400000) ORDER BY (tenant, id)`,
  `CREATE MATERIALIZED VIEW IF NOT EXISTS event_keys_mv TO event_keys AS SELECT tenant, id, seq, arrived FROM events`,
  `CREATE TABLE IF NOT EXISTS appeal_events (tenant ${few}, appeal String, seq UInt64, arrived Int64)
   ENGINE = MergeTree PARTITION BY intDiv(arrived, 86400000) ORDER BY (tenant, appeal, seq)`,
  `CREATE MATERIALIZED VIEW IF NOT EXISTS appeal_events_mv TO appeal_events AS
   SELECT tenant, assumeNotNull(appeal_id) AS appeal, seq, arrived FROM events WHERE isNotNull(appeal_id)`,
  // (the index's column is not named appeal_id: an alias of that name would stand for the column in WHERE)
  `CREATE TABLE IF NOT EXISTS time_events (tenant ${few}, ts Int64, seq UInt64, arrived Int64)
   ENGINE = MergeTree PARTITION BY intDiv(arrived, 86400000) ORDER BY (tenant, ts, seq)`,
  `CREATE MATERIALIZED VIEW IF NOT EXISTS time_events_mv TO time_events AS SELECT tenant, ts, seq, arrived FROM events`,
];
};
