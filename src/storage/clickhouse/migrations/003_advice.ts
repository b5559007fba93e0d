/**
 * Recommendations, their transitions and registered campaigns. A row is replaced by writing it again
 * with a higher version (ReplacingMergeTree); reads take each key's latest with argMax, which is exact
 * whether or not the parts have merged. No Nullable columns where argMax reads them (it skips NULLs):
 * absent times are sentinels (see ../records.ts).
 */
export default () => [
  `CREATE TABLE IF NOT EXISTS recommendations (
     tenant String, num UInt64, version UInt64, state String, opened_at Int64, resolved_at Int64, item String
   ) ENGINE = ReplacingMergeTree(version) ORDER BY (tenant, num)`,
  `CREATE TABLE IF NOT EXISTS recommendation_transitions (
     tenant String, num UInt64, from_state String, to_state String, at Int64
   ) ENGINE = MergeTree ORDER BY (tenant, num, at)`,
  `CREATE TABLE IF NOT EXISTS campaigns (tenant String, id String, version UInt64, campaign String)
   ENGINE = ReplacingMergeTree(version) ORDER BY (tenant, id)`,
];
