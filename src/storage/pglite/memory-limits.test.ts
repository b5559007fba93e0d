import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgliteClient, type PgliteClient } from './client.js';
import { DEFAULT_MEMORY_LIMITS, SQLSTATE_OUT_OF_MEMORY } from './memory-limits.js';

describe('an embedded database within its memory limits', () => {
  let db: PgliteClient;
  const limits = { ...DEFAULT_MEMORY_LIMITS, wasmMaxMb: 192 };
  beforeAll(async () => {
    db = await openPgliteClient(undefined, { limits });
  }, 120_000);
  afterAll(() => db?.close());

  it('runs PostgreSQL with the memory settings of its limits', async () => {
    const [row] = await db.query<Record<string, string>>(
      `SELECT current_setting('shared_buffers') AS sb, current_setting('work_mem') AS wm, current_setting('maintenance_work_mem') AS mwm,
              current_setting('temp_buffers') AS tb, current_setting('wal_buffers') AS wb, current_setting('max_connections') AS mc`,
    );
    expect(row).toEqual({ sb: `${limits.sharedBuffersMb}MB`, wm: `${limits.workMemMb}MB`, mwm: `${limits.maintenanceWorkMemMb}MB`, tb: `${limits.tempBuffersMb}MB`, wb: `${limits.walBuffersMb}MB`, mc: '2' });
  });

  it('answers a query that needs more than the cap with PostgreSQL’s out-of-memory error, and keeps answering', async () => {
    // ~256 MB of text in one value: more than a 192 MB WebAssembly memory can hold
    const err = await db.query(`SELECT length(string_agg(repeat('x', 1000000), '')) FROM generate_series(1, 256)`).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: SQLSTATE_OUT_OF_MEMORY });
    expect(db.wasmMemoryBytes()).toBeLessThanOrEqual(limits.wasmMaxMb * 1_048_576);
    expect(await db.query(`SELECT length(string_agg(repeat('x', 1000000), '')) AS n FROM generate_series(1, 16)`)).toEqual([{ n: 16_000_000 }]);
  });

  it('sorts more than work_mem in temporary files, not in memory', async () => {
    const [{ plan }] = await db.query<{ plan: string }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) SELECT md5(g::text) FROM generate_series(1, 600000) g ORDER BY 1`,
    ).then((rows) => rows.map((r) => ({ plan: JSON.stringify(r) })));
    expect(plan).toMatch(/"Sort Space Type":"Disk"/);
  });
});
