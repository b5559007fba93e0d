import postgres from 'postgres';
import { afterAll } from 'vitest';
import { openPostgresStorage } from '../storage/postgres/client.js';
import { serverAvailable } from '../testing/require-server.js';
import { archiveSuite } from './testing/archive-suite.js';

const ADMIN_URL = process.env.CCPULSE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const made: string[] = [];
let n = 0;

/** A fresh database per case: the log partitioned by day, as a server makes it. */
async function fresh() {
  const db = `ccpulse_test_archive_${process.pid}_${n++}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${db}`);
  await admin.unsafe(`CREATE DATABASE ${db}`);
  await admin.end();
  made.push(db);
  return openPostgresStorage(ADMIN_URL.replace(/\/[^/]*$/, `/${db}`));
}

afterAll(async () => {
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  for (const db of made) await admin.unsafe(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.end();
});

archiveSuite('PostgreSQL, the log partitioned by day', fresh, () => serverAvailable('PostgreSQL', '127.0.0.1', 5432));
