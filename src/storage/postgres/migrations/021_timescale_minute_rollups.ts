/**
 * The minute rollups as a TimescaleDB hypertable, compressed once late events can no longer reach them
 * (timescale/policies.ts). The hour and day rollups stay the tables the checkpoint writes in the same
 * transaction as the minutes (rollups.ts: addRollupDeltas), not continuous aggregates over the minutes:
 *  - exact at once: a continuous aggregate answers from what its last refresh materialized, and a late
 *    event or a retraction changes minutes it already materialized; until the next refresh its hours and
 *    days would be wrong, and history must equal the minutes it sums (the conformance suite's property);
 *  - exactly once: the checkpoint commits rollups, state and log position together; a refresh is a
 *    second writer outside that transaction;
 *  - the histograms merge with ccpulse's own aggregate (ccp_hist_sum, migration 006), which has no
 *    combine function and is not parallel-safe, as a continuous aggregate's would have to be.
 * The hour and day tables are small (1/60 and 1/1440 of the minutes); the minutes are what grows.
 *
 * A chunk a day of minutes; a compressed day keeps a segment per tenant × queue × channel, ordered by
 * minute: history reads one queue's minutes of a range, and a late event's upsert finds its cell's
 * batch by segment and minute (the key's columns are all segment or order columns).
 */
export default `
SELECT create_hypertable('rollups', by_range('bucket', INTERVAL '1 day'), migrate_data => true, create_default_indexes => false);
ALTER TABLE rollups SET (
  timescaledb.compress,
  timescaledb.compress_segmentby = 'tenant, queue, channel',
  timescaledb.compress_orderby = 'bucket, operator'
);
`;
