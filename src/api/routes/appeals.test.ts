import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CcEvent, EventType } from '../../contract/event.js';
import { expectErrorShape } from '../testing/http.js';
import { startTestApp, type TestApp } from '../testing/test-app.js';

/** GET /v1/appeals through the real app: what an item says, filters, pages, tenants, bad parameters. */

const M = 60_000;
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 5 * 3_600_000; // five hours ago, on the hour
const at = (sec: number) => new Date(T0 + sec * 1000).toISOString();
const iso = (ms: number) => new Date(ms).toISOString();

interface Item {
  appealId: string;
  segment: number;
  queue: string;
  channel: string;
  operators: string[];
  state: string;
  waitSec: number | null;
  handleSec: number | null;
  sl: string | null;
  slTargetSec: number;
  counts: Array<{ as: string; queue: string; channel: string; minute: string }>;
  events: Array<{ id: string; type: string; ts: string; queue: string; channel: string; operatorId: string | null }>;
}

let n = 0;
/** An event as a client posts it (ts in ISO 8601). */
type Posted = Omit<CcEvent, 'ts'> & { ts: string };
const ev = (appealId: string, type: EventType, sec: number, extra: Partial<Posted> = {}): Posted => ({
  id: `${appealId}-${++n}`,
  type,
  ts: at(sec),
  appealId,
  queue: 'billing',
  channel: 'voice',
  ...(type === 'APPEAL_APPOINTED' || type === 'APPEAL_CLOSED' || type === 'APPEAL_TRANSFERRED' ? { operatorId: 'op-1' } : {}),
  ...extra,
});

