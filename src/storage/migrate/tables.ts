/**
 * What `ccpulse migrate` copies: every table of the schema (src/storage/postgres/migrations), where it
 * lives (the log database or the store's: one database on PostgreSQL, two in the embedded store), and
 * the key it is copied and resumed in the order of. A table without a key is copied whole again when an
 * interrupted run finds it incomplete.
 */
import { KEY_TS_OF_ROW } from '../postgres/migrations/011_event_key_time.js';

export interface TableSpec {
  name: string;
  db: 'log' | 'store';
  /** Copied in this order, resumed after the last key the target holds; empty: copied whole. */
  key: readonly string[];
  /** A serial column whose sequence the target must carry on from (the next number after the last copied). */
  serial?: string;
  /** Columns read as an expression (in the copy and the checksum alike): values older rows lack. */
  computed?: Readonly<Record<string, string>>;
}

export const TABLES: readonly TableSpec[] = [
  // the embedded store's rows logged before migration 011 have no key_ts: PostgreSQL's log needs one
  { name: 'events', db: 'log', key: ['seq'], serial: 'seq', computed: { key_ts: KEY_TS_OF_ROW } },
  // the archive's record of the days that left the log (their files stay where they are: copy the archive
  // directory along, or give the target's server the same archive.dir)
  { name: 'archived_days', db: 'log', key: ['day', 'part'] },
  { name: 'rollups', db: 'store', key: ['tenant', 'bucket', 'queue', 'channel', 'operator'] },
  { name: 'rollups_hour', db: 'store', key: ['tenant', 'bucket', 'queue', 'channel', 'operator'] },
  { name: 'rollups_day', db: 'store', key: ['tenant', 'bucket', 'queue', 'channel', 'operator'] },
  { name: 'qa_totals', db: 'store', key: ['tenant', 'queue', 'channel'] },
  { name: 'dead_letters', db: 'store', key: ['id'], serial: 'id' },
  { name: 'processor_state', db: 'store', key: ['name', 'key'] },
  { name: 'recommendations', db: 'store', key: ['num'] },
  { name: 'recommendation_transitions', db: 'store', key: [] },
  { name: 'campaigns', db: 'store', key: ['tenant', 'id'] },
  { name: 'tenant_settings', db: 'store', key: ['tenant'] },
  // API keys, hashed: the same keys sign in to the target
  { name: 'api_keys', db: 'store', key: ['id'] },
  // notifications: destinations and deliveries (the outbox is not copied: routed already, or in the deliveries)
  { name: 'notify_destinations', db: 'store', key: ['tenant', 'id'] },
  { name: 'notify_deliveries', db: 'store', key: ['key'] },
  // last: a target with the checkpoint is a store whose rollups and state are all there
  { name: 'checkpoints', db: 'store', key: ['name'] },
];
