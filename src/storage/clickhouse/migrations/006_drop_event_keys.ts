/** The dedup index by (tenant, id) alone, replaced by `event_keys_by_time` (migration 005). */
export default () => [`DROP TABLE IF EXISTS event_keys`];
