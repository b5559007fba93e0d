import type { KeyRole, StoredApiKey } from '../storage.js';
import { toMs } from './rollups.js';
import type { SqlClient } from './sql-client.js';

/** API keys on PostgreSQL and the embedded store (migration 023); see Storage.addApiKey. */
export async function addApiKey(db: Pick<SqlClient, 'query'>, k: StoredApiKey): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO api_keys (id, tenant, role, name, hash, last4, created_at, revoked_at)
     VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7::float8 / 1000), CASE WHEN $8::float8 IS NULL THEN NULL ELSE to_timestamp($8::float8 / 1000) END)
     ON CONFLICT (id) DO NOTHING
     RETURNING id`,
    [k.id, k.tenant, k.role, k.name, k.hash, k.last4, k.createdAt, k.revokedAt],
  );
  return rows.length === 1;
}

export async function revokeApiKey(db: Pick<SqlClient, 'query'>, id: string, at: number): Promise<boolean> {
  const rows = await db.query(`UPDATE api_keys SET revoked_at = to_timestamp($2::float8 / 1000) WHERE id = $1 AND revoked_at IS NULL RETURNING id`, [id, at]);
  return rows.length === 1;
}

export async function listApiKeys(db: Pick<SqlClient, 'query'>): Promise<StoredApiKey[]> {
  const rows = await db.query(
    `SELECT id, tenant, role, name, hash, last4, ${toMs('created_at')} AS created_at, ${toMs('revoked_at')} AS revoked_at FROM api_keys ORDER BY created_at, id`,
  );
  return rows.map((r) => ({
    id: r.id as string,
    tenant: r.tenant as string,
    role: r.role as KeyRole,
    name: r.name as string,
    hash: r.hash as string,
    last4: r.last4 as string,
    createdAt: Number(r.created_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
  }));
}
