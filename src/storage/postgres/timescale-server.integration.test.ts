import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CcEvent } from '../../contract/event.js';
import { createSimulation } from '../../sim/index.js';
import { namedServerAvailable } from '../../testing/require-server.js';
import { ServerProcess } from '../../testing/server-process.js';
import { TimescaleDatabases } from '../../testing/timescale-databases.js';

/**
 * `ccpulse start --storage postgres://…` on a server with TimescaleDB, end to end through HTTP: the
 * server takes the TimescaleDB layout, history and verify answer alike before and after every day of the
 * log and of the minutes is compressed, and after a restart. Runs where CCPULSE_TEST_TIMESCALE_URL names
 * such a server (CI has none).
 */
const ADMIN_URL = await namedServerAvailable('TimescaleDB', 'CCPULSE_TEST_TIMESCALE_URL');
const DB = `ccpulse_tsdb_server_${process.pid}`;
const dbs = ADMIN_URL ? new TimescaleDatabases(ADMIN_URL) : null;

const sim = createSimulation({ scenario: 'demo', seed: 7, durationMs: 40 * 60_000 });
const events = sim.next(sim.endTime) as CcEvent[];
const range = `from=${sim.startTime - 3_600_000}&to=${sim.endTime + 3_600_000}`;

async function answers(s: ServerProcess) {
  const get = async (path: string) => (await s.get(path)).body;
  return {
    perMinute: (await get(`/v1/metrics?${range}&interval=1m&groupBy=queue,channel`)).rows,
    perOperator: (await get(`/v1/metrics?${range}&groupBy=operator`)).rows,
    position: (await get('/healthz')).position,
  };
}

describe.skipIf(!ADMIN_URL)('ccpulse on TimescaleDB', () => {
  let url = '';
  beforeAll(async () => {
    url = await dbs!.create(DB);
  });

  afterAll(async () => {
    await dbs?.dropAll();
  });

  it('takes events, answers history and verifies with no differences, before and after its days are compressed and across a restart', async () => {
    const s = await ServerProcess.start({ args: ['--storage', url] });
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      expect((await s.get('/healthz')).body.storage).toBe('timescale');
      let accepted = 0;
      let logged = 0;
      for (let i = 0; i < events.length; i += 2_000) {
        const r = await s.post('/v1/events', events.slice(i, i + 2_000));
        expect(r.status).toBe(202);
        accepted += r.body.accepted;
        logged = Number(r.headers.get('x-ccpulse-position'));
      }
      expect(logged).toBe(accepted);
      // posted again: every event a duplicate
      const again = await s.post('/v1/events', events.slice(0, 2_000));
      expect(again.body).toMatchObject({ accepted: 0 });
      expect(again.body.duplicates).toBeGreaterThan(1_500);
      // the stream applies what the log took, then answers from it
      for (let i = 0; i < 300 && (await s.get('/healthz')).body.position < logged; i++) await new Promise((r) => setTimeout(r, 100));
      const before = await answers(s);
      expect(before.position).toBe(logged);
      expect(before.perMinute.length).toBeGreaterThan(100);
      const verify = (await s.get(`/v1/verify?${range}`)).body;
      expect(verify.differences).toEqual([]);
      expect(verify.events).toBeGreaterThan(logged / 2); // the raw events it recomputed from (those of the range it compares)
      expect(verify.cells).toBeGreaterThan(100);

      // every chunk compressed, the log's and the minutes' (the simulated days are long past: the policies would)
      await sql`SELECT compress_chunk(c, if_not_compressed => true) FROM show_chunks('events') c`;
      await sql`SELECT compress_chunk(c, if_not_compressed => true) FROM show_chunks('rollups') c`;
      const [{ left }] = await sql`SELECT count(*) FILTER (WHERE NOT is_compressed)::int AS left FROM timescaledb_information.chunks`;
      expect(left).toBe(0);
      expect(await answers(s)).toEqual(before);
      expect((await s.get(`/v1/verify?${range}`)).body.differences).toEqual([]);

      await s.stop();
      await s.restart();
      expect(await answers(s)).toEqual(before);
      expect((await s.post('/v1/events', events.slice(-500))).body).toMatchObject({ accepted: 0 });
      // the log's upkeep (chunks' block ranges every 2 s, the jobs at once and then once a minute) ran without a failure
      expect(s.output).not.toContain('log upkeep failed');
    } finally {
      await sql.end();
      await s.stop();
    }
  }, 240_000);
});
