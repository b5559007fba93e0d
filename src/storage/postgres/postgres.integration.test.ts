import postgres from 'postgres';
import { storageConformance } from '../conformance.js';
import { serverAvailable } from '../../testing/require-server.js';
import { openPostgresStorage } from './client.js';

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
