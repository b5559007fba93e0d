/**
 * Exports through `ccpulse start` on each store, on their export thread: the embedded store (read over a
 * port to its store thread), PostgreSQL (its own connection) and ClickHouse (its own client). The CSV
 * holds the rows GET /v1/metrics answers for the same parameters, and an XLSX opens with them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import type { CcEvent } from '../contract/event.js';
import { createSimulation } from '../sim/index.js';
import { chClient, parseClickhouseUrl } from '../storage/clickhouse/client.js';
import { serverAvailable } from '../testing/require-server.js';
import { ServerProcess } from '../testing/server-process.js';

const ADMIN_URL = process.env.CCPULSE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PG_DB = `ccpulse_export_${process.pid}`;
const CLICKHOUSE = process.env.CCPULSE_TEST_CLICKHOUSE_URL ?? 'clickhouse://default@127.0.0.1:8123/default';
const CH_DB = `ccpulse_export_${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'ccpulse-export-'));
const pgUp = await serverAvailable('PostgreSQL', new URL(ADMIN_URL).hostname, Number(new URL(ADMIN_URL).port || 5432));
const chUp = await serverAvailable('ClickHouse', new URL(CLICKHOUSE).hostname, Number(new URL(CLICKHOUSE).port || 8123));

const sim = createSimulation({ scenario: 'demo', seed: 5, durationMs: 30 * 60_000 });
const events = sim.next(sim.endTime) as CcEvent[];
const range = { from: new Date(sim.startTime - 60_000).toISOString(), to: new Date(sim.endTime + 60_000).toISOString() };

async function exportOn(s: ServerProcess, format: 'csv' | 'xlsx', params: Record<string, string>): Promise<Response> {
  const started = await s.post('/v1/jobs', { kind: 'export', format, ...params });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  for (let i = 0; i < 600; i++) {
    const j = (await s.get(`/v1/jobs/${started.body.id}`)).body;
    if (j.state === 'done') return fetch(`${s.url}${j.download}`);
    if (j.state === 'failed') throw new Error(`export failed: ${j.error}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the export did not end in 60 s');
}

async function checkExports(s: ServerProcess): Promise<void> {
  for (let i = 0; i < events.length; i += 2_000) expect((await s.post('/v1/events', events.slice(i, i + 2_000))).status).toBe(202);
  const params = { ...range, interval: '1m', groupBy: 'queue,channel' };
  const api = (await s.get(`/v1/metrics?${new URLSearchParams(params)}`)).body.rows as Array<Record<string, unknown>>;
  expect(api.length).toBeGreaterThan(100);
  const csv = await (await exportOn(s, 'csv', params)).text();
  const [head, ...lines] = csv.replace(/^\ufeff/, '').trimEnd().split('\r\n');
  const cols = head.split(',');
  const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  // demo names have no commas or quotes: a line is its fields joined
  expect(lines.sort()).toEqual(api.map((r) => cols.map((c) => text(r[c])).join(',')).sort());

  // intervals counted from an odd `from` (07:13 past the hour, widened to the minute): the same rows, none before it
  const odd = { from: new Date(sim.startTime + 7 * 60_000 + 13_000).toISOString(), to: range.to, interval: '15m', groupBy: 'queue' };
  const oddApi = (await s.get(`/v1/metrics?${new URLSearchParams(odd)}`)).body.rows as Array<Record<string, unknown>>;
  expect(oddApi[0].bucket).toBe(new Date(sim.startTime + 7 * 60_000).toISOString());
  const [oddHead, ...oddLines] = (await (await exportOn(s, 'csv', odd)).text()).replace(/^\ufeff/, '').trimEnd().split('\r\n');
  expect(oddLines.sort()).toEqual(oddApi.map((r) => oddHead.split(',').map((c) => text(r[c])).join(',')).sort());

  const xlsx = await exportOn(s, 'xlsx', { ...range, groupBy: 'queue' });
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(await xlsx.arrayBuffer());
  const sheet = book.worksheets[0];
  const perQueue = (await s.get(`/v1/metrics?${new URLSearchParams({ ...range, groupBy: 'queue' })}`)).body.rows as Array<{ queue: string; offered: number }>;
  expect(sheet.rowCount).toBe(1 + perQueue.length);
  const offered = new Map<string, number>();
  sheet.eachRow((row, n) => {
    if (n > 1) offered.set(String(row.getCell(1).value), Number(row.getCell(2).value));
  });
  expect(offered).toEqual(new Map(perQueue.map((r) => [r.queue, r.offered])));
}

describe('exports on their thread, through ccpulse start', () => {
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    if (pgUp) {
      const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
      await admin.unsafe(`DROP DATABASE IF EXISTS ${PG_DB} WITH (FORCE)`).catch(() => {});
      await admin.end();
    }
    if (chUp) {
      const server = chClient(parseClickhouseUrl(CLICKHOUSE), null, 60_000);
      await server.command(`DROP DATABASE IF EXISTS ${CH_DB}`).catch(() => {});
      await server.close();
    }
  }, 120_000);

  it('on the embedded store', async () => {
    const s = await ServerProcess.start({ dataDir: join(dir, 'embedded') });
    try {
      await checkExports(s);
    } finally {
      await s.stop();
    }
  }, 180_000);

  it.skipIf(!pgUp)('on PostgreSQL', async () => {
    const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`DROP DATABASE IF EXISTS ${PG_DB} WITH (FORCE)`);
    await admin.unsafe(`CREATE DATABASE ${PG_DB}`);
    await admin.end();
    const s = await ServerProcess.start({ args: ['--storage', ADMIN_URL.replace(/\/[^/]*$/, `/${PG_DB}`)] });
    try {
      await checkExports(s);
    } finally {
      await s.stop();
    }
  }, 180_000);

  it.skipIf(!chUp)('on ClickHouse', async () => {
    const s = await ServerProcess.start({ args: ['--storage', CLICKHOUSE.replace(/\/[^/]*$/, `/${CH_DB}`)] });
    try {
      await checkExports(s);
    } finally {
      await s.stop();
    }
  }, 180_000);
});
