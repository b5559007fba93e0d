/**
 * Notifications (issue #12, src/notify). Destinations and deliveries are replaced by writing them again
 * with a higher version (ReplacingMergeTree), read with argMax (exact whether or not the parts have
 * merged); the outbox is appended to before the lifecycle change it carries (../notify.ts); how far it
 * is routed is one row kept at its highest. No Nullable columns where argMax reads them: absent times are 0.
 */
export default () => [
  `CREATE TABLE IF NOT EXISTS notify_destinations (tenant String, id String, version UInt64, deleted UInt8, doc String, updated_at Int64)
   ENGINE = ReplacingMergeTree(version) ORDER BY (tenant, id)`,
  `CREATE TABLE IF NOT EXISTS notify_outbox (id UInt64, tenant String, num UInt64, from_state String, to_state String, at Int64, item String)
   ENGINE = MergeTree ORDER BY id`,
  `CREATE TABLE IF NOT EXISTS notify_routed (one UInt8, up_to UInt64) ENGINE = ReplacingMergeTree(up_to) ORDER BY one`,
  `CREATE TABLE IF NOT EXISTS notify_deliveries (
     key String, version UInt64, tenant String, destination String, num UInt64, event String, state String, attempts UInt32,
     next_at Int64, last_error String, created_at Int64, sent_at Int64, message String
   ) ENGINE = ReplacingMergeTree(version) ORDER BY key`,
];