describe('GET /v1/appeals', () => {
  let t: TestApp;
  const get = (url: string, key = 'ka') => t.app.inject({ url, headers: { authorization: `Bearer ${key}` } });
  const list = async (query: string, key = 'ka'): Promise<{ items: Item[]; next: string | null; archived: unknown[] }> => {
    const res = await get(`/v1/appeals?${query}`, key);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const hour = `from=${encodeURIComponent(at(0))}&to=${encodeURIComponent(at(3600))}`;

  beforeAll(async () => {
    // a channel named like a property of every object, configured as custom channels are
    t = await startTestApp({ apiKeys: { ka: 'acme', kb: 'beta' }, customChannels: ['constructor'] });
    const acme: Posted[] = [
      // answered within 20 s, handled 3 min
      ev('A1', 'APPEAL_NEW', 60), ev('A1', 'APPEAL_SENT_DISTRIBUTION', 62), ev('A1', 'APPEAL_APPOINTED', 70), ev('A1', 'APPEAL_CLOSED', 250),
      // answered late (45 s)
      ev('A2', 'APPEAL_NEW', 120), ev('A2', 'APPEAL_SENT_DISTRIBUTION', 120), ev('A2', 'APPEAL_APPOINTED', 165, { operatorId: 'op-2' }),
      // abandoned after 40 s; short abandon after 3 s
      ev('A3', 'APPEAL_NEW', 300), ev('A3', 'APPEAL_MISSED', 340),
      ev('A4', 'APPEAL_NEW', 400), ev('A4', 'APPEAL_SENT_DISTRIBUTION', 400), ev('A4', 'APPEAL_MISSED', 403),
      // names that are property names of every object
      ev('P1', 'APPEAL_NEW', 500, { queue: '__proto__', channel: 'constructor' }), ev('P1', 'APPEAL_APPOINTED', 505, { queue: '__proto__', channel: 'constructor', operatorId: 'toString' }),
      // two segments: closed, then returned and abandoned
      ev('R1', 'APPEAL_NEW', 600), ev('R1', 'APPEAL_APPOINTED', 610), ev('R1', 'APPEAL_CLOSED', 700), ev('R1', 'APPEAL_RETURNED', 1800), ev('R1', 'APPEAL_MISSED', 1830),
    ];
    // delivered out of order: the story is told in event time all the same
    const shuffled = [...acme].reverse();
    let res = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: 'Bearer ka' }, payload: shuffled });
    expect(res.statusCode, res.body).toBe(202);
    res = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: 'Bearer kb' }, payload: [ev('B1', 'APPEAL_NEW', 60), ev('B1', 'APPEAL_MISSED', 90)] });
    expect(res.statusCode, res.body).toBe(202);
  }, 120_000);
  afterAll(() => t?.close());

  it('lists each segment with its counts, verdict and events in story order', async () => {
    const { items, next, archived } = await list(hour);
    expect(next).toBeNull();
    expect(archived).toEqual([]);
    const by = new Map(items.map((i) => [`${i.appealId}#${i.segment}`, i]));
    expect([...by.keys()].sort()).toEqual(['A1#1', 'A2#1', 'A3#1', 'A4#1', 'P1#1', 'R1#1', 'R1#2']);
    expect(by.get('A1#1')).toMatchObject({ queue: 'billing', channel: 'voice', operators: ['op-1'], state: 'closed', waitSec: 8, handleSec: 180, sl: 'within', slTargetSec: 20 });
    expect(by.get('A1#1')!.events.map((e) => e.type)).toEqual(['APPEAL_NEW', 'APPEAL_SENT_DISTRIBUTION', 'APPEAL_APPOINTED', 'APPEAL_CLOSED']);
    expect(by.get('A1#1')!.events.map((e) => e.ts)).toEqual([at(60), at(62), at(70), at(250)]);
    expect(by.get('A1#1')!.counts.map((c) => c.as).sort()).toEqual(['aa', 'ha', 'handled', 'offered', 'queued', 'waited', 'withinSl']);
    expect(by.get('A1#1')!.counts.find((c) => c.as === 'aa')!.minute).toBe(iso(T0 + M));
    expect(by.get('A2#1')).toMatchObject({ state: 'inHandling', waitSec: 45, handleSec: null, sl: 'outside', operators: ['op-2'] });
    expect(by.get('A3#1')).toMatchObject({ state: 'missed', waitSec: 40, sl: 'outside' });
    expect(by.get('A4#1')).toMatchObject({ state: 'missed', waitSec: 3, sl: 'excluded' });
    expect(by.get('A4#1')!.counts.map((c) => c.as).sort()).toEqual(['missed', 'offered', 'queued', 'shortMissed']);
    expect(by.get('R1#2')).toMatchObject({ state: 'missed', waitSec: 30 });
    expect(by.get('R1#2')!.events.map((e) => e.type)).toEqual(['APPEAL_RETURNED', 'APPEAL_MISSED']);
  });

  it('filters by outcome, queue, channel and operator, names looked up as data', async () => {
    const ids = async (q: string) => (await list(`${hour}&${q}`)).items.map((i) => `${i.appealId}#${i.segment}`).sort();
    expect(await ids('outcome=missed')).toEqual(['A3#1', 'A4#1', 'R1#2']);
    expect(await ids('outcome=shortMissed')).toEqual(['A4#1']);
    expect(await ids('outcome=outsideSl')).toEqual(['A2#1', 'A3#1', 'R1#2']);
    expect(await ids('outcome=withinSl')).toEqual(['A1#1', 'P1#1', 'R1#1']);
    expect(await ids('outcome=ha')).toEqual(['A1#1', 'R1#1']);
    expect(await ids('queue=__proto__')).toEqual(['P1#1']);
    expect(await ids('channel=constructor')).toEqual(['P1#1']);
    expect(await ids('queue=__proto__&channel=voice')).toEqual([]);
    expect(await ids('operator=toString')).toEqual(['P1#1']);
    expect(await ids('operator=op-2')).toEqual(['A2#1']);
    expect(await ids('queue=constructor')).toEqual([]);
    expect(await ids('operator=hasOwnProperty')).toEqual([]);
  });

  it('takes an appeal into a range by the minute its number is counted in, as the rollups do', async () => {
    // 00:01–00:02 holds A1's queuing and answer; its close (00:04) is counted later
    const ids = async (from: number, to: number, q = '') => (await list(`from=${T0 + from * 1000}&to=${T0 + to * 1000}${q}`)).items.map((i) => i.appealId).sort();
    expect(await ids(240, 300, '&outcome=ha')).toEqual(['A1']);
    expect(await ids(60, 120, '&outcome=ha')).toEqual([]);
    // a partial minute widens to the whole minute, as /v1/metrics widens it
    expect(await ids(250, 251, '&outcome=ha')).toEqual(['A1']);
    // R1's second segment counts at 00:30
    expect(await ids(1800, 1860)).toEqual(['R1']);
  });

  it('pages with an opaque cursor: every item once, in the same order as one page', async () => {
    const whole = (await list(`${hour}&limit=1000`)).items.map((i) => `${i.appealId}#${i.segment}`);
    for (const limit of [1, 2, 3]) {
      const seen: string[] = [];
      let after: string | null = null;
      for (let pages = 0; pages < 20; pages++) {
        const page: { items: Item[]; next: string | null } = await list(`${hour}&limit=${limit}${after ? `&after=${after}` : ''}`);
        expect(page.items.length).toBeLessThanOrEqual(limit);
        seen.push(...page.items.map((i) => `${i.appealId}#${i.segment}`));
        after = page.next;
        if (!after) break;
      }
      expect(seen).toEqual(whole);
    }
  });

  it("answers only the key's tenant", async () => {
    const beta = await list(hour, 'kb');
    expect(beta.items.map((i) => i.appealId)).toEqual(['B1']);
    expect((await list(`${hour}&queue=billing`)).items.some((i) => i.appealId === 'B1')).toBe(false);
    expect((await get(`/v1/appeals?${hour}`, 'nope')).statusCode).toBe(401);
  });

  it('refuses every malformed parameter with a 400 naming it, never a 5xx', async () => {
    const cases: Array<[string, string]> = [
      ['', '/from'],
      [`to=${encodeURIComponent(at(60))}`, '/from'],
      [`from=${encodeURIComponent(at(0))}`, '/to'],
      [`from=yesterday&to=${T0}`, '/from'],
      [`from=${at(0).slice(0, 19)}&to=${encodeURIComponent(at(60))}`, '/from'],
      [`from=${encodeURIComponent(at(0))}&to=${at(60).slice(0, 10)}`, '/to'],
      [`from=${T0 + 60_000}&to=${T0}`, '/from'],
      [`from=${T0}&to=${T0 + 86_400_000 + M}`, '/to'],
      [`${hour}&limit=0`, '/limit'],
      [`${hour}&limit=1001`, '/limit'],
      [`${hour}&limit=1e3`, '/limit'],
      [`${hour}&outcome=abandoned`, '/outcome'],
      [`${hour}&outcome=__proto__`, '/outcome'],
      [`${hour}&queue=`, '/queue'],
      [`${hour}&channel=${'x'.repeat(65)}`, '/channel'],
      [`${hour}&operator=a%01b`, '/operator'],
      [`${hour}&team=nobody`, '/team'],
      [`${hour}&team=__proto__`, '/team'],
      [`${hour}&team=`, '/team'],
      [`${hour}&after=nonsense`, '/after'],
      [`${hour}&after=${Buffer.from('[1,2,3]').toString('base64url')}`, '/after'],
      [`${hour}&after=${Buffer.from(JSON.stringify([T0 + 7, 'A1', T0, 'APPEAL_NEW', 'x'])).toString('base64url')}`, '/after'],
      [`${hour}&after=${Buffer.from(JSON.stringify([T0, 'A1', T0, '__proto__', 'x'])).toString('base64url')}`, '/after'],
      [`${hour}&after=%ZZ`, ''],
      [`${hour}&outcome=open&operator=op-1`, '/outcome'],
      [`${hour}&outcome=open&minWaitSec=10`, '/minWaitSec'],
      [`${hour}&outcome=queued&minWaitSec=-1`, '/minWaitSec'],
      [`${hour}&outcome=queued&minWaitSec=1.5`, '/minWaitSec'],
      [`${hour}&outcome=queued&minWaitSec=86401`, '/minWaitSec'],
      [`${hour}&tenant=beta`, ''],
      [`${hour}&from=${T0}`, ''],
    ];
    for (const [query, path] of cases) {
      const res = await get(`/v1/appeals?${query}`);
      expect(res.statusCode, `${query}: ${res.body}`).toBe(400);
      expectErrorShape(res.json());
      if (path) expect(res.json().error.details.map((d: { path: string }) => d.path), query).toContain(path);
    }
    const long = await get(`/v1/appeals?from=${T0}&to=${T0 + 2 * 86_400_000}`);
    expect(long.json().error.message).toMatch(/at most 1 day/);
  });

  it('lists the longest waits (answered or abandoned) by their bin, and the appeals open at the end though they had no event in the range', async () => {
    // the hour's waits: A1 8 s, A2 45 s, A3 40 s (abandoned), A4 3 s (abandoned), P1 5 s, R1 10 s and 30 s
    const longest = await list(`${hour}&outcome=queued&minWaitSec=45`);
    expect(longest.items.map((i) => i.appealId)).toEqual(['A2']);
    expect(longest.items[0].counts.filter((c) => c.as === 'queued')).toEqual([expect.objectContaining({ waitSec: 45 })]);
    const { rows } = (await get(`/v1/metrics?${hour}`)).json();
    expect(rows.find((r: { queue: string }) => r.queue === 'billing').longestWaitSec).toBe(45);
    const over30 = await list(`${hour}&outcome=queued&minWaitSec=30`);
    expect(over30.items.map((i) => `${i.appealId}#${i.segment}`).sort()).toEqual(['A2#1', 'A3#1', 'R1#2']);

    // A2 (appointed, never closed) is in handling until voice's 2 h timeout: open at the end of a
    // later minute in which it had no event, in billing × voice and nowhere else (P1 likewise in its own)
    const later = `from=${encodeURIComponent(at(2400))}&to=${encodeURIComponent(at(2460))}`;
    const open = await list(`${later}&outcome=open&queue=billing&channel=voice`);
    expect(open.items.map((i) => i.appealId)).toEqual(['A2']);
    expect(open.items[0].counts).toEqual([]);
    expect((await list(`${later}&outcome=open`)).items.map((i) => i.appealId)).toEqual(['A2', 'P1']);
    expect((await list(`${later}&outcome=open&queue=sales`)).items).toHaveLength(0);
    // …and no longer open 2 h after its appointment
    expect((await list(`from=${encodeURIComponent(at(165 + 7200))}&to=${encodeURIComponent(at(165 + 7260))}&outcome=open&queue=billing`)).items).toHaveLength(0);
    expect((await list(`${later}&outcome=open&queue=__proto__&channel=constructor`)).items.map((i) => i.appealId)).toEqual(['P1']);
    // the other tenant sees neither
    expect((await list(`${hour}&outcome=open`)).items.map((i) => i.appealId).sort()).toEqual(['A2', 'P1']);
    expect((await list(`${hour}&outcome=open`, 'kb')).items).toHaveLength(0);
  });

  it('says which days of the range are archived rather than answering fewer appeals silently', async () => {
    const day = Math.floor(T0 / 86_400_000) * 86_400_000 - 3 * 86_400_000;
    // a day archived (its events are in a file, no longer in the log): recorded as the archive run records it
    const engine = t.engine as unknown as { storage: { listArchivedDays: (q?: unknown) => Promise<unknown[]> } };
    const original = engine.storage.listArchivedDays.bind(engine.storage);
    engine.storage.listArchivedDays = async (q) => [
      ...(await original(q)),
      { day, part: 1, file: 'archive/day.ndjson.gz', archivedAt: day + 8 * 86_400_000, tenants: [{ tenant: 'acme', events: 5 }] },
    ];
    try {
      const body = await list(`from=${day + 3_600_000}&to=${day + 7_200_000}`);
      expect(body.archived).toEqual([{ day: iso(day).slice(0, 10), events: 5, files: ['archive/day.ndjson.gz'] }]);
      expect(body.items).toEqual([]);
    } finally {
      engine.storage.listArchivedDays = original;
    }
  });
});
