import { join, resolve } from 'node:path';
import type { Config } from '../config/config.js';
import { prepareDataDir } from './pglite/data-dir.js';
import { acquireDataDirLock } from './pglite/data-dir-lock.js';
import type { Storage } from './storage.js';

// The backends' modules (PGlite, postgres.js, the SQL) are loaded when a backend is opened, not with
// this module: the checks before are then as quick as they can be.

/** The backend cannot be opened for a reason the person running ccpulse can fix; the message says which. */
export class StorageOpenError extends Error {
  override name = 'StorageOpenError';
}

/**
 * A backend checked and claimed, not yet opened: the quick part of opening (is the data directory
 * usable and ours, does the PostgreSQL server answer), done before the slow part so that a mistake
 * shows in milliseconds. `open` opens it; `release` gives the claim up without opening.
 */
export interface StorageClaim {
  open(): Promise<Storage>;
  release(): void;
}

const PG_CONNECT_TIMEOUT_SEC = 5;

/** Checks and claims the backend the configuration names (see StorageClaim). */
export async function claimStorage(cfg: Pick<Config, 'storage' | 'dataDir' | 'postgresUrl'> & Partial<Pick<Config, 'clickhouseUrl' | 'timescale'>>): Promise<StorageClaim> {
  switch (cfg.storage) {
    case 'pglite': {
      // DataDirError and DataDirInUseError (from these two) name the directory and what is wrong.
      await prepareDataDir(cfg.dataDir);
      const lock = await acquireDataDirLock(cfg.dataDir);
      return {
        async open() {
          const dir = join(resolve(cfg.dataDir), 'pglite');
          const { openPgliteStorage } = await import('./pglite/index.js');
          let storage: Storage;
          try {
            storage = await openPgliteStorage({ dataDir: dir, thread: true });
          } catch (err) {
            lock.release();
            throw new StorageOpenError(`cannot open the embedded database in ${dir}: ${(err as Error).message}`, { cause: err });
          }
          const close = storage.close.bind(storage);
          storage.close = async () => {
            try {
              await close();
            } finally {
              lock.release();
            }
          };
          return storage;
        },
        release: () => lock.release(),
      };
    }
    case 'postgres': {
      const where = describePostgresUrl(cfg.postgresUrl);
      await checkPostgres(cfg.postgresUrl, where);
      return {
        async open() {
          const { openPostgresStorage } = await import('./postgres/client.js');
          try {
            // TimescaleDB's policies apply where the server has it (postgres/timescale/detect.ts)
            return await openPostgresStorage(cfg.postgresUrl, { timescale: cfg.timescale });
          } catch (err) {
            if ((err as Error).name === 'DatabaseInUseError') throw new StorageOpenError(`PostgreSQL at ${where}: ${(err as Error).message}`, { cause: err });
            throw new StorageOpenError(`cannot open PostgreSQL at ${where}: ${postgresReason(err)}`, { cause: err });
          }
        },
        release() {},
      };
    }
    case 'clickhouse': {
      const url = cfg.clickhouseUrl ?? '';
      const { describeClickhouseUrl } = await import('./clickhouse/client.js');
      let where: string;
      try {
        where = describeClickhouseUrl(url);
      } catch (err) {
        throw new StorageOpenError(`the ClickHouse URL: ${(err as Error).message}`);
      }
      await checkClickhouse(url, where);
      return {
        async open() {
          const { ClickhouseStorage } = await import('./clickhouse/clickhouse-storage.js');
          try {
            return await ClickhouseStorage.open(url);
          } catch (err) {
            if ((err as Error).name === 'ClickhouseInUseError') throw new StorageOpenError(`ClickHouse at ${where}: ${(err as Error).message}`, { cause: err });
            throw new StorageOpenError(`cannot open ClickHouse at ${where}: ${postgresReason(err)}`, { cause: err });
          }
        },
        release() {},
      };
    }
  }
}

/** One query, with a timeout: an unreachable server or a refused login fail here, fast. */
async function checkClickhouse(url: string, where: string): Promise<void> {
  const { chClient, parseClickhouseUrl } = await import('./clickhouse/client.js');
  const { sql } = await import('./clickhouse/sql.js');
  const db = chClient(parseClickhouseUrl(url), null, 5_000);
  try {
    await db.rows(sql`SELECT 1`);
  } catch (err) {
    throw new StorageOpenError(`cannot connect to ClickHouse at ${where}: ${postgresReason(err)}`, { cause: err });
  } finally {
    await db.close().catch(() => {});
  }
}

/** Opens the backend the configuration names. */
export async function openStorage(cfg: Pick<Config, 'storage' | 'dataDir' | 'postgresUrl'> & Partial<Pick<Config, 'clickhouseUrl' | 'timescale'>>): Promise<Storage> {
  return (await claimStorage(cfg)).open();
}

/** host:port/database of a PostgreSQL URL, without the user's password; throws if it is not one. */
export function describePostgresUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new StorageOpenError('the PostgreSQL URL is not a URL (expected postgres://USER:PASSWORD@HOST:PORT/DATABASE)');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new StorageOpenError(`the PostgreSQL URL must start with postgres:// (it starts with ${u.protocol}//)`);
  }
  const host = u.hostname || u.searchParams.get('host') || 'localhost';
  return `${host}:${u.port || 5432}${u.pathname.length > 1 ? u.pathname : ''}`;
}

/** One connection, with a timeout: an unreachable server, a refused login or a missing database fail here, fast. */
async function checkPostgres(url: string, where: string): Promise<void> {
  const { default: postgres } = await import('postgres');
  const sql = postgres(url, { max: 1, connect_timeout: PG_CONNECT_TIMEOUT_SEC, idle_timeout: 1, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
  } catch (err) {
    throw new StorageOpenError(`cannot connect to PostgreSQL at ${where}: ${postgresReason(err)}`, { cause: err });
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

const PG_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is PostgreSQL running there?)',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'the host name could not be resolved',
  ETIMEDOUT: `no answer`,
  CONNECT_TIMEOUT: `no answer within ${PG_CONNECT_TIMEOUT_SEC} s`,
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'the connection was reset',
};

/** A connection or server error as words, never with the URL (it may hold a password); ClickHouse's clients fail with the same codes. */
function postgresReason(err: unknown): string {
  const e = err as { code?: string; message?: string; errors?: unknown[] };
  if (e?.code && PG_REASONS[e.code]) return PG_REASONS[e.code];
  if (Array.isArray(e?.errors) && e.errors.length) return postgresReason(e.errors[0]); // AggregateError: one per address
  return e?.message ?? String(err);
}
