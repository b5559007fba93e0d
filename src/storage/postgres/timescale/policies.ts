import type { SqlClient } from '../sql-client.js';

/**
 * TimescaleDB's policies on ccpulse's hypertables (migrations 020, 021), from the configuration's
 * `timescale` section. Set at every start, changed only where they differ from what the database holds
 * (a policy removed and added again would lose its job's history, which the job watch reads).
 */
export interface TimescaleSettings {
  /** Days of the log (by claimed time) left uncompressed: appends and replays of recent days stay on plain rows. */
  compressLogAfterDays: number;
  /**
   * Days of minute rollups left uncompressed. Late events and retractions rewrite minutes; an upsert into
   * a compressed day works but decompresses the batch it touches, so the minutes compress once late
   * events no longer reach them.
   */
  compressRollupsAfterDays: number;
  /**
   * Days after which the log's raw days are dropped; 0: never. Off by default: the raw events are the
   * only record verify and recomputation have, and they leave the hot store through the archive (issue
   * #10, `ccpulse archive`), which checks them in the archive first. The rollups are never dropped.
   */
  dropLogAfterDays: number;
}

export const DEFAULT_TIMESCALE_SETTINGS: TimescaleSettings = { compressLogAfterDays: 2, compressRollupsAfterDays: 7, dropLogAfterDays: 0 };

/** What the database's policies now are, and what setting them changed. */
export interface PolicyState {
  compressLogAfterDays: number;
  compressRollupsAfterDays: number;
  dropLogAfterDays: number;
  changed: string[];
}

export async function applyPolicies(db: SqlClient, s: TimescaleSettings): Promise<PolicyState> {
  const changed: string[] = [];
  if (await ensurePolicy(db, 'events', 'compression', s.compressLogAfterDays)) changed.push(`log compressed after ${s.compressLogAfterDays} days`);
  if (await ensurePolicy(db, 'rollups', 'compression', s.compressRollupsAfterDays)) changed.push(`minute rollups compressed after ${s.compressRollupsAfterDays} days`);
  if (await ensurePolicy(db, 'events', 'retention', s.dropLogAfterDays > 0 ? s.dropLogAfterDays : null)) {
    changed.push(s.dropLogAfterDays > 0 ? `log days dropped after ${s.dropLogAfterDays} days` : 'log days no longer dropped');
  }
  return { ...s, changed };
}

const POLICY = {
  compression: { proc: 'policy_compression', key: 'compress_after', add: 'add_compression_policy', remove: 'remove_compression_policy' },
  retention: { proc: 'policy_retention', key: 'drop_after', add: 'add_retention_policy', remove: 'remove_retention_policy' },
} as const;

/** One policy on one hypertable set to `days` (null: none). Returns whether anything changed. */
async function ensurePolicy(db: SqlClient, table: 'events' | 'rollups', kind: keyof typeof POLICY, days: number | null): Promise<boolean> {
  const p = POLICY[kind];
  const interval = days === null ? null : `${days} days`;
  const [current] = await db.query<{ same: boolean }>(
    `SELECT coalesce((config->>'${p.key}')::interval = $3::interval, false) AS same
     FROM timescaledb_information.jobs WHERE proc_name = $1 AND hypertable_name = $2 AND hypertable_schema = current_schema()`,
    [p.proc, table, interval],
  );
  if (current?.same) return false;
  if (!current && interval === null) return false;
  await db.transaction(async (tx) => {
    if (current) await tx.query(`SELECT ${p.remove}($1::regclass)`, [table]);
    if (interval !== null) await tx.query(`SELECT ${p.add}($1::regclass, $2::interval)`, [table, interval]);
  });
  return true;
}
