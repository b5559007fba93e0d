import type { StoredSettings } from '../storage.js';
import { toMs } from './rollups.js';
import type { SqlClient } from './sql-client.js';

/**
 * Tenants' saved settings (migration 017). A save replaces the row only at the version it was read at,
 * in one statement: an insert for a tenant with none saved (expected 0), else an update guarded by the
 * version; no row back means another save came first.
 */
export async function putSettings(db: Pick<SqlClient, 'query'>, s: StoredSettings, expectedVersion: number): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO tenant_settings (tenant, version, settings, updated_at)
     VALUES ($1, $2::bigint + 1, $3::text::jsonb, to_timestamp($4::float8 / 1000))
     ON CONFLICT (tenant) DO UPDATE SET version = excluded.version, settings = excluded.settings, updated_at = excluded.updated_at
     WHERE tenant_settings.version = $2::bigint
     RETURNING version`,
    [s.tenant, expectedVersion, s.settings, s.updatedAt],
  );
  return rows.length === 1;
}

export async function listSettings(db: Pick<SqlClient, 'query'>): Promise<StoredSettings[]> {
  const rows = await db.query(`SELECT tenant, version::float8 AS version, settings::text AS settings, ${toMs('updated_at')} AS updated_at FROM tenant_settings ORDER BY tenant`);
  return rows.map((r) => ({ tenant: r.tenant as string, version: Number(r.version), settings: r.settings as string, updatedAt: Number(r.updated_at) }));
}
