import postgres from 'postgres';
import { openPostgresStorage } from '../storage/postgres/client.js';
import { serverAvailable } from '../testing/require-server.js';
import { sqlVerifyReads, type Db } from '../verify/log-reads.js';
import { appealsPageProperty } from './testing/appeals-page-property.js';

/** The drill-down's reads on a PostgreSQL server (its own database, dropped after). */

const ADMIN_URL = process.env.CCPULSE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = `ccpulse_appeals_${process.pid}`;
const url = ADMIN_URL.replace(/\/[^/]*$/, `/${DB}`);

appealsPageProperty(
  'postgres',
  async () => {
    const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`DROP DATABASE IF EXISTS ${DB}`);
    await admin.unsafe(`CREATE DATABASE ${DB}`);
    await admin.end();
    const storage = await openPostgresStorage(url);
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    const db: Db = { query: async <T>(text: string, params: unknown[] = []) => (await sql.unsafe(text, params as never[])) as unknown as T[] };
    const close = storage.close.bind(storage);
    storage.close = async () => {
      await sql.end();
      await close();
      const admin2 = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
      await admin2.unsafe(`DROP DATABASE IF EXISTS ${DB}`);
      await admin2.end();
    };
    return { storage, reads: sqlVerifyReads(db, db) };
  },
  { enabled: () => serverAvailable('PostgreSQL', '127.0.0.1', 5432), runs: 40 },
);
