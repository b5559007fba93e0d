import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import postgres from 'postgres';
import { parseStorageUrl } from '../../config/config.js';
import { claimStorage, describePostgresUrl } from '../open.js';
import { wrap } from '../postgres/client.js';
import { sqlOverPort } from '../sql-port.js';
import type { SqlEndpoint } from '../storage.js';
import { sqlLogicalStore } from './logical-sql.js';
import type { LogicalStore } from './logical.js';
import { MigrationError, type MigrationEndpoint, type Query } from './migrate.js';

/**
 * A store open for `ccpulse migrate`: as logical tables (every backend; migrate/logical.ts), and where it
 * is of the PostgreSQL dialect also as SQL on its databases (the row-for-row copy of migrate.ts, used
 * when both ends have it).
 */
export interface OpenEndpoint {
  name: string;
  sql: MigrationEndpoint | null;
  logical: LogicalStore;
  close(): Promise<void>;
}

/**
 * Opens a backend named by its URL (`pglite:DIR`, `postgres://…`, `clickhouse://…`) for `ccpulse migrate`,
 * as a server would: its lock or lease taken (no server may run on it meanwhile), its migrations applied.
 * `mustHoldData`: a source must be a ccpulse store that exists (a mistyped directory would otherwise
 * copy nothing, and say so happily).
 */
export async function openEndpoint(url: string, role: '--from' | '--to', mustHoldData: boolean): Promise<OpenEndpoint> {
  const t = parseStorageUrl(url);
  if ('error' in t) throw new MigrationError(`${role}: ${t.error}`);
  if (t.storage === 'clickhouse') {
    const { describeClickhouseUrl } = await import('../clickhouse/client.js');
    const name = `clickhouse at ${describeClickhouseUrl(t.clickhouseUrl)}`;
    const claim = await claimStorage({ storage: 'clickhouse', dataDir: '', postgresUrl: '', clickhouseUrl: t.clickhouseUrl });
    const storage = (await claim.open()) as import('../clickhouse/clickhouse-storage.js').ClickhouseStorage;
    return { name, sql: null, logical: storage.logicalStore(name), close: () => storage.close() };
  }
  if (t.storage === 'pglite' && mustHoldData && !existsSync(join(t.dataDir, 'pglite'))) {
    throw new MigrationError(`${role}: ${resolve(t.dataDir)} holds no ccpulse data (no pglite/ in it)`);
  }
  const name = t.storage === 'pglite' ? `pglite:${resolve(t.dataDir)}` : `postgres at ${describePostgresUrl(t.postgresUrl)}`;
  const claim = await claimStorage(t.storage === 'pglite' ? { storage: 'pglite', dataDir: t.dataDir, postgresUrl: '' } : { storage: 'postgres', dataDir: '', postgresUrl: t.postgresUrl });
  const storage = await claim.open();
  const access = storage.sqlAccess!();
  const clients: Array<{ close(): unknown }> = [];
  const connect = (e: SqlEndpoint): Query => {
    if ('port' in e) {
      const c = sqlOverPort(e.port);
      clients.push(c);
      return c;
    }
    if (!('postgresUrl' in e)) throw new MigrationError(`${role}: not a database of the PostgreSQL dialect`);
    const client = wrap(postgres(e.postgresUrl, { max: 2, onnotice: () => {}, connect_timeout: 5 }));
    clients.push(client);
    return client;
  };
  const log = connect(access.log);
  const store = 'postgresUrl' in access.store && 'postgresUrl' in access.log && access.store.postgresUrl === access.log.postgresUrl ? log : connect(access.store);
  return {
    name,
    sql: { name, log, store },
    logical: sqlLogicalStore(name, log, store),
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await storage.close();
    },
  };
}
