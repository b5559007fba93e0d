import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { SqlClient } from '../postgres/sql-client.js';

function wrap(db: PGlite | Transaction): SqlClient {
  return {
    query: async <T>(text: string, params: unknown[] = []) => (await db.query<T>(text, params)).rows,
    exec: async (script) => {
      await db.exec(script);
    },
    transaction: (fn) => (db as PGlite).transaction((tx) => fn(wrap(tx))),
    close: () => (db as PGlite).close(),
  };
}

/** Opens PGlite on a directory (created if needed), or in memory when dataDir is undefined. */
export async function openPgliteClient(dataDir: string | undefined): Promise<SqlClient> {
  const db = await PGlite.create(dataDir);
  return wrap(db);
}
