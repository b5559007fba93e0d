import type { ChClient } from '../client.js';

/**
 * A current ClickHouse engine in this process (chdb: the ClickHouse of today, 26.x), to check that the
 * SQL ccpulse writes for Debian's 18.16 also runs where the newer features are used (see Features). chdb
 * is 540 MB, so it is not a dependency: .ci/run installs it beside the project and names its module in
 * CCPULSE_CHDB_MODULE; elsewhere `npm i --no-save chdb` makes it importable as `chdb`.
 */
interface ChdbSession {
  query(sql: string, format?: string): string;
  cleanup(): void;
}

/** The chdb module, or null with the reason it is not there. */
export async function loadChdb(): Promise<{ Session: new (path?: string) => ChdbSession } | { missing: string }> {
  const where = process.env.CCPULSE_CHDB_MODULE ?? 'chdb';
  try {
    const mod = (await import(where)) as { Session?: unknown; default?: { Session?: unknown } };
    const Session = (mod.Session ?? mod.default?.Session) as (new (path?: string) => ChdbSession) | undefined;
    return Session ? { Session } : { missing: `${where} has no Session` };
  } catch (err) {
    return { missing: `cannot import ${where}: ${(err as Error).message.split('\n')[0]}` };
  }
}

/** A ChClient on a new chdb session (its own temporary directory; tables in its default database). */
export function chdbClient(Session: new (path?: string) => ChdbSession): ChClient {
  const session = new Session();
  const run = (sql: string, format?: string) => session.query(sql, format);
  return {
    async rows<T>(q: { text: string }) {
      const out = run(q.text, 'JSONEachRow');
      return out.split('\n').filter(Boolean).map((line) => JSON.parse(line) as T);
    },
    async compact(q: { text: string }) {
      return (JSON.parse(run(q.text, 'JSONCompact')) as { data: unknown[][] }).data;
    },
    async command(q) {
      run(typeof q === 'string' ? q : q.text);
    },
    async insert(table, rows) {
      if (rows.length === 0) return;
      run(`INSERT INTO ${table} FORMAT JSONEachRow\n${rows.map((r) => JSON.stringify(r)).join('\n')}`);
    },
    async waitQueryGone() {},
    async version() {
      return (JSON.parse(run('SELECT version() AS v', 'JSONEachRow')) as { v: string }).v.split('.').map(Number);
    },
    async close() {
      session.cleanup();
    },
  };
}
