import init from './001_init.js';
import processorState from './002_processor_state.js';
import settledState from './003_settled_state.js';
import checkpointCommitId from './004_checkpoint_commit_id.js';
import reconcileFromLog from './005_reconcile_from_log.js';
import rollupResolutions from './006_rollup_resolutions.js';
import brinAutosummarize from './007_brin_autosummarize.js';
import logStatisticsSample from './008_log_statistics_sample.js';
import recommendations from './009_recommendations.js';
import campaigns from './010_campaigns.js';
import eventKeyTime from './011_event_key_time.js';
import partitionedLog from './012_partitioned_log.js';
import archivedDays from './013_archived_days.js';
import logKeyTimeFirst from './014_log_key_time_first.js';
import queueLevelRollupIndex from './015_queue_level_rollup_index.js';
import tenantSettings from './017_tenant_settings.js';
import notify from './022_notify.js';
import apiKeys from './023_api_keys.js';
import timescaleLog from './020_timescale_log.js';
import timescaleMinuteRollups from './021_timescale_minute_rollups.js';

/**
 * Numbered migrations, applied in order, each once. Never edit one that has shipped: add the next.
 * `only`: applied on that backend alone (the others skip it and do not record it). 'timescale' is a
 * PostgreSQL server with TimescaleDB (postgres/timescale/detect.ts): it takes every migration but those
 * only for 'postgres' or 'pglite', and its own (020 on); its log is a hypertable, never 012's partitions.
 */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string; only?: 'postgres' | 'pglite' | 'timescale' }> = [
  { version: 1, name: 'init', sql: init },
  { version: 2, name: 'processor_state', sql: processorState },
  { version: 3, name: 'settled_state', sql: settledState },
  { version: 4, name: 'checkpoint_commit_id', sql: checkpointCommitId },
  { version: 5, name: 'reconcile_from_log', sql: reconcileFromLog },
  { version: 6, name: 'rollup_resolutions', sql: rollupResolutions },
  { version: 7, name: 'brin_autosummarize', sql: brinAutosummarize },
  { version: 8, name: 'log_statistics_sample', sql: logStatisticsSample },
  { version: 9, name: 'recommendations', sql: recommendations },
  { version: 10, name: 'campaigns', sql: campaigns },
  { version: 11, name: 'event_key_time', sql: eventKeyTime },
  { version: 12, name: 'partitioned_log', sql: partitionedLog, only: 'postgres' },
  { version: 13, name: 'archived_days', sql: archivedDays },
  { version: 14, name: 'log_key_time_first', sql: logKeyTimeFirst, only: 'postgres' },
  // (TimescaleDB's minute rollups are a compressed hypertable: not indexed so without a server to test it on)
  { version: 15, name: 'queue_level_rollup_index', sql: queueLevelRollupIndex, only: 'postgres' },
  { version: 16, name: 'queue_level_rollup_index', sql: queueLevelRollupIndex, only: 'pglite' },
  { version: 17, name: 'tenant_settings', sql: tenantSettings },
  { version: 20, name: 'timescale_log', sql: timescaleLog, only: 'timescale' },
  { version: 21, name: 'timescale_minute_rollups', sql: timescaleMinuteRollups, only: 'timescale' },
  { version: 22, name: 'notify', sql: notify },
  { version: 23, name: 'api_keys', sql: apiKeys },
];
