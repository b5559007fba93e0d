import postgres from 'postgres';
import { afterAll, expect, it } from 'vitest';
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

it('ccpulse migrate refuses a PostgreSQL source holding a day an interrupted archive run took out of the log, naming it', async (ctx) => {
  if (!(await serverAvailable('PostgreSQL', '127.0.0.1', 5432))) return ctx.skip();
  const { appendApplied } = await import('./testing/archive-suite.js');
  const { migrateStore, MigrationError } = await import('../storage/migrate/migrate.js');
  const storage = await fresh();
  const url = ADMIN_URL.replace(/\/[^/]*$/, `/${made[made.length - 1]}`);
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const day = Date.UTC(2026, 2, 3);
    const [seq] = await appendApplied(storage, [{ tenant: 't', event: { id: 'e', type: 'APPEAL_NEW', ts: day + 1, appealId: 'a', channel: 'voice', queue: 'q' } }]);
    expect(await storage.holdLogDay(day, seq)).toMatchObject({ day, events: 1, apart: true });
    const query = async <T>(text: string, params: unknown[] = []) => (await sql.unsafe(text, params as never[])) as unknown as T[];
    const endpoint = { name: 'the source', log: { query }, store: { query } };
    const refused = migrateStore(endpoint, endpoint);
    await expect(refused).rejects.toThrow(MigrationError);
    await expect(refused).rejects.toThrow(/holds a day an interrupted archive run took out of the log \(archiving_events_20260303\): run ccpulse archive/);
  } finally {
    await sql.end();
    await storage.close();
  }
});
