/**
 * Checkpoint commits. ClickHouse has no multi-statement transactions, so a commit is ONE insert into
 * `commits`, of one partition (name, commit_id / 100000): one part, written whole or not at all. Its rows
 * are of four kinds: the checkpoint itself (1), keyed state (2), rollup deltas (3), dead letters (4).
 * Materialized views carry each kind to the table that serves it (rollups at three resolutions as
 * AggregatingMergeTree -State columns, read with -Merge; state and dead letters replaced by version);
 * the checkpoint is read from `commits` itself, so a commit is visible exactly when its part is.
 * A commit whose acknowledgement was lost is recognised by its number (see ../commits.ts).
 */
import type { Features } from '../client.js';

const cell = (few: string) => `tenant ${few}, bucket Int64, queue ${few}, channel ${few}, operator String`;
const SUMS = ['offered', 'aa', 'ha', 'missed', 'wait_sum_ms', 'wait_count', 'handle_sum_ms', 'handle_count', 'qa_delta'];

/** A rollup table (`order`: its sort key; migration 007 puts the operator before the bucket). */
export const rollupTable = (name: string, few: string, order = 'tenant, bucket, queue, channel, operator') => `CREATE TABLE IF NOT EXISTS ${name} (
     ${cell(few)},
     ${SUMS.map((c) => `${c} AggregateFunction(sum, Int64)`).join(', ')},
     wait_hist AggregateFunction(sumMap, Array(UInt16), Array(Int64)),
     abandon_hist AggregateFunction(sumMap, Array(UInt16), Array(Int64))
   ) ENGINE = AggregatingMergeTree PARTITION BY intDiv(bucket, 86400000 * 30) ORDER BY (${order})`;

export const rollupView = (name: string, bucketMs: number) => `CREATE MATERIALIZED VIEW IF NOT EXISTS ${name}_mv TO ${name} AS
   SELECT tenant, intDiv(bucket, ${bucketMs}) * ${bucketMs} AS bucket, queue, channel, operator,
          ${SUMS.map((c) => `sumState(${c}) AS ${c}`).join(', ')},
          sumMapState(wait_bins, wait_counts) AS wait_hist, sumMapState(abandon_bins, abandon_counts) AS abandon_hist
   FROM commits WHERE kind = 3 GROUP BY tenant, bucket, queue, channel, operator`;

/** The commits table (`perPartition`: commits to a partition; 100,000 here, 1,000 from migration 012). */
export const commitsTable = (name: string, perPartition: number) =>
  `CREATE TABLE IF NOT EXISTS ${name} (
     name String, commit_id UInt64, kind UInt8, committed_at Int64,
     position UInt64, state String,
     state_key String, deleted UInt8,
     ${cell('String')},
     ${SUMS.map((c) => `${c} Int64`).join(', ')},
     wait_bins Array(UInt16), wait_counts Array(Int64), abandon_bins Array(UInt16), abandon_counts Array(Int64),
     repair_kinds Array(String), repair_counts Array(Int64),
     dl_id UInt64, has_event_id UInt8, event_id String, dl_seq Int64, step String, reason String, payload String
   ) ENGINE = MergeTree PARTITION BY (name, intDiv(commit_id, ${perPartition})) ORDER BY (name, kind, commit_id)`;

const PROCESSOR_STATE_VIEW = `CREATE MATERIALIZED VIEW IF NOT EXISTS processor_state_mv TO processor_state AS
   SELECT name, state_key, commit_id, deleted, state AS value FROM commits WHERE kind = 2`;
const ROLLUP_REPAIRS_VIEW = `CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_repairs_mv TO rollup_repairs AS
   SELECT tenant, bucket, queue, channel, operator, repair, n FROM commits ARRAY JOIN repair_kinds AS repair, repair_counts AS n WHERE kind = 3`;
const QA_TOTALS_VIEW = `CREATE MATERIALIZED VIEW IF NOT EXISTS qa_totals_mv TO qa_totals AS
   SELECT tenant, queue, channel, qa_delta AS qa FROM commits WHERE kind = 3 AND operator = '' AND qa_delta != 0`;
const DEAD_LETTERS_VIEW = `CREATE MATERIALIZED VIEW IF NOT EXISTS dead_letters_mv TO dead_letters AS
   SELECT dl_id AS id, toUInt64(0) AS version, tenant, has_event_id, event_id, dl_seq AS seq, step, reason, payload,
          committed_at AS created_at, toInt64(0) AS replayed_at
   FROM commits WHERE kind = 4`;
/** The views from `commits` other than the rollups' (migration 012 drops and makes them again around its swap). */
export const commitViews = (): string[] => [PROCESSOR_STATE_VIEW, ROLLUP_REPAIRS_VIEW, QA_TOTALS_VIEW, DEAD_LETTERS_VIEW];

export default (f: Features) => {
  const few = f.lowCardinality ? 'LowCardinality(String)' : 'String';
  return [
  commitsTable('commits', 100_000),

  `CREATE TABLE IF NOT EXISTS processor_state (name String, state_key String, commit_id UInt64, deleted UInt8, value String)
   ENGINE = ReplacingMergeTree(commit_id) ORDER BY (name, state_key)`,
  PROCESSOR_STATE_VIEW,

  rollupTable('rollups', few),
  rollupView('rollups', 60_000),
  rollupTable('rollups_hour', few),
  rollupView('rollups_hour', 3_600_000),
  rollupTable('rollups_day', few),
  rollupView('rollups_day', 86_400_000),

  `CREATE TABLE IF NOT EXISTS rollup_repairs (${cell(few)}, repair String, n Int64)
   ENGINE = SummingMergeTree(n) ORDER BY (tenant, bucket, queue, channel, operator, repair)`,
  ROLLUP_REPAIRS_VIEW,

  `CREATE TABLE IF NOT EXISTS qa_totals (tenant String, queue String, channel String, qa Int64)
   ENGINE = SummingMergeTree(qa) ORDER BY (tenant, queue, channel)`,
  QA_TOTALS_VIEW,

  // version 0 as written; a replay writes the row again with its time as version (see ../records.ts)
  `CREATE TABLE IF NOT EXISTS dead_letters (
     id UInt64, version UInt64, tenant String, has_event_id UInt8, event_id String, seq Int64, step String, reason String,
     payload String, created_at Int64, replayed_at Int64
   ) ENGINE = ReplacingMergeTree(version) ORDER BY id`,
  DEAD_LETTERS_VIEW,
];
};
