import type { KeyRole, StoredApiKey } from '../storage.js';
import type { ChClient } from './client.js';
import { sql } from './sql.js';

/**
 * API keys on ClickHouse (migration 011). No conditional write: the key's current row is read, then the
 * next version written, one change at a time in this process (`changing`), as for settings.
 */
let changing: Promise<unknown> = Promise.resolve();

function serially<T>(f: () => Promise<T>): Promise<T> {
  const run = changing.then(f);
  changing = run.catch(() => undefined);
  return run;
}

type Row = { id: string; v: string; tenant: string; role: string; name: string; hash: string; last4: string; created_at: string; revoked_at: string };

async function current(db: ChClient, id?: string): Promise<Row[]> {
  const where = id === undefined ? sql`` : sql`WHERE id = ${id}`;
  return db.rows<Row>(
    sql`SELECT id, max(version) AS v, argMax(tenant, version) AS tenant, argMax(role, version) AS role, argMax(name, version) AS name,
        argMax(hash, version) AS hash, argMax(last4, version) AS last4, argMax(created_at, version) AS created_at, argMax(revoked_at, version) AS revoked_at
        FROM api_keys ${where} GROUP BY id ORDER BY created_at, id`,
  );
}

/** A key's row at its first version (revoked_at 0: valid), as added or copied in by ccpulse migrate. */
export function firstVersionRow(k: StoredApiKey): Record<string, string | number> {
  return { id: k.id, version: 1, tenant: k.tenant, role: k.role, name: k.name, hash: k.hash, last4: k.last4, created_at: k.createdAt, revoked_at: k.revokedAt ?? 0 };
}

export function addApiKey(db: ChClient, k: StoredApiKey): Promise<boolean> {
  return serially(async () => {
    if ((await current(db, k.id)).length) return false;
    await db.insert('api_keys', [firstVersionRow(k)]);
    return true;
  });
}

export function revokeApiKey(db: ChClient, id: string, at: number): Promise<boolean> {
  return serially(async () => {
    const [row] = await current(db, id);
    if (!row || Number(row.revoked_at) !== 0) return false;
    await db.insert('api_keys', [{ id, version: Number(row.v) + 1, tenant: row.tenant, role: row.role, name: row.name, hash: row.hash, last4: row.last4, created_at: Number(row.created_at), revoked_at: at }]);
    return true;
  });
}

export async function listApiKeys(db: ChClient): Promise<StoredApiKey[]> {
  return (await current(db)).map((r) => ({
    id: r.id,
    tenant: r.tenant,
    role: r.role as KeyRole,
    name: r.name,
    hash: r.hash,
    last4: r.last4,
    createdAt: Number(r.created_at),
    revokedAt: Number(r.revoked_at) === 0 ? null : Number(r.revoked_at),
  }));
}
