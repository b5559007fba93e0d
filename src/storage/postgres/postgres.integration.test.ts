import postgres from 'postgres';
import { storageConformance } from '../conformance.js';
import { serverAvailable } from '../../testing/require-server.js';
import { afterAll, expect, it } from 'vitest';
import { DatabaseInUseError, openPostgresStorage } from './client.js';

const ADMIN_URL = process.env.CCPULSE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = `ccpulse_test_${process.pid}`;
const url = ADMIN_URL.replace(/\/[^/]*$/, `/${DB}`);

async function freshDatabase() {
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${DB}`);
  await admin.unsafe(`CREATE DATABASE ${DB}`);
  await admin.end();
  return openPostgresStorage(url);
}

storageConformance('postgres', freshDatabase, {
  enabled: () => serverAvailable('PostgreSQL', '127.0.0.1', 5432),
  reopen: () => openPostgresStorage(url),
});

it('refuses a second writer on the same database while the first runs, and lets it in once the first closes', async (ctx) => {
  if (!(await serverAvailable('PostgreSQL', '127.0.0.1', 5432))) return ctx.skip();
  const lockDb = `${DB}_lock`;
  const lockUrl = ADMIN_URL.replace(/\/[^/]*$/, `/${lockDb}`);
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${lockDb}`);
  await admin.unsafe(`CREATE DATABASE ${lockDb}`);
  afterAll(async () => {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${lockDb} WITH (FORCE)`);
    await admin.end();
  });
  const first = await openPostgresStorage(lockUrl);
  await expect(openPostgresStorage(lockUrl)).rejects.toThrow(DatabaseInUseError);
  await first.close();
  const second = await openPostgresStorage(lockUrl);
  await second.close();
});

it('asks autovacuum to summarize each block range of the log as it fills (reads by seq or ts otherwise scan the unsummarized tail)', async (ctx) => {
  if (!(await serverAvailable('PostgreSQL', '127.0.0.1', 5432))) return ctx.skip();
  const storage = await freshDatabase();
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`SELECT relname, reloptions FROM pg_class WHERE relname IN ('events_seq_brin', 'events_ts_brin') ORDER BY relname`;
    expect(rows.map((r) => [r.relname, r.reloptions])).toEqual([
      ['events_seq_brin', ['autosummarize=on']],
      ['events_ts_brin', ['autosummarize=on']],
    ]);
  } finally {
    await sql.end();
    await storage.close();
  }
});
