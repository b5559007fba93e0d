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

it('keeps the log up itself when the server does not (autovacuum off): new block ranges summarized, statistics taken as it grows', async (ctx) => {
  if (!(await serverAvailable('PostgreSQL', '127.0.0.1', 5432))) return ctx.skip();
  const storage = await freshDatabase();
  const { Engine } = await import('../../stream/engine.js');
  const { DEFAULT_CONFIG } = await import('../../config/config.js');
  const engine = await Engine.start({ storage, config: DEFAULT_CONFIG });
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`ALTER TABLE events SET (autovacuum_enabled = false)`; // whatever the server does, this table is ours to keep up
    const t0 = Date.UTC(2026, 10, 21, 10);
    for (let b = 0; b < 8; b++) {
      const events = Array.from({ length: 5_000 }, (_, i) => ({ id: `e${b}-${i}`, type: 'APPEAL_NEW' as const, ts: t0 + b * 5_000 + i, appealId: `a${b}-${i}`, channel: 'voice', queue: 'q' }));
      await engine.append('default', events);
    }
    let analyzed = false;
    for (const deadline = Date.now() + 20_000; !analyzed && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 250));
      [{ analyzed }] = await sql`SELECT last_analyze IS NOT NULL AS analyzed FROM pg_stat_user_tables WHERE relname = 'events'`;
    }
    expect(analyzed).toBe(true);
    // an upkeep may have run while the appends went on: two more of its 2-second rounds cover the last ranges
    await new Promise((r) => setTimeout(r, 5_000));
    await engine.stop();
    const [{ n }] = await sql`SELECT (brin_summarize_new_values('events_seq_brin') + brin_summarize_new_values('events_ts_brin'))::int AS n`;
    expect(n).toBe(0);
  } finally {
    await sql.end();
    await storage.close();
  }
}, 60_000);
