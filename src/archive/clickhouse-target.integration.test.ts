/**
 * The archive into a ClickHouse database (clickhouse-target.ts), from the embedded store, against the
 * real server .ci/run starts (Debian's 18.16): days go into `archived_events`, are read back and checked
 * before they leave the hot store; a table that does not hold what it was given is refused; an
 * interrupted attempt's rows are cleared by the next; and any days, in rounds with late events between
 * them, read back from the table and the hot store as exactly the original log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { CcEvent, LoggedEvent } from '../contract/event.js';
import { chClient, parseClickhouseUrl } from '../storage/clickhouse/client.js';
import { sql } from '../storage/clickhouse/sql.js';
import { openPgliteStorage } from '../storage/pglite/index.js';
import { DAY_MS, type Storage } from '../storage/storage.js';
import { serverAvailable } from '../testing/require-server.js';
import { runArchive } from './archive-run.js';
import { ClickhouseArchive, parseArchiveName } from './clickhouse-target.js';
import { appendApplied, hotAndArchived } from './testing/archive-suite.js';

const BASE = process.env.CCPULSE_TEST_CLICKHOUSE_URL ?? 'clickhouse://default@127.0.0.1:8123/default';
const { hostname, port } = new URL(BASE);
const available = () => serverAvailable('ClickHouse', hostname, Number(port || 8123));
const urlOf = (db: string) => BASE.replace(/\/[^/]*$/, `/${db}`);
const DB = `ccpulse_test_archive_${process.pid}`;
const used = new Set<string>();
const root = mkdtempSync(join(tmpdir(), 'ccpulse-ch-archive-'));
let n = 0;

async function dropDatabase(db: string) {
  const server = chClient(parseClickhouseUrl(urlOf(db)), null, 300_000);
  await server.command(`DROP DATABASE IF EXISTS ${db}`);
  await server.close();
}

/** A fresh embedded store and a fresh archive database. */
async function fresh(): Promise<{ s: Storage; target: ClickhouseArchive; close(): Promise<void> }> {
  const db = `${DB}_${n++}`;
  used.add(db);
  await dropDatabase(db);
  const s = await openPgliteStorage({ dataDir: join(root, db) });
  const target = new ClickhouseArchive(urlOf(db));
  return { s, target, close: async () => void (await Promise.all([s.close(), target.close()])) };
}

afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  if (!(await available())) return;
  await Promise.all([...used].map(dropDatabase));
}, 300_000);

const now = Date.UTC(2026, 10, 30, 12);
const day = (k: number) => Date.UTC(2026, 10, 1 + k);
const ev = (id: string, ts: number, extra: Partial<CcEvent> = {}, tenant = 't'): { tenant: string; event: CcEvent } => ({
  tenant,
  event: { id, type: 'APPEAL_NEW', ts, appealId: `a-${id}`, channel: 'voice', queue: 'q', ...extra },
});
const bySeq = (xs: LoggedEvent[]) => [...xs].sort((a, b) => a.seq - b.seq);

