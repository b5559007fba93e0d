import log from './001_log.js';
import commits from './002_commits.js';
import advice from './003_advice.js';
import archive from './004_archive.js';
import eventKeysByTime from './005_event_keys_by_time.js';
import dropEventKeys from './006_drop_event_keys.js';
import rollupsByLevel, { restoreHalfRenamed } from './007_rollups_by_level.js';
import tenantSettings from './008_tenant_settings.js';
import notify from './009_notify.js';
import { convertRollupsToSummed } from './010_rollups_summed.js';
import apiKeys from './011_api_keys.js';
import { boundedPartitionsStatements, restoreHalfSwapped } from './012_bounded_partitions.js';
import keysByClaimedDay, { restoreKeysHalfSwapped } from './013_event_keys_by_claimed_day.js';

import type { ChClient, Features } from '../client.js';

/**
 * ClickHouse's numbered migrations: each a list of statements (its HTTP interface takes one at a time),
 * written for what the server can do (see Features).
 */
export const MIGRATIONS: ReadonlyArray<{
  version: number;
  name: string;
  statements: (f: Features) => readonly string[];
  /** Puts right what a kill between two of its statements can leave that a statement cannot test for (ClickHouse has no conditional DDL); run first. */
  before?: (db: ChClient) => Promise<void>;
}> = [
  { version: 1, name: 'log', statements: log },
  { version: 2, name: 'commits', statements: commits },
  { version: 3, name: 'advice', statements: advice },
  { version: 4, name: 'archive', statements: archive },
  { version: 5, name: 'event_keys_by_time', statements: eventKeysByTime },
  { version: 6, name: 'drop_event_keys', statements: dropEventKeys },
  { version: 7, name: 'rollups_by_level', statements: rollupsByLevel, before: restoreHalfRenamed },
  { version: 8, name: 'tenant_settings', statements: tenantSettings },
  { version: 9, name: 'notify', statements: notify },
  // procedural: converted table by table, each recognised when done (see the file)
  { version: 10, name: 'rollups_summed', statements: () => [], before: (db) => convertRollupsToSummed(db) },
  { version: 11, name: 'api_keys', statements: apiKeys },
  // procedural in part: a rename cut in half is put right first (see the file)
  { version: 12, name: 'bounded_partitions', statements: boundedPartitionsStatements, before: restoreHalfSwapped },
  { version: 13, name: 'event_keys_by_claimed_day', statements: keysByClaimedDay, before: restoreKeysHalfSwapped },
];
