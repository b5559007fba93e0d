/**
 * Each tenant's settings as edited in the dashboard (PUT /v1/settings). A save writes the row again with
 * the next version; reads take the highest (argMax), exact whether or not the parts have merged.
 */
export default () => [
  `CREATE TABLE IF NOT EXISTS tenant_settings (tenant String, version UInt64, settings String, updated_at Int64)
   ENGINE = ReplacingMergeTree(version) ORDER BY tenant`,
];
