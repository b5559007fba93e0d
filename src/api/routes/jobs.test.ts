import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorShape } from '../testing/http.js';
import { startTestApp, type TestApp } from '../testing/test-app.js';

const H = 3_600_000;

/** A CSV answer as rows of fields (the export's quoting: RFC 4180). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), i++;
    else field += c;
  }
  return rows;
}

describe('background jobs: exports of history (POST /v1/jobs)', () => {
  let t: TestApp;
  const as = (key: string) => ({ authorization: `Bearer ${key}` });
  const post = (body: unknown, key = 'ka') => t.app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...as(key), 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  const get = (url: string, key = 'ka') => t.app.inject({ url, headers: as(key) });
  let from = 0;
  let to = 0;

  /** Polls a job until it ends. */
  async function finished(id: string, key = 'ka') {
    for (let i = 0; i < 200; i++) {
      const j = (await get(`/v1/jobs/${id}`, key)).json();
      if (j.state !== 'queued' && j.state !== 'running') return j;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the job did not end');
  }

  beforeAll(async () => {
    t = await startTestApp({ apiKeys: { ka: 'acme', kb: 'beta' } });
    const now = Date.now();
    from = Math.floor((now - 3 * H) / H) * H;
    to = from + 3 * H;
    // an appeal every 7 minutes on two queues (one named like a formula), answered after 10–40 s, some abandoned
    const events: object[] = [];
    for (let m = 0, n = 0; m < 180; m += 7, n++) {
      for (const queue of ['sales', '=HYPERLINK("x")']) {
        const a = `${queue}-${n}`;
        const at = (s: number) => new Date(from + m * 60_000 + s * 1000).toISOString();
        events.push({ id: `${a}:n`, type: 'APPEAL_NEW', ts: at(0), appealId: a, queue, channel: 'voice' });
        events.push({ id: `${a}:s`, type: 'APPEAL_SENT_DISTRIBUTION', ts: at(1), appealId: a, queue, channel: 'voice' });
        if (n % 4 === 3) events.push({ id: `${a}:x`, type: 'APPEAL_CLOSED', ts: at(50), appealId: a, queue, channel: 'voice' });
        else {
          events.push({ id: `${a}:a`, type: 'APPEAL_APPOINTED', ts: at(10 + (n % 4) * 10), appealId: a, queue, channel: 'voice', operatorId: 'op' });
          events.push({ id: `${a}:c`, type: 'APPEAL_CLOSED', ts: at(200), appealId: a, queue, channel: 'voice', operatorId: 'op' });
        }
      }
    }
    // a queue with one appeal in the last hour alone: its other intervals are empty rows, in the export as in the API
    events.push({ id: 'late:n', type: 'APPEAL_NEW', ts: new Date(from + 170 * 60_000).toISOString(), appealId: 'late-1', queue: 'late', channel: 'voice' });
    const r = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { ...as('ka'), 'content-type': 'application/json' }, payload: JSON.stringify(events) });
    expect(r.statusCode, r.body).toBe(202);
  });
  afterAll(() => t?.close());

  it('writes the rows of /v1/metrics for the same parameters to a CSV file, slice by slice, with progress, for its tenant alone', async () => {
    const params = { from: new Date(from).toISOString(), to: new Date(to).toISOString(), interval: '5m', groupBy: 'queue,channel' };
    const started = await post({ kind: 'export', format: 'csv', ...params });
    expect(started.statusCode, started.body).toBe(202);
    const job = started.json();
    expect(started.headers.location).toBe(`/v1/jobs/${job.id}`);
    expect(job).toMatchObject({ kind: 'export', format: 'csv', params });
    // another tenant does not see it
    expect((await get(`/v1/jobs/${job.id}`, 'kb')).statusCode).toBe(404);
    expect((await get('/v1/jobs', 'kb')).json().items).toEqual([]);
    expect((await get(`/v1/jobs/${job.id}/download`, 'kb')).statusCode).toBe(404);

    const done = await finished(job.id);
    expect(done).toMatchObject({ state: 'done', progress: { percent: 100 }, error: null, download: `/v1/jobs/${job.id}/download` });
    const file = await get(done.download);
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(file.headers['content-disposition']).toMatch(/^attachment; filename="ccpulse-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv"$/);
    expect(file.body.startsWith('\ufeff')).toBe(true);
    const [head, ...rows] = parseCsv(file.body.slice(1));
    expect(head).toEqual(['bucket', 'queue', 'channel', 'offered', 'aa', 'ha', 'missed', 'qa', 'slPct', 'abandonPct', 'awtSec', 'asaSec', 'ahtSec', 'waitP50Sec', 'waitP90Sec', 'waitP95Sec', 'longestWaitSec', 'final']);
    expect(done.progress.rows).toBe(rows.length);
    // the same rows as GET /v1/metrics, value for value (a formula-like name defused with an apostrophe)
    const api = (await get(`/v1/metrics?from=${params.from}&to=${params.to}&interval=5m&groupBy=queue,channel`)).json().rows as Array<Record<string, unknown>>;
    expect(rows.length).toBe(api.length);
    const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));
    const fromApi = api.map((r) => head.map((c) => (c === 'queue' && String(r.queue).startsWith('=') ? `'${r.queue}` : text(r[c])))).map((r) => r.join('|')).sort();
    expect(rows.map((r) => r.join('|')).sort()).toEqual(fromApi);
    expect(rows.some((r) => r[1] === `'=HYPERLINK("x")`)).toBe(true);
    expect(rows.reduce((n, r) => n + Number(r[3]), 0)).toBe(2 * 26 + 1);
    expect(rows.filter((r) => r[1] === 'late').length).toBe(36); // every 5 minutes of the 3 hours
  });

  it('writes XLSX: a sheet with the header and the rows, numbers as numbers', async () => {
    const started = await post({ kind: 'export', format: 'xlsx', from: String(from), to: String(to), interval: '1h', groupBy: 'queue' });
    expect(started.statusCode, started.body).toBe(202);
    const done = await finished(started.json().id);
    expect(done.state, done.error).toBe('done');
    const file = await t.app.inject({ url: done.download, headers: as('ka') });
    expect(file.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(file.rawPayload as unknown as ArrayBuffer);
    const sheet = book.worksheets[0];
    expect(sheet.getRow(1).values).toEqual([undefined, 'bucket', 'queue', 'offered', 'aa', 'ha', 'missed', 'qa', 'slPct', 'abandonPct', 'awtSec', 'asaSec', 'ahtSec', 'waitP50Sec', 'waitP90Sec', 'waitP95Sec', 'longestWaitSec', 'final']);
    expect(sheet.rowCount).toBe(1 + 3 * 3);
    let offered = 0;
    sheet.eachRow((row, n) => {
      if (n > 1) offered += row.getCell(3).value as number;
    });
    expect(offered).toBe(2 * 26 + 1);
    expect(typeof sheet.getRow(2).getCell(3).value).toBe('number');
  });

  it('by day with a time zone: one row per group and day of that clock, as /v1/metrics answers for each of those days', async () => {
    const { dayStartIn } = await import('../../metrics/time-zone.js');
    const tz = 'Asia/Yekaterinburg';
    const first = dayStartIn(from, tz);
    const last = dayStartIn(dayStartIn(to, tz) + 36 * H, tz);
    const started = await post({ kind: 'export', format: 'csv', from: new Date(first).toISOString(), to: new Date(last).toISOString(), interval: '1d', groupBy: 'queue', timeZone: tz });
    expect(started.statusCode, started.body).toBe(202);
    const done = await finished(started.json().id);
    expect(done.state, done.error).toBe('done');
    const [head, ...rows] = parseCsv((await get(done.download)).body.slice(1));
    const col = (name: string) => head.indexOf(name);
    const days = [...new Set(rows.map((r) => r[col('bucket')]))].sort();
    expect(days.map((d) => dayStartIn(Date.parse(d), tz))).toEqual(days.map((d) => Date.parse(d))); // each a day's start on that clock
    for (const d of days) {
      const end = dayStartIn(Date.parse(d) + 36 * H, tz);
      const api = (await get(`/v1/metrics?from=${d}&to=${new Date(end).toISOString()}&groupBy=queue`)).json().rows as Array<{ queue: string; offered: number; qa: number }>;
      const mine = rows.filter((r) => r[col('bucket')] === d);
      expect(mine.map((r) => [r[col('queue')].replace(/^'/, ''), Number(r[col('offered')]), Number(r[col('qa')])]).sort()).toEqual(api.map((r) => [r.queue, r.offered, r.qa]).sort());
    }
    expect(rows.reduce((n, r) => n + Number(r[col('offered')]), 0)).toBe(2 * 26 + 1);
    const bad = await post({ kind: 'export', format: 'csv', from: String(from), to: String(to), interval: '1h', timeZone: tz });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('/timeZone');
    expect((await post({ kind: 'export', format: 'csv', from: String(from), to: String(to), interval: '1d', timeZone: 'Mars/Olympus' })).statusCode).toBe(400);
  });

  it('runs a verify of the range as a job, its answer the JSON GET /v1/verify gives', async () => {
    const started = await post({ kind: 'verify', from: new Date(from).toISOString(), to: new Date(to).toISOString() });
    expect(started.statusCode, started.body).toBe(202);
    expect(started.json()).toMatchObject({ kind: 'verify', format: 'json' });
    const done = await finished(started.json().id);
    expect(done.state, done.error).toBe('done');
    const file = await get(done.download);
    expect(file.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(file.headers['content-disposition']).toMatch(/filename="ccpulse-verify-/);
    const answer = file.json();
    expect(answer).toMatchObject({ differences: [], totalDifferences: 0, truncated: false, archived: [] });
    expect(answer.events).toBeGreaterThan(100);
    const direct = (await get(`/v1/verify?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`)).json();
    expect(answer.events).toBe(direct.events);
    expect(answer.cells).toBe(direct.cells);
    // what a verify does not take, and a range past a month
    for (const [body, path] of [
      [{ kind: 'verify', from: String(from), to: String(to), format: 'csv' }, '/format'],
      [{ kind: 'verify', from: String(from), to: String(to), queue: 'sales' }, '/queue'],
      [{ kind: 'verify', from: String(from - 40 * 86_400_000), to: String(to) }, '/to'],
      [{ kind: 'export', from: String(from), to: String(to) }, '/format'],
    ] as const) {
      const r = await post(body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(r.json().error)).toContain(path);
    }
  });

  it('answers a 404 in its JSON shape when a finished job\'s file is gone before its download, and removes what killed servers left', async () => {
    const r = await post({ kind: 'export', format: 'csv', from: new Date(from).toISOString(), to: new Date(to).toISOString() });
    expect(r.statusCode, r.body).toBe(202);
    const done = await finished(r.json().id);
    expect(done.state).toBe('done');
    // the file removed under the job (deleted, expired or evicted at that moment)
    const dirs = readdirSync(tmpdir()).filter((n) => n.startsWith(`ccpulse-exports-${process.pid}-`));
    for (const d of dirs) rmSync(join(tmpdir(), d, `${done.id}.csv`), { force: true });
    const gone = await get(done.download);
    expect(gone.statusCode).toBe(404);
    expect(gone.headers['content-type']).toMatch(/^application\/json/);
    expectErrorShape(gone.json());
    // a DELETE with a JSON content type and no body (some clients always send one) is no malformed body
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/jobs/${done.id}`, headers: { ...as('ka'), 'content-type': 'application/json' } })).statusCode).toBe(204);
    // a directory a killed server (a PID that no longer runs) left behind is removed by the next start
    const stale = join(tmpdir(), 'ccpulse-exports-4194305-abc');
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, 'partial.csv'), 'x');
    const other = await startTestApp();
    try {
      expect(existsSync(stale)).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('names every parameter at fault, and cancels or forgets a job', async () => {
    const base = { kind: 'export', format: 'csv', from: new Date(from).toISOString(), to: new Date(to).toISOString() };
    for (const [body, path] of [
      [{ ...base, format: 'pdf' }, '/format'],
      [{ ...base, kind: 'report' }, '/kind'],
      [{ ...base, from: undefined }, 'from'],
      [{ ...base, from: 'yesterday' }, '/from'],
      [{ ...base, interval: '7x' }, '/interval'],
      [{ ...base, groupBy: 'queue,shift' }, '/groupBy'],
      [{ ...base, extra: 1 }, 'extra'],
      [{ ...base, from: base.to, to: base.from }, '/from'],
    ] as const) {
      const r = await post(body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expectErrorShape(r.json());
      expect(JSON.stringify(r.json().error), JSON.stringify(body)).toContain(path);
    }
    expect((await get('/v1/jobs/not-a-job')).statusCode).toBe(404);
    const j = (await post({ ...base, interval: '1m', groupBy: 'queue,channel,operator' })).json();
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/jobs/${j.id}`, headers: as('kb') })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/jobs/${j.id}`, headers: as('ka') })).statusCode).toBe(204);
    expect((await get(`/v1/jobs/${j.id}`)).statusCode).toBe(404);
  });
});