describe('archive into ClickHouse', () => {
  it('moves the closed days past the cutoff into archived_events, checked, one typed column per field; run again, does nothing more', async (ctx) => {
    if (!(await available())) return ctx.skip();
    const { s, target, close } = await fresh();
    try {
      const nasty = "x'); DROP TABLE archived_events; --\\";
      await appendApplied(s, [
        ev('a1', day(3) + 1000, { operatorId: nasty, attrs: { vip: true, nested: { b: 2, a: [1, 'z'] } } }),
        ev('a2', day(3) + 2000, {}, '__proto__'),
        ev('b1', day(4) + 5, { type: 'APPEAL_CLOSED' as const }),
        ev('r1', day(28)),
      ]);
      const before = await hotAndArchived(s, target);
      const r = await runArchive({ storage: s, target, olderThanMs: 7 * DAY_MS, now });
      expect(r.where).toBe(`clickhouse ${hostname}:${port || 8123}/${DB}_0`);
      expect(r.days.map((d) => [new Date(d.day).toISOString().slice(0, 10), d.status, 'events' in d ? d.events : null])).toEqual([
        ['2026-11-04', 'archived', 2],
        ['2026-11-05', 'archived', 1],
      ]);
      const recorded = await s.listArchivedDays();
      expect(recorded.map((a) => parseArchiveName(a.file)?.date)).toEqual(['2026-11-04', '2026-11-05']);
      const after = await hotAndArchived(s, target);
      expect(after.hot.map((e) => e.id)).toEqual(['r1']);
      expect(bySeq([...after.hot, ...after.archived])).toEqual(bySeq(before.hot));
      // the table is an analytic store: its columns hold the fields, queryable by people
      const rows = await target.client.rows<Record<string, unknown>>(sql`SELECT tenant, id, type, operator_id, attrs, toString(at) AS at FROM archived_events ORDER BY seq`);
      expect(JSON.parse(rows[0].attrs as string)).toEqual({ vip: true, nested: { b: 2, a: [1, 'z'] } });
      expect(rows).toEqual([
        { tenant: 't', id: 'a1', type: 'APPEAL_NEW', operator_id: nasty, attrs: expect.any(String), at: expect.stringMatching(/^2026-11-04 /) },
        { tenant: '__proto__', id: 'a2', type: 'APPEAL_NEW', operator_id: null, attrs: null, at: expect.any(String) },
        { tenant: 't', id: 'b1', type: 'APPEAL_CLOSED', operator_id: null, attrs: null, at: expect.any(String) },
      ]);
      const again = await runArchive({ storage: s, target, olderThanMs: 7 * DAY_MS, now });
      expect(again.days).toEqual([]);
      expect(await s.listArchivedDays()).toEqual(recorded);
    } finally {
      await close();
    }
  });

  it('refuses a table that does not read back as written (a row more, a seq twice): nothing leaves the hot store; the next attempt archives beside them, and only the recorded one is shown', async (ctx) => {
    if (!(await available())) return ctx.skip();
    const { s, target, close } = await fresh();
    try {
      await appendApplied(s, Array.from({ length: 50 }, (_, i) => ev(`e${i}`, day(2) + i * 1000)));
      const before = await hotAndArchived(s, target);
      const copyRow = (seqExpr: string) => async (name: string) => {
        const at = parseArchiveName(name)!;
        await target.client.command(
          sql`INSERT INTO archived_events SELECT day, part, attempt, ${seqExpr === 'same' ? sql`seq` : sql`seq + 1000`}, tenant, id, type, ts, key_ts, received_at_us, at, appeal_id, channel, queue, operator_id, status, direction, campaign_id, attrs FROM archived_events WHERE attempt = ${at.attempt} AND id = 'e7'`,
        );
      };
      for (const [tamper, why] of [
        [copyRow('later'), /reads back as 51 events .* not the 50 written/],
        [copyRow('same'), /does not read back whole/],
      ] as const) {
        const r = await runArchive({ storage: s, target, olderThanMs: 7 * DAY_MS, now, afterWrite: tamper });
        expect(r.days).toEqual([{ day: day(2), status: 'refused', reason: expect.stringMatching(why) }]);
        expect(await s.listArchivedDays()).toEqual([]);
        expect(bySeq((await hotAndArchived(s, target)).hot)).toEqual(bySeq(before.hot));
      }
      const r = await runArchive({ storage: s, target, olderThanMs: 7 * DAY_MS, now });
      expect(r.days.map((d) => d.status)).toEqual(['archived']);
      expect(bySeq((await hotAndArchived(s, target)).archived)).toEqual(bySeq(before.hot));
      // nothing is deleted: the refused attempts' rows stay, out of every read and out of the people's view
      const [all] = await target.client.rows<{ n: string; attempts: string }>(sql`SELECT count() AS n, uniqExact(attempt) AS attempts FROM archived_events`);
      expect([Number(all.n), Number(all.attempts)]).toEqual([50 + 51 + 51, 3]);
      const [shown] = await target.client.rows<{ n: string; attempts: string }>(sql`SELECT count() AS n, uniqExact(attempt) AS attempts FROM archived_events_recorded`);
      expect([Number(shown.n), Number(shown.attempts)]).toEqual([50, 1]);
    } finally {
      await close();
    }
  });

  it('two stores archiving the same day into one database keep each their own part: neither touches the other', async (ctx) => {
    if (!(await available())) return ctx.skip();
    const a = await fresh();
    const b = await fresh();
    const shared = new ClickhouseArchive(urlOf(`${DB}_shared`));
    used.add(`${DB}_shared`);
    try {
      await appendApplied(a.s, [ev('a1', day(2) + 1), ev('a2', day(2) + 2)]);
      await appendApplied(b.s, [ev('b1', day(2) + 3)]);
      const ra = await runArchive({ storage: a.s, target: shared, olderThanMs: 7 * DAY_MS, now });
      const rb = await runArchive({ storage: b.s, target: shared, olderThanMs: 7 * DAY_MS, now });
      expect([ra.days.map((d) => d.status), rb.days.map((d) => d.status)]).toEqual([['archived'], ['archived']]);
      expect((await hotAndArchived(a.s, shared)).archived.map((e) => e.id)).toEqual(['a1', 'a2']);
      expect((await hotAndArchived(b.s, shared)).archived.map((e) => e.id)).toEqual(['b1']);
      const [c] = await shared.client.rows<{ n: string }>(sql`SELECT count() AS n FROM archived_events_recorded WHERE day = toDate('2026-11-03')`);
      expect(Number(c.n)).toBe(3);
    } finally {
      await Promise.all([a.close(), b.close(), shared.close()]);
    }
  });

  it('property: archiving any days, in rounds with very late events between them, then reading the table and the hot store back gives exactly the original log', async (ctx) => {
    if (!(await available())) return ctx.skip();
    const anEvent = fc.record({
      tenant: fc.constantFrom('t', 'u', '__proto__', "o'neil"),
      dayIndex: fc.integer({ min: 0, max: 9 }),
      msInDay: fc.integer({ min: 0, max: DAY_MS - 1 }),
      attrs: fc.option(fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.boolean(), fc.constant(null)), { maxKeys: 3 }), { nil: undefined }),
      operatorId: fc.option(fc.string({ maxLength: 6 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(anEvent, { minLength: 1, maxLength: 40 }), fc.array(anEvent, { maxLength: 10 }), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 10 }), async (first, late, cut1, cut2) => {
        const { s, target, close } = await fresh();
        let id = 0;
        const toEvents = (xs: typeof first) =>
          xs.map((x) => ev(`p${id++}`, day(x.dayIndex) + x.msInDay, { ...(x.attrs ? { attrs: x.attrs } : {}), ...(x.operatorId !== undefined ? { operatorId: x.operatorId } : {}) }, x.tenant));
        try {
          await appendApplied(s, toEvents(first));
          const appended = await s.readLog(0, 1_000);
          await runArchive({ storage: s, target, olderThanMs: 7 * DAY_MS, now: day(cut1 + 7), span: 7 });
          if (late.length) await appendApplied(s, toEvents(late));
          appended.push(...(await s.readLog(Math.max(...appended.map((e) => e.seq)), 1_000)));
          await runArchive({ storage: s, target, olderThanMs: 7 * DAY_MS, now: day(cut2 + 7), span: 3 });
          const back = await hotAndArchived(s, target);
          const all = [...back.hot, ...back.archived];
          expect(new Set(all.map((e) => e.seq)).size).toBe(all.length);
          expect(bySeq(all)).toEqual(bySeq(appended));
          expect(back.hot.filter((e) => e.ts < day(cut2))).toEqual([]);
        } finally {
          await close();
        }
      }),
      { numRuns: 5 },
    );
  }, 240_000);
});
