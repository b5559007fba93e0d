import { readFileSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { chClient, parseClickhouseUrl } from '../storage/clickhouse/client.js';
import { runCli } from '../testing/cli.js';
import { serverAvailable } from '../testing/require-server.js';
import { ServerProcess } from '../testing/server-process.js';

/** `ccpulse start --storage clickhouse://…` through its real entry points: the CLI, HTTP, the dashboard. */
const CLICKHOUSE = process.env.CCPULSE_TEST_CLICKHOUSE_URL ?? 'clickhouse://default@127.0.0.1:8123/default';
const DB = `ccpulse_start_${process.pid}`;
const URL_ = CLICKHOUSE.replace(/\/[^/]*$/, `/${DB}`);
const EXAMPLE = JSON.parse(readFileSync(new URL('../../examples/events.json', import.meta.url), 'utf8'));
const HOUR = 'from=2026-11-21T10:00:00Z&to=2026-11-21T11:00:00Z';
const up = () => serverAvailable('ClickHouse', new URL(CLICKHOUSE).hostname, Number(new URL(CLICKHOUSE).port || 8123));
let used = false;
afterAll(async () => {
  if (!used) return;
  const server = chClient(parseClickhouseUrl(CLICKHOUSE), null, 300_000);
  await server.command(`DROP DATABASE IF EXISTS ${DB}`);
  await server.close();
}, 300_000);

it('runs on ClickHouse: events in, metrics and verify out, the dashboard, the tier it is made for; a second server on the database is refused', async (ctx) => {
  if (!(await up())) return ctx.skip();
  used = true;
  const s = await ServerProcess.start({ args: ['--storage', URL_] });
  try {
    const r = await s.post('/v1/events', EXAMPLE);
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ accepted: 6, duplicates: 0 });
    expect((await s.post('/v1/events', EXAMPLE)).body).toMatchObject({ accepted: 0, duplicates: 6 });
    expect((await s.get('/healthz')).body).toMatchObject({ status: 'ok', storage: 'clickhouse' });
    const m = await s.get(`/v1/metrics?${HOUR}&groupBy=queue,channel`);
    expect(m.status).toBe(200);
    expect(m.body.rows.length).toBeGreaterThan(0);
    expect((await s.get(`/v1/verify?${HOUR}`)).body.differences).toEqual([]);
    expect((await s.get('/v1/tier')).body.current).toMatchObject({ backend: 'clickhouse', tier: 3, outgrown: false });
    const page = await fetch(`http://127.0.0.1:${s.port}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    // one writer: a second server on the same database is refused, naming why
    const second = await runCli(['start', '--port', '0', '--storage', URL_], { timeoutMs: 30_000 });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/another ccpulse is already writing to this database/);
  } finally {
    await s.stop();
  }
  // the same data after a restart, the positions going on
  const again = await ServerProcess.start({ args: ['--storage', URL_] });
  try {
    expect((await again.get(`/v1/metrics?${HOUR}&groupBy=queue,channel`)).body.rows.length).toBeGreaterThan(0);
    expect((await again.post('/v1/events', EXAMPLE)).body).toMatchObject({ accepted: 0, duplicates: 6 });
  } finally {
    await again.stop();
  }
}, 120_000);

it('says, without the password, when the ClickHouse server cannot be reached or the URL is wrong', async () => {
  const r = await runCli(['start', '--storage', 'clickhouse://ccpulse:s3cret@127.0.0.1:1/cc'], { timeoutMs: 30_000 });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/cannot connect to ClickHouse at 127\.0\.0\.1:1\/cc: connection refused/);
  expect(r.stderr).not.toContain('s3cret');
  const bad = await runCli(['start', '--storage', 'clickhouse://h:8123/no-dashes'], { timeoutMs: 30_000 });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/the ClickHouse database name must be letters, digits and _/);
}, 60_000);
