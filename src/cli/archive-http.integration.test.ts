import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../testing/cli.js';
import { ServerProcess } from '../testing/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'ccpulse-archive-http-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAY = 86_400_000;
const MIN = 60_000;

/** Appeals of one day: new, appointed after `wait`, closed after 3 minutes of handling. */
function appeals(prefix: string, start: number, count: number) {
  return Array.from({ length: count }, (_, i) => {
    const t = start + i * 10 * MIN;
    const wait = (i % 4) * 15_000;
    const base = { appealId: `${prefix}${i}`, channel: 'voice', queue: 'sales' };
    return [
      { id: `${prefix}${i}-n`, type: 'APPEAL_NEW', ts: t, ...base },
      { id: `${prefix}${i}-a`, type: 'APPEAL_APPOINTED', ts: t + wait, operatorId: 'op1', ...base },
      { id: `${prefix}${i}-c`, type: 'APPEAL_CLOSED', ts: t + wait + 3 * MIN, operatorId: 'op1', ...base },
    ];
  }).flat();
}

it('after ccpulse archive, /v1/metrics answers the archived days from the rollups as before, and /v1/verify says which days are archived without counting their missing events as differences', async () => {
  const data = join(dir, 'data');
  const today = Math.floor(Date.now() / DAY) * DAY;
  const oldDay = today - 10 * DAY;
  const hotDay = today - 2 * DAY;
  let s = await ServerProcess.start({ dataDir: data });
  const range = `from=${new Date(oldDay).toISOString()}&to=${new Date(hotDay + DAY).toISOString()}`;
  let before: unknown;
  try {
    // in time order, so no event is late: the old day, then a recent one
    expect((await s.post('/v1/events', appeals('old', oldDay + 8 * 3_600_000, 20))).status).toBe(202);
    expect((await s.post('/v1/events', appeals('hot', hotDay + 9 * 3_600_000, 10))).status).toBe(202);
    before = (await s.get(`/v1/metrics?${range}&interval=1d`)).body;
    const verified = (await s.get(`/v1/verify?${range}`)).body;
    expect(verified).toMatchObject({ totalDifferences: 0, archived: [] });
  } finally {
    await s.stop(); // a clean stop commits the last checkpoint: every event is applied
  }
  expect((before as { rows: Array<{ aa: number }> }).rows.map((r) => r.aa).filter((aa) => aa > 0)).toEqual([20, 10]);

  const archived = await runCli(['archive', '--storage', `pglite:${data}`, '--older-than', '7d'], { timeoutMs: 120_000 });
  expect(archived.code, archived.stderr).toBe(0);
  const oldDate = new Date(oldDay).toISOString().slice(0, 10);
  expect(archived.stdout).toMatch(new RegExp(`${oldDate}  archived +60 events  sha256 [0-9a-f]{12}…  events-${oldDate}.ndjson.gz`));

  s = await ServerProcess.start({ dataDir: data });
  try {
    expect((await s.get(`/v1/metrics?${range}&interval=1d`)).body).toEqual(before);
    const verified = (await s.get(`/v1/verify?${range}`)).body;
    expect(verified.archived).toEqual([{ day: oldDate, events: 60, files: [`events-${oldDate}.ndjson.gz`] }]);
    expect(verified.totalDifferences).toBe(0);
    expect(verified.events).toBe(30); // the hot day's, recomputed
    // a range of archived time alone: nothing to recompute, nothing reported missing
    const oldOnly = (await s.get(`/v1/verify?from=${oldDay}&to=${oldDay + DAY}`)).body;
    expect(oldOnly).toMatchObject({ events: 0, cells: 0, totalDifferences: 0, archived: [{ day: oldDate, events: 60 }] });
  } finally {
    await s.stop();
  }

  // ccpulse migrate copies the archive's record with the store: the copy's verify knows the day is archived
  const copy = join(dir, 'copy');
  const migrated = await runCli(['migrate', '--from', `pglite:${data}`, '--to', `pglite:${copy}`], { timeoutMs: 120_000 });
  expect(migrated.code, migrated.stderr).toBe(0);
  expect(migrated.stdout).toMatch(/archived_days +1 rows/);
  s = await ServerProcess.start({ dataDir: copy });
  try {
    expect((await s.get(`/v1/metrics?${range}&interval=1d`)).body).toEqual(before);
    expect((await s.get(`/v1/verify?${range}`)).body).toMatchObject({ totalDifferences: 0, archived: [{ day: oldDate, events: 60 }] });
  } finally {
    await s.stop();
  }
}, 300_000);
