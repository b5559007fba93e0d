/**
 * Teams: saved in the settings (PUT /v1/settings, `teams`), read by history grouped by team
 * (GET /v1/metrics?groupBy=team) and by exports (POST /v1/jobs). A team's waits are merged before its
 * percentiles are taken, so its p50 is not any one operator's; an operator in no team is in team ''.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorShape } from '../testing/http.js';
import { startTestApp, type TestApp } from '../testing/test-app.js';

interface Row {
  team?: string;
  operator?: string;
  queue?: string;
  bucket?: string;
  aa: number;
  offered: number;
  waitP50Sec: number | null;
  waitP95Sec: number | null;
  asaSec: number | null;
}

describe('teams in the settings, and history grouped by team', () => {
  let t: TestApp;
  const as = (key: string) => ({ authorization: `Bearer ${key}` });
  const get = (url: string, key = 'ka') => t.app.inject({ url, headers: as(key) });
  const put = (body: unknown, key = 'ka') => t.app.inject({ method: 'PUT', url: '/v1/settings', headers: { ...as(key), 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  let range = '';
  const rows = async (query: string, key = 'ka') => {
    const r = await get(`/v1/metrics?${range}&${query}`, key);
    expect(r.statusCode, r.body).toBe(200);
    return (r.json() as { rows: Row[] }).rows;
  };

  beforeAll(async () => {
    t = await startTestApp({ apiKeys: { ka: 'acme', kb: 'beta' } });
    const start = Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000;
    range = `from=${new Date(start).toISOString()}&to=${new Date(start + 30 * 60_000).toISOString()}`;
    // answered after: o1 10 s (sales), o2 40 s and 60 s (sales, support), o3 5 s, `constructor` 90 s
    const answers: Array<[string, string, number]> = [['o1', 'sales', 10], ['o2', 'sales', 40], ['o2', 'support', 60], ['o3', 'sales', 5], ['constructor', 'sales', 90]];
    const events = answers.flatMap(([op, queue, wait], i) => {
      const at = (s: number) => new Date(start + i * 120_000 + s * 1000).toISOString();
      const a = { appealId: `a${i}`, queue, channel: 'voice' };
      return [
        { id: `${i}:n`, type: 'APPEAL_NEW', ts: at(0), ...a },
        { id: `${i}:s`, type: 'APPEAL_SENT_DISTRIBUTION', ts: at(0), ...a },
        { id: `${i}:a`, type: 'APPEAL_APPOINTED', ts: at(wait), ...a, operatorId: op },
        { id: `${i}:c`, type: 'APPEAL_CLOSED', ts: at(wait + 30), ...a, operatorId: op },
      ];
    });
    for (const key of ['ka', 'kb']) {
      const r = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { ...as(key), 'content-type': 'application/json' }, payload: JSON.stringify(events) });
      expect(r.statusCode, r.body).toBe(202);
    }
  });
  afterAll(() => t?.close());

  it('without teams saved, every operator is in team ""', async () => {
    const r = await rows('groupBy=team');
    expect(r.map((x) => [x.team, x.aa])).toEqual([['', 5]]);
  });

  it('groups by the saved teams, merging the waits of a team before its percentiles; the operators outside are in team ""', async () => {
    // (a team named `__proto__` made by JSON.parse: in an object literal that name sets the prototype)
    const teams = JSON.parse('{"red": ["o1", "o2"], "__proto__": ["o3"]}') as Record<string, string[]>;
    const saved = await put({ version: 0, settings: { teams } });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(Object.entries(saved.json().settings.teams)).toEqual([['red', ['o1', 'o2']], ['__proto__', ['o3']]]);
    const byTeam = new Map((await rows('groupBy=team')).map((x) => [x.team, x]));
    expect([...byTeam.keys()].sort()).toEqual(['', '__proto__', 'red']);
    const red = byTeam.get('red')!;
    // red answered 10, 40 and 60 s: nearest-rank p50 is 40 s, which neither operator has alone (10; 40 and 60)
    expect(red).toMatchObject({ aa: 3, waitP50Sec: 40, waitP95Sec: 60 });
    expect(byTeam.get('__proto__')).toMatchObject({ aa: 1, waitP50Sec: 5 });
    expect(byTeam.get('')).toMatchObject({ aa: 1, waitP50Sec: 90 });
    // the counts of a team are its operators' counts summed
    const byOperator = await rows('groupBy=operator');
    const sum = (ops: string[]) => byOperator.filter((x) => ops.includes(x.operator!)).reduce((n, x) => n + x.aa, 0);
    expect(red.aa).toBe(sum(['o1', 'o2']));
    // with other keys and an interval
    const split = await rows('groupBy=team,queue&interval=1h');
    // (the range may span two clock hours: each queue's hours summed)
    const redByQueue = new Map<string, number>();
    for (const x of split.filter((r) => r.team === 'red')) redByQueue.set(x.queue!, (redByQueue.get(x.queue!) ?? 0) + x.aa);
    expect(redByQueue).toEqual(new Map([['sales', 2], ['support', 1]]));
    // another tenant's history is not grouped by this tenant's teams
    expect((await rows('groupBy=team', 'kb')).map((x) => [x.team, x.aa])).toEqual([['', 5]]);
  });

  it('regroups the history at once when a team changes (reports group by today\'s teams)', async () => {
    const v = (await get('/v1/settings')).json().version as number;
    const saved = await put({ version: v, settings: { teams: { red: ['o1'], blue: ['o2', 'constructor'] } } });
    expect(saved.statusCode, saved.body).toBe(200);
    const byTeam = new Map((await rows('groupBy=team')).map((x) => [x.team, x.aa]));
    expect(byTeam).toEqual(new Map([['red', 1], ['blue', 3], ['', 1]]));
  });

  it('exports rows grouped by team with a team column', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...as('ka'), 'content-type': 'application/json' }, payload: JSON.stringify({ kind: 'export', format: 'csv', ...Object.fromEntries(new URLSearchParams(`${range}&groupBy=team`)) }) });
    expect(r.statusCode, r.body).toBe(202);
    const id = r.json().id as string;
    let job: { state: string } = { state: 'queued' };
    for (let i = 0; i < 200 && (job.state === 'queued' || job.state === 'running'); i++) {
      await new Promise((res) => setTimeout(res, 50));
      job = (await get(`/v1/jobs/${id}`)).json();
    }
    expect(job.state).toBe('done');
    const csv = (await get(`/v1/jobs/${id}/download`)).body.replace(/^\ufeff/, '').trim().split('\r\n');
    const header = csv[0].split(',');
    expect(header[0]).toBe('team');
    const aa = header.indexOf('aa');
    expect(csv.slice(1).map((l) => `${l.split(',')[0]}:${l.split(',')[aa]}`).sort()).toEqual([':1', 'blue:3', 'red:1']);
  });

  it('refuses an operator in two teams, listed twice, or an id no event could carry, naming each; saves nothing', async () => {
    const v = (await get('/v1/settings')).json().version as number;
    const r = await put({ version: v, settings: { teams: { red: ['o1', 'o1'], blue: ['o1', '', 'x\u0000'], 'a\u0007': [] } } });
    expect(r.statusCode, r.body).toBe(400);
    expectErrorShape(r.json());
    const paths = (r.json().error.details as Array<{ path: string; message: string }>).map((d) => d.path).sort();
    expect(paths).toEqual(['/settings/teams/a\ufffd', '/settings/teams/blue/0', '/settings/teams/blue/1', '/settings/teams/blue/2', '/settings/teams/red/1']);
    expect(r.json().error.details.find((d: { path: string }) => d.path === '/settings/teams/blue/0').message).toMatch(/already in team "red"/);
    expect((await get('/v1/settings')).json().version).toBe(v);
    // a team of a non-array, or too many operators: the schema's 400
    const bad = await put({ version: v, settings: { teams: { red: 'o1' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('/settings/teams/red');
  });

  it('answers a huge refused document with a small 400: at most 100 faults named, the rest counted', async () => {
    const v = (await get('/v1/settings')).json().version as number;
    // every operator in two teams: 2 × 2,000 faults
    const ops = Array.from({ length: 2_000 }, (_, i) => `op-${i}`);
    const r = await put({ version: v, settings: { teams: { a: ops, b: ops, c: ops } } });
    expect(r.statusCode).toBe(400);
    expect(r.body.length).toBeLessThan(30_000);
    const details = r.json().error.details as Array<{ path: string; message: string }>;
    expect(details).toHaveLength(101);
    expect(details[100].message).toBe('and 3900 more faults');
    // too many in all: one fault, not one per operator
    const many = await put({ version: v, settings: { teams: Object.fromEntries(Array.from({ length: 5 }, (_, k) => [`t${k}`, Array.from({ length: 4_001 }, (_, i) => `${k}-${i}`)])) } });
    expect(many.statusCode).toBe(400);
    expect(many.json().error.details).toEqual([{ path: '/settings/teams', message: 'lists 20005 operators in all; at most 20000' }]);
    // an id as long as events take it is taken; a team name with spaces around it is not
    expect((await put({ version: v, settings: { teams: { red: ['y'.repeat(256)] } } })).statusCode).toBe(200);
    const spaced = await put({ version: v + 1, settings: { teams: { ' red ': ['o1'] } } });
    expect(spaced.statusCode).toBe(400);
    expect(spaced.json().error.details[0]).toEqual({ path: '/settings/teams/ red ', message: 'a team name must not begin or end with spaces' });
  });

  it('drills into the waits and handling a team\'s AWT and AHT are taken over, a transferred appeal in both teams\' own parts', async () => {
    // tenant beta: x1 answers after 10 s, hands over to x2 at 70 s, x2 closes at 130 s
    const start = Math.floor((Date.now() - 3_000_000) / 60_000) * 60_000;
    const at = (sec: number) => new Date(start + sec * 1000).toISOString();
    const a = { appealId: 'T1', queue: 'sales', channel: 'voice' };
    const events = [
      { id: 'T1:n', type: 'APPEAL_NEW', ts: at(0), ...a },
      { id: 'T1:s', type: 'APPEAL_SENT_DISTRIBUTION', ts: at(0), ...a },
      { id: 'T1:a', type: 'APPEAL_APPOINTED', ts: at(10), ...a, operatorId: 'x1' },
      { id: 'T1:t', type: 'APPEAL_TRANSFERRED', ts: at(70), ...a, operatorId: 'x2' },
      { id: 'T1:c', type: 'APPEAL_CLOSED', ts: at(130), ...a, operatorId: 'x2' },
    ];
    expect((await t.app.inject({ method: 'POST', url: '/v1/events', headers: { ...as('kb'), 'content-type': 'application/json' }, payload: JSON.stringify(events) })).statusCode).toBe(202);
    expect((await put({ version: 0, settings: { teams: { red: ['x1'], blue: ['x2'] } } }, 'kb')).statusCode).toBe(200);
    const window = `from=${new Date(start).toISOString()}&to=${new Date(start + 10 * 60_000).toISOString()}`;
    const m = (await get(`/v1/metrics?${window}&groupBy=team`, 'kb')).json().rows as Array<Row & { ahtSec: number | null; awtSec: number | null }>;
    const team = (name: string) => m.find((x) => x.team === name)!;
    expect(team('red')).toMatchObject({ awtSec: 10, ahtSec: 60 });
    expect(team('blue')).toMatchObject({ awtSec: null, ahtSec: 60 });
    const ids = async (q: string) => ((await get(`/v1/appeals?${window}&${q}`, 'kb')).json().items as Array<{ appealId: string }>).map((i) => i.appealId);
    expect(await ids('team=red&outcome=waited')).toEqual(['T1']);
    expect(await ids('team=blue&outcome=waited')).toEqual([]);
    expect(await ids('team=red&outcome=handled')).toEqual(['T1']);
    expect(await ids('team=blue&outcome=handled')).toEqual(['T1']);
    expect(await ids('team=red&outcome=ha')).toEqual([]); // the close is blue's
    expect(await ids('outcome=waited')).toEqual(['T1']);
  });

  it('refuses an unknown grouping key naming the known ones', async () => {
    const r = await get(`/v1/metrics?${range}&groupBy=team,shift`);
    expect(r.statusCode).toBe(400);
    expect(r.json().error.details[0]).toMatchObject({ path: '/groupBy' });
    expect(r.json().error.details[0].message).toContain('queue, channel, operator, team');
  });
});
