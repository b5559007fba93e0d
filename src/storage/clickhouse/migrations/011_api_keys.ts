/**
 * API keys (issue #14): a revoke writes the key's row again with the next version and revoked_at set;
 * reads take the highest version (argMax), exact whether or not the parts have merged. revoked_at 0: valid.
 */
export default () => [
  `CREATE TABLE IF NOT EXISTS api_keys (id String, version UInt64, tenant String, role String, name String, hash String, last4 String, created_at Int64, revoked_at Int64)
   ENGINE = ReplacingMergeTree(version) ORDER BY id`,
];
