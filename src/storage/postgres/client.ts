import postgres from 'postgres';
import type { SqlClient } from './sql-client.js';
import { SqlStorage } from './sql-storage.js';

function wrap(sql: postgres.Sql | postgres.TransactionSql): SqlClient {
  return {
    query: async <T>(text: string, params: unknown[] = []) => (await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[])) as unknown as T[],
    exec: async (script) => {
      await sql.unsafe(script);
    },
    transaction: (fn) => (sql as postgres.Sql).begin((tx) => fn(wrap(tx))) as never,
    close: async () => {
      await (sql as postgres.Sql).end({ timeout: 5 });
    },
  };
}

/** PostgreSQL server backend (postgres.js). */
export async function openPostgresStorage(url: string): Promise<SqlStorage> {
  const sql = postgres(url, { max: 4, onnotice: () => {}, idle_timeout: 30 });
  const storage = new SqlStorage('postgres', wrap(sql));
  await storage.migrate();
  return storage;
}
