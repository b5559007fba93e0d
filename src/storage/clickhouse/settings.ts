import type { StoredSettings } from '../storage.js';
import type { ChClient } from './client.js';
import { sql } from './sql.js';

/**
 * Tenants' saved settings on ClickHouse (migration 008). ClickHouse has no conditional write: the version
 * is read, then the next one written, one save at a time in this process (`saving`). Two ccpulse processes
 * saving the same tenant's settings at the same instant could both win; one process owns a store today.
 */
let saving: Promise<unknown> = Promise.resolve();

export function putSettings(db: ChClient, s: StoredSettings, expectedVersion: number): Promise<boolean> {
  const run = saving.then(async () => {
    const [row] = await db.rows<{ v: string }>(sql`SELECT max(version) AS v FROM tenant_settings WHERE tenant = ${s.tenant}`);
    if (Number(row?.v ?? 0) !== expectedVersion) return false;
    await db.insert('tenant_settings', [{ tenant: s.tenant, version: expectedVersion + 1, settings: s.settings, updated_at: s.updatedAt }]);
    return true;
  });
  saving = run.catch(() => undefined);
  return run;
}

export async function listSettings(db: ChClient): Promise<StoredSettings[]> {
  const rows = await db.rows<{ tenant: string; v: string; s: string; at: string }>(
    sql`SELECT tenant, max(version) AS v, argMax(settings, version) AS s, argMax(updated_at, version) AS at FROM tenant_settings GROUP BY tenant ORDER BY tenant`,
  );
  return rows.map((r) => ({ tenant: r.tenant, version: Number(r.v), settings: r.s, updatedAt: Number(r.at) }));
}
