import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CcEvent } from '../contract/event.js';
import fc from 'fast-check';
import { addCounters, emptyCounters } from '../metrics/counters.js';
import type { SlPolicy } from '../metrics/finalize.js';
import { aggregateCells } from '../metrics/history.js';
import { CellMap } from '../stream/cells.js';
import { ArchiveMismatchError, DAY_MS, type GroupKey, type HistoryAggregate, type RawLogEvent, type RollupCell, type Storage } from './storage.js';
import { canonicalLine, DayDigest } from './archive-format.js';

/** An aggregate of cells that cancelled out (a retraction) says nothing; storage may or may not return it. */
const isEmptyAggregate = (a: HistoryAggregate) =>
  a.offered === 0 && a.aa === 0 && a.ha === 0 && a.missed === 0 && a.waitSumMs === 0 && a.waitCount === 0 && a.handleSumMs === 0 &&
  a.handleCount === 0 && a.qaDelta === 0 && a.slTotal === 0 && a.longestBin === null;
const sortAggregates = (xs: HistoryAggregate[]) =>
  xs.map((x) => ({ ...x })).sort((a, b) => a.slot - b.slot || `${a.queue}/${a.channel}/${a.operator}/${a.team}`.localeCompare(`${b.queue}/${b.channel}/${b.operator}/${b.team}`));

/**
 * The behaviour every Storage backend must show. Each backend's test file calls this with a factory
 * that opens a fresh, empty store (and optionally a way to reopen the same store, for durability).
 */
export function storageConformance(
  name: string,
  open: () => Promise<Storage>,
  opts: { reopen?: () => Promise<Storage>; enabled?: () => Promise<boolean> } = {},
) {
  describe(`Storage conformance: ${name}`, () => {
    let s: Storage;
    let enabled = true;
    beforeAll(async () => {
      enabled = opts.enabled ? await opts.enabled() : true;
      if (enabled) s = await open();
    });
    let closed = false;
    afterAll(async () => {
      if (enabled && !closed) await s.close();
    });
    const t0 = Date.UTC(2026, 10, 21, 10, 0, 0);
    const ev = (id: string, extra: Partial<CcEvent> = {}): CcEvent => ({
      id, type: 'APPEAL_NEW', ts: t0 + 1234, appealId: 'a-' + id, channel: 'voice', queue: 'sales', ...extra,
    });

    it('answers a ping quickly while open', async (ctx) => {
      if (!enabled) return ctx.skip();
      const started = performance.now();
      await expect(s.ping()).resolves.toBeUndefined();
      await Promise.all([s.ping(), s.ping(), s.ping()]);
      expect(performance.now() - started).toBeLessThan(5_000);
    });

    it('appends, assigns increasing positions and refuses repeated ids per tenant', async (ctx) => {
      if (!enabled) return ctx.skip();
      const seqs = await s.append([{ tenant: 't1', event: ev('e1') }, { tenant: 't1', event: ev('e2') }, { tenant: 't2', event: ev('e1') }]);
      expect(seqs.every((x) => typeof x === 'number')).toBe(true);
      expect(seqs[1]!).toBeGreaterThan(seqs[0]!);
      const again = await s.append([{ tenant: 't1', event: ev('e2') }, { tenant: 't1', event: ev('e3') }]);
      expect(again[0]).toBeNull();
      expect(again[1]).toBeGreaterThan(seqs[2]!);
    });

    it('reads the log back in position order, every field intact', async (ctx) => {
      if (!enabled) return ctx.skip();
      const full: CcEvent = {
        id: 'full', type: 'APPEAL_APPOINTED', ts: t0 + 5_001, appealId: 'A', channel: 'telegram', queue: 'q',
        operatorId: 'op', direction: 'outbound', campaignId: 'c1', attrs: { vip: true, n: 2 },
      };
      const [seq] = await s.append([{ tenant: 't3', event: full }]);
      const log = await s.readLog(seq! - 1, 10);
      expect(log[0]).toEqual({ ...full, tenant: 't3', seq });
      const all = await s.readLog(0, 1000);
      expect(all.map((e) => e.seq)).toEqual([...all.map((e) => e.seq)].sort((a, b) => a - b));
      const byTime = await s.readEventsByTime('t3', t0, t0 + 60_000);
      expect(byTime.map((e) => e.id)).toEqual(['full']);
      expect(await s.readEventsByTime('t3', t0 + 5_002, t0 + 60_000)).toEqual([]);
    });

    it("reads an appeal's events back by appeal, up to a position, tenant by tenant", async (ctx) => {
      if (!enabled) return ctx.skip();
      const [a1, a2, b1, other] = await s.append([
        { tenant: 't4', event: ev('x1', { appealId: 'X' }) },
        { tenant: 't4', event: ev('x2', { appealId: 'X', type: 'APPEAL_CLOSED', operatorId: 'o', ts: t0 + 9_000 }) },
        { tenant: 't4', event: ev('y1', { appealId: 'Y' }) },
        { tenant: 't4b', event: ev('x1', { appealId: 'X' }) },
      ]);
      await s.append([{ tenant: 't4', event: { id: 'st', type: 'OPERATOR_STATUS', ts: t0, operatorId: 'o', status: 'ready' } }]);
      const got = await s.readAppealEvents('t4', ['X', 'Y', 'nope'], b1!);
      expect(got.map((e) => [e.id, e.seq])).toEqual([['x1', a1], ['x2', a2], ['y1', b1]]);
      expect(got[1]).toMatchObject({ type: 'APPEAL_CLOSED', ts: t0 + 9_000, operatorId: 'o', tenant: 't4' });
      expect((await s.readAppealEvents('t4', ['X'], a1!)).map((e) => e.id)).toEqual(['x1']);
      expect((await s.readAppealEvents('t4b', ['X'], other!)).map((e) => e.id)).toEqual(['x1']);
      expect(await s.readAppealEvents('t4', [], other!)).toEqual([]);
    });

    it('commits rollup deltas, dead letters and the checkpoint together, and sums deltas', async (ctx) => {
      if (!enabled) return ctx.skip();
      const cell = (bucket: number, delta: Partial<ReturnType<typeof emptyCounters>>): RollupCell => ({
        tenant: 't1', queue: 'sales', channel: 'voice', operator: '', bucket, counters: { ...emptyCounters(), ...delta },
      });
      await s.commitCheckpoint({
        name: 'main', commitId: 1, position: 3, state: JSON.stringify({ hello: 'world' }),
        upserts: [{ key: 'k1', value: '{"v":1}' }, { key: 'k2', value: '[2]' }, { key: 'old', value: '"gone"' }],
        deletes: [],
        rollupDeltas: [cell(t0, { offered: 2, qaDelta: 2, waitHist: { 3: 1, 10: 1 }, repairs: { expired: 1 } })],
        deadLetters: [{ tenant: 't1', eventId: 'x', seq: 2, step: 'appeal', reason: 'broken', payload: { id: 'x' } }],
      });
      await s.commitCheckpoint({
        name: 'main', commitId: 2, position: 5, state: JSON.stringify({ hello: 'again' }),
        upserts: [{ key: 'k3', value: '"three"' }, { key: 'k1', value: '{"v":11}' }],
        deletes: ['k2', 'old', 'never-there'],
        rollupDeltas: [cell(t0, { offered: 1, qaDelta: -1, waitHist: { 3: -1, 7: 1 }, repairs: { expired: -1 } }), cell(t0 + 60_000, { aa: 1 })],
        deadLetters: [],
      });
      const cp = await s.loadCheckpoint('main');
      expect(cp).toMatchObject({ name: 'main', commitId: 2, position: 5, state: { hello: 'again' } });
      expect(cp!.entries.sort((a, b) => a.key.localeCompare(b.key))).toEqual([{ key: 'k1', value: { v: 11 } }, { key: 'k3', value: 'three' }]);
      expect(await s.loadCheckpoint('other')).toBeNull();
      const rows = await s.queryRollups({ tenant: 't1', from: t0, to: t0 + 120_000, level: 'queue' });
      expect(rows).toHaveLength(2);
      expect(rows[0].counters).toMatchObject({ offered: 3, qaDelta: 1, waitHist: { 7: 1, 10: 1 }, repairs: {} });
      expect(rows[1].counters.aa).toBe(1);
      expect(await s.queryRollups({ tenant: 't1', from: t0, to: t0 + 60_000, level: 'operator' })).toEqual([]);
      expect(await s.qaLevels({ tenant: 't1', at: t0 + 60_000 })).toEqual([{ queue: 'sales', channel: 'voice', qa: 1 }]);
      expect(await s.qaLevels({ tenant: 't1', at: t0 })).toEqual([]);
      const dl = await s.listDeadLetters({ tenant: 't1', limit: 10 });
      expect(dl).toHaveLength(1);
      expect(dl[0]).toMatchObject({ eventId: 'x', seq: 2, step: 'appeal', reason: 'broken', payload: { id: 'x' }, replayedAt: null });
      await s.markDeadLettersReplayed([dl[0].id!]);
      expect((await s.getDeadLetter(dl[0].id!))?.replayedAt).toBeTypeOf('number');
      expect(await s.deadLetteredSeqs([1, 2, 3])).toEqual([2]);
      expect(await s.deadLetteredSeqs([])).toEqual([]);
    });

    it('applies a checkpoint commit once, even when it is sent again, and refuses a gap', async (ctx) => {
      if (!enabled) return ctx.skip();
      const commit = {
        name: 'once', commitId: 1, position: 7, state: '{}', upserts: [], deletes: [], deadLetters: [],
        rollupDeltas: [{ tenant: 't5', queue: 'q', channel: 'voice', operator: '', bucket: t0, counters: { ...emptyCounters(), offered: 1 } }],
      };
      await s.commitCheckpoint(commit);
      await s.commitCheckpoint(commit); // its acknowledgement was lost; the retry must not count it twice
      expect((await s.queryRollups({ tenant: 't5', from: t0, to: t0 + 60_000, level: 'queue' }))[0].counters.offered).toBe(1);
      await expect(s.commitCheckpoint({ ...commit, commitId: 3 })).rejects.toThrow(/does not follow/);
      expect((await s.loadCheckpoint('once'))?.commitId).toBe(1);
    });

    it('filters rollups by queue, channel and operator', async (ctx) => {
      if (!enabled) return ctx.skip();
      const c = { ...emptyCounters(), ha: 1 };
      await s.commitCheckpoint({
        name: 'filters', commitId: 1, position: 1, state: '{}', deadLetters: [], upserts: [], deletes: [],
        rollupDeltas: [
          { tenant: 't9', queue: 'a', channel: 'voice', operator: 'op1', bucket: t0, counters: c },
          { tenant: 't9', queue: 'a', channel: 'email', operator: 'op2', bucket: t0, counters: c },
          { tenant: 't9', queue: 'b', channel: 'voice', operator: '', bucket: t0, counters: c },
        ],
      });
      const ops = await s.queryRollups({ tenant: 't9', from: t0, to: t0 + 60_000, level: 'operator', channel: 'voice' });
      expect(ops.map((r) => r.operator)).toEqual(['op1']);
      expect((await s.queryRollups({ tenant: 't9', from: t0, to: t0 + 60_000, level: 'queue', queue: 'b' })).length).toBe(1);
      expect((await s.queryRollups({ tenant: 't9', from: t0, to: t0 + 60_000, level: 'queue', queue: 'a' })).length).toBe(0);
    });

    it('aggregates history in the store exactly as the in-memory definition does, at every resolution', async (ctx) => {
      if (!enabled) return ctx.skip();
      // each queue's own policy, a channel's, the default; or one policy for every cell, as most centers
      // have (ClickHouse judges that case with constants: storage/clickhouse/history.ts policySql)
      const mixed = {
        default: { targetSec: 20, shortAbandonSec: 5, abandonsCount: true },
        queues: [['a', { targetSec: 60, shortAbandonSec: 0, abandonsCount: false }]] as Array<[string, SlPolicy]>,
        channels: [['email', { targetSec: 3600, shortAbandonSec: 0, abandonsCount: true }]] as Array<[string, SlPolicy]>,
      };
      const uniform = (abandonsCount: boolean) => ({
        default: { targetSec: 20, shortAbandonSec: 5, abandonsCount },
        queues: [['a', { targetSec: 20, shortAbandonSec: 5, abandonsCount }]] as Array<[string, SlPolicy]>,
        channels: [] as Array<[string, SlPolicy]>,
      });
      const policies = [mixed, uniform(true), uniform(false)];
      const day0 = Date.UTC(2026, 10, 16);
      // bins on and around the SL and short-abandon thresholds (bins 0, 5, 20, 60 and 266: 0, 5, 20, 60 s and 1 h) as often as anywhere else
      const bin = fc.oneof(fc.constantFrom(0, 4, 5, 6, 19, 20, 21, 59, 60, 61, 265, 266, 267), fc.integer({ min: 0, max: 358 }));
      const hist = fc.dictionary(bin.map(String), fc.integer({ min: 1, max: 3 }), { maxKeys: 4 });
      const cellArb = fc.record({
        queue: fc.constantFrom('a', 'b', 'constructor'),
        channel: fc.constantFrom('voice', 'email'),
        operator: fc.constantFrom('', '', 'o1', 'o2'),
        bucket: fc.integer({ min: 0, max: 3 * 24 * 60 - 1 }).map((m) => day0 + m * 60_000),
        counters: fc.record({
          offered: fc.nat(5), aa: fc.nat(5), ha: fc.nat(5), missed: fc.nat(3), waitSumMs: fc.nat(900_000), waitCount: fc.nat(5),
          handleSumMs: fc.nat(900_000), handleCount: fc.nat(5), qaDelta: fc.integer({ min: -3, max: 3 }),
          waitHist: hist, abandonHist: hist, repairs: fc.dictionary(fc.constantFrom('expired', 'late'), fc.integer({ min: 1, max: 2 }), { maxKeys: 2 }),
        }),
      });
      const minute = fc.integer({ min: 0, max: 3 * 24 * 60 }).map((m) => day0 + m * 60_000);
      const queryArb = fc.record({
        a: minute, b: minute,
        groupBy: fc.subarray(['queue', 'channel', 'operator', 'team'] as GroupKey[]),
        // operators' teams: none, one in a team, both in one, names that are SQL or object-property traps
        teams: fc.constantFrom<Array<[string, string]>>([], [['o1', 'red']], [['o1', 'red'], ['o2', 'red']], [['o1', "it's"], ['o2', '__proto__']], [['o2', 'constructor']]),
        intervalMs: fc.option(fc.constantFrom(60_000, 15 * 60_000, 3_600_000, 86_400_000), { nil: undefined }),
        level: fc.constantFrom('queue' as const, 'operator' as const),
        queue: fc.option(fc.constantFrom('a', 'constructor'), { nil: undefined }),
      });
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(cellArb, { maxLength: 25 }), fc.array(cellArb, { maxLength: 10 }), fc.nat(24), fc.array(queryArb, { minLength: 1, maxLength: 4 }), fc.nat(2), async (committed, later, retract, queries, which) => {
          const sl = policies[which];
          const policyOf = (queue: string, channel: string) => new Map(sl.queues).get(queue) ?? new Map(sl.channels).get(channel) ?? sl.default;
          const tenant = `hist${++run}`;
          const own = (c: Omit<RollupCell, 'tenant'>): RollupCell => ({ ...c, tenant, counters: { ...emptyCounters(), ...structuredClone(c.counters) } });
          // a checkpoint holds each cell once (the processor's CellMap), as these do
          const once = (cells: RollupCell[]) => {
            const m = new CellMap();
            for (const c of cells) m.addCell(c);
            return m.nonZero();
          };
          const first = once(committed.map(own));
          const negate = (c: RollupCell): RollupCell => {
            const n = emptyCounters();
            addCounters(n, c.counters, -1);
            return { ...c, counters: n };
          };
          // a second commit adds cells and takes one of the first back, as a retraction does
          const second = once([...later.map(own), ...(first.length ? [negate(first[retract % first.length])] : [])]);
          await s.commitCheckpoint({ name: tenant, commitId: 1, position: 1, state: '{}', upserts: [], deletes: [], deadLetters: [], rollupDeltas: first });
          await s.commitCheckpoint({ name: tenant, commitId: 2, position: 2, state: '{}', upserts: [], deletes: [], deadLetters: [], rollupDeltas: second });
          const pending = later.slice(0, 3).map(own);
          const all = [...first, ...second, ...pending];
          for (const q of queries) {
            const from = Math.min(q.a, q.b);
            const to = Math.max(q.a, q.b) + 60_000;
            const inQuery = all.filter((c) => (q.level === 'queue' ? c.operator === '' : c.operator !== '') && (q.queue === undefined || c.queue === q.queue));
            const shape = { from, to, groupBy: q.groupBy, intervalMs: q.intervalMs, level: q.level };
            const want = aggregateCells(inQuery, shape, policyOf, q.teams).filter((x) => !isEmptyAggregate(x));
            const got = await s.queryHistory(
              { tenant, ...shape, queue: q.queue, sl, teams: q.teams, limit: 100_000 },
              pending.filter((c) => (q.level === 'queue' ? c.operator === '' : c.operator !== '') && (q.queue === undefined || c.queue === q.queue) && c.bucket >= from && c.bucket < to),
            );
            expect(sortAggregates(got.filter((x) => !isEmptyAggregate(x)))).toEqual(sortAggregates(want));
          }
          const at = Math.min(queries[0].a, queries[0].b);
          const qa = new Map<string, number>();
          for (const c of [...first, ...second]) if (c.operator === '' && c.bucket < at) qa.set(`${c.queue}/${c.channel}`, (qa.get(`${c.queue}/${c.channel}`) ?? 0) + c.counters.qaDelta);
          const levels = await s.qaLevels({ tenant, at });
          expect(new Map(levels.map((l) => [`${l.queue}/${l.channel}`, l.qa]))).toEqual(new Map([...qa].filter(([, v]) => v !== 0)));
        }),
        { numRuns: Number(process.env.CCPULSE_PROPERTY_RUNS ?? 25) },
      );
    });

    it('keeps recommendations: the latest state of each item, its transitions, the open board and history by range', async (ctx) => {
      if (!enabled) return ctx.skip();
      expect(await s.lastRecommendationNumber()).toBe(0);
      const base = { key: 'sl-under-target:sales:voice', kind: 'sl-under-target', severity: 'warning' as const, reason: 'SL 70 %', data: { slPct: 70 } };
      const a1 = { ...base, tenant: 't1', num: 1, state: 'open' as const, openedAt: t0, updatedAt: t0 };
      const other = { ...base, tenant: 't2', num: 2, state: 'open' as const, openedAt: t0, updatedAt: t0, key: '__proto__', data: { constructor: 1 } };
      const acked = { ...a1, state: 'acknowledged' as const, acknowledgedAt: t0 + 1000, acknowledgedBy: 'ann', updatedAt: t0 + 1000 };
      // one batch: opened and acknowledged; the row holds the latest, both transitions are kept
      await s.saveRecommendations([
        { item: a1, from: null, to: 'open', at: t0 },
        { item: other, from: null, to: 'open', at: t0 },
        { item: acked, from: 'open', to: 'acknowledged', at: t0 + 1000 },
      ]);
      expect(await s.listRecommendations({ tenant: 't1', open: true, limit: 10 })).toEqual([acked]);
      expect(await s.listRecommendations({ tenant: 't2', open: true, limit: 10 })).toEqual([other]);
      const resolved = { ...acked, state: 'resolved' as const, resolvedAt: t0 + 600_000, updatedAt: t0 + 600_000, severity: 'critical' as const };
      const a3 = { ...base, tenant: 't1', num: 3, key: 'long-wait:sales:voice', kind: 'long-wait', state: 'open' as const, openedAt: t0 + 700_000, updatedAt: t0 + 700_000 };
      await s.saveRecommendations([{ item: resolved, from: 'acknowledged', to: 'resolved', at: t0 + 600_000 }, { item: a3, from: null, to: 'open', at: t0 + 700_000 }]);
      expect(await s.lastRecommendationNumber()).toBe(3);
      expect(await s.listRecommendations({ tenant: 't1', open: true, limit: 10 })).toEqual([a3]);
      // history: items whose lifetime overlaps the range, newest first
      expect((await s.listRecommendations({ tenant: 't1', from: t0, to: t0 + 3_600_000, limit: 10 })).map((i) => i.num)).toEqual([3, 1]);
      expect((await s.listRecommendations({ tenant: 't1', from: t0 + 650_000, to: t0 + 3_600_000, limit: 10 })).map((i) => i.num)).toEqual([3]);
      expect((await s.listRecommendations({ tenant: 't1', from: t0 - 60_000, to: t0 + 1, limit: 10 })).map((i) => i.num)).toEqual([1]);
      expect(await s.listRecommendations({ tenant: 't1', from: t0, to: t0 + 3_600_000, limit: 1 })).toEqual([a3]);
      expect((await s.listRecommendations({ tenant: 't1', from: t0, to: t0 + 3_600_000, limit: 10 }))[1]).toEqual(resolved);
      expect(await s.saveRecommendations([])).toBeUndefined();
    });

    it('writes every saved lifecycle change to the notifier\'s outbox, in order, with the item as it stood', async (ctx) => {
      if (!enabled) return ctx.skip();
      const before = (await s.readOutbox(0, 100_000)).at(-1)?.id ?? 0;
      const item = { tenant: 't9', num: 901, key: 'long-wait:__proto__:voice', kind: 'long-wait', severity: 'critical' as const, reason: 'waiting 400 s', data: { waiting: 3 }, state: 'open' as const, openedAt: t0, updatedAt: t0 };
      const acked = { ...item, state: 'acknowledged' as const, acknowledgedAt: t0 + 5, acknowledgedBy: 'ann', updatedAt: t0 + 5 };
      await s.saveRecommendations([{ item, from: null, to: 'open', at: t0 }, { item: acked, from: 'open', to: 'acknowledged', at: t0 + 5 }]);
      const out = await s.readOutbox(before, 10);
      expect(out.map(({ id: _id, ...e }) => e)).toEqual([
        { tenant: 't9', num: 901, from: null, to: 'open', at: t0, item },
        { tenant: 't9', num: 901, from: 'open', to: 'acknowledged', at: t0 + 5, item: acked },
      ]);
      expect(out[1].id).toBeGreaterThan(out[0].id);
      expect(await s.readOutbox(out[0].id, 10)).toEqual([out[1]]);
      expect(await s.readOutbox(before, 1)).toEqual([out[0]]);
      expect(await s.lastRecommendationNumber()).toBeGreaterThanOrEqual(901);
    });

    it('keeps notification destinations per tenant, deliveries once per key, and how far the outbox is routed', async (ctx) => {
      if (!enabled) return ctx.skip();
      // destinations: replaced by id, apart per tenant, removed; names are data
      const d = { tenant: 'n1', id: '__proto__', doc: '{"kind":"webhook","secret":"s"}', updatedAt: t0 };
      await s.putDestination(d);
      await s.putDestination({ tenant: 'n2', id: '__proto__', doc: '{}', updatedAt: t0 });
      await s.putDestination({ ...d, doc: '{"kind":"webhook","secret":"t"}', updatedAt: t0 + 1 });
      expect(await s.listDestinations('n1')).toEqual([{ ...d, doc: '{"kind":"webhook","secret":"t"}', updatedAt: t0 + 1 }]);
      expect((await s.listDestinations()).filter((x) => x.tenant.startsWith('n')).map((x) => x.tenant)).toEqual(['n1', 'n2']);
      expect(await s.deleteDestination('n1', '__proto__')).toBe(true);
      expect(await s.deleteDestination('n1', '__proto__')).toBe(false);
      expect(await s.deleteDestination('n1', 'constructor')).toBe(false);
      expect(await s.listDestinations('n1')).toEqual([]);
      expect((await s.listDestinations('n2')).length).toBe(1);

      // deliveries: made once per key, routed mark with them; only what is pending and due is due
      const routed = await s.outboxRouted();
      const base = { tenant: 'n1', destination: 'd1', num: 7, state: 'pending' as const, attempts: 0, lastError: null, createdAt: t0, sentAt: null };
      const a = { ...base, key: 'r7.open.d1', event: 'open', nextAt: t0, message: '{"text":"SL 47 %"}' };
      const b = { ...base, key: 'r7.open.d2', destination: 'd2', event: 'open', nextAt: t0 + 60_000, message: '{}' };
      await s.addDeliveries([a, b], routed + 5);
      expect(await s.outboxRouted()).toBe(routed + 5);
      await s.addDeliveries([{ ...a, message: '{"text":"again"}' }], routed + 3); // a key made again stays; the mark never goes back
      expect(await s.outboxRouted()).toBe(routed + 5);
      expect(await s.getDelivery('n1', a.key)).toEqual(a);
      expect(await s.getDelivery('n2', a.key)).toBeNull();
      expect((await s.dueDeliveries(t0, 100)).filter((x) => x.tenant === 'n1')).toEqual([a]);
      expect((await s.dueDeliveries(t0 + 60_000, 100)).filter((x) => x.tenant === 'n1').map((x) => x.key)).toEqual([a.key, b.key]);
      const sent = { ...a, state: 'sent' as const, attempts: 1, sentAt: t0 + 100 };
      await s.updateDelivery(sent);
      const failed = { ...b, attempts: 3, lastError: 'webhook: HTTP 503', nextAt: t0 + 120_000 };
      await s.updateDelivery(failed);
      expect((await s.dueDeliveries(t0 + 60_000, 100)).filter((x) => x.tenant === 'n1')).toEqual([]);
      expect((await s.dueDeliveries(t0 + 120_000, 100)).filter((x) => x.tenant === 'n1')).toEqual([failed]);
      const dead = { ...failed, state: 'dead' as const };
      await s.updateDelivery(dead);
      expect(await s.listDeliveries({ tenant: 'n1', limit: 10 })).toEqual(expect.arrayContaining([sent, dead]));
      expect(await s.listDeliveries({ tenant: 'n1', state: 'dead', limit: 10 })).toEqual([dead]);
      expect(await s.listDeliveries({ tenant: 'n2', limit: 10 })).toEqual([]);
      await s.addDeliveries([]);
    });

    it('keeps registered campaigns per tenant, a second registration replacing the first', async (ctx) => {
      if (!enabled) return ctx.skip();
      expect(await s.listCampaigns('t1')).toEqual([]);
      const c = { tenant: 't1', id: '__proto__', queue: 'outbound', listSize: 150_000, deadline: t0 + 86_400_000, dropCapPct: 3, answerRate: 0.3, registeredAt: t0 };
      await s.putCampaign(c);
      await s.putCampaign({ tenant: 't2', id: '__proto__', listSize: 5, deadline: t0, dropCapPct: 1.5, registeredAt: t0 });
      expect(await s.listCampaigns('t1')).toEqual([c]);
      const again = { tenant: 't1', id: '__proto__', listSize: 120_000, deadline: t0 + 3_600_000, dropCapPct: 2.5, registeredAt: t0 + 1 };
      await s.putCampaign(again);
      expect(await s.listCampaigns('t1')).toEqual([again]);
      expect(await s.listCampaigns('t2')).toEqual([{ tenant: 't2', id: '__proto__', listSize: 5, deadline: t0, dropCapPct: 1.5, registeredAt: t0 }]);
    });

    it('keeps each tenant\'s settings, replaced only at the version they were read at', async (ctx) => {
      if (!enabled) return ctx.skip();
      expect(await s.listSettings()).toEqual([]);
      const doc = '{"slTargetPct":{"__proto__":90,"default":85},"sl":{"queues":{"billing":{"targetSec":30,"shortAbandonSec":5,"abandonsCount":true}}}}';
      expect(await s.putSettings({ tenant: 't1', version: 1, settings: doc, updatedAt: t0 }, 0)).toBe(true);
      // a second first save, and a save at a version never read, lose
      expect(await s.putSettings({ tenant: 't1', version: 1, settings: '{}', updatedAt: t0 + 1 }, 0)).toBe(false);
      expect(await s.putSettings({ tenant: 't1', version: 3, settings: '{}', updatedAt: t0 + 1 }, 2)).toBe(false);
      expect(await s.putSettings({ tenant: 't2', version: 1, settings: '{}', updatedAt: t0 + 2 }, 0)).toBe(true);
      let all = await s.listSettings();
      expect(all.map((x) => [x.tenant, x.version, x.updatedAt])).toEqual([['t1', 1, t0], ['t2', 1, t0 + 2]]);
      expect(JSON.parse(all[0].settings)).toEqual(JSON.parse(doc));
      expect(Object.hasOwn(JSON.parse(all[0].settings).slTargetPct, '__proto__')).toBe(true);
      expect(await s.putSettings({ tenant: 't1', version: 2, settings: '{"chatConcurrency":{"webchat":3}}', updatedAt: t0 + 3 }, 1)).toBe(true);
      all = await s.listSettings();
      expect(all.map((x) => [x.tenant, x.version, JSON.parse(x.settings)])).toEqual([['t1', 2, { chatConcurrency: { webchat: 3 } }], ['t2', 1, {}]]);
    });

    it('keeps API keys by their public id, refuses an id twice, and revokes a key once, keeping its row', async (ctx) => {
      if (!enabled) return ctx.skip();
      expect(await s.listApiKeys()).toEqual([]);
      const k1 = { id: 'k1abcdef', tenant: 't1', role: 'admin' as const, name: 'ops laptop', hash: 'scrypt$16384$8$1$c2FsdA$aGFzaA', last4: 'wxyz', createdAt: t0, revokedAt: null };
      const k2 = { id: '__proto__', tenant: 't2', role: 'ingest' as const, name: '', hash: 'scrypt$16384$8$1$b3RoZXI$aGFzaDI', last4: 'abcd', createdAt: t0 + 1, revokedAt: null };
      expect(await s.addApiKey(k1)).toBe(true);
      expect(await s.addApiKey(k2)).toBe(true);
      // an id is given out once, even to another tenant
      expect(await s.addApiKey({ ...k1, tenant: 't3', hash: 'other' })).toBe(false);
      expect(await s.listApiKeys()).toEqual([k1, k2]);
      expect(await s.revokeApiKey('k1abcdef', t0 + 5)).toBe(true);
      expect(await s.revokeApiKey('k1abcdef', t0 + 6)).toBe(false); // once
      expect(await s.revokeApiKey('nope', t0 + 6)).toBe(false);
      expect(await s.listApiKeys()).toEqual([{ ...k1, revokedAt: t0 + 5 }, k2]);
      // a revoked id stays taken
      expect(await s.addApiKey({ ...k1, revokedAt: null })).toBe(false);
    });

    it('archives a day: lists it, holds it only once the stream has applied it, refuses a wrong checksum, removes and records it whole, and takes a late event as its next part', async (ctx) => {
      if (!enabled) return ctx.skip();
      const day = Date.UTC(2020, 0, 5);
      const at = (h: number) => day + h * 3_600_000;
      const old = (id: string, h: number, extra: Partial<CcEvent> = {}): { tenant: string; event: CcEvent } => ({ tenant: 'arch', event: { ...ev(id, { ts: at(h) }), ...extra } });
      const seqs = (await s.append([old('d1', 1, { attrs: { z: 1, a: { y: [2, 1], b: null } } }), old('d2', 2), { tenant: 'arch2', event: ev('d3', { ts: at(23.9) }) }, old('n1', 25)])) as number[];
      expect((await s.listLogDays(day + 2 * DAY_MS)).filter((d) => d <= day + DAY_MS)).toEqual([day, day + DAY_MS]);
      expect(await s.listLogDays(day + DAY_MS - 1)).not.toContain(day); // a day goes only once it has ended before the cutoff

      // an event the stream has not applied (seq above upTo) keeps the day open, and in the log
      expect(await s.holdLogDay(day, seqs[2] - 1)).toBe('open');
      expect((await s.readEventsByTime('arch', day, day + DAY_MS)).map((e) => e.id)).toEqual(['d1', 'd2']);
      expect(await s.listHeldDays()).toEqual([]);

      const held = await s.holdLogDay(day, seqs[3]);
      if (held === null || held === 'open') throw new Error(`not held: ${held}`);
      expect(held).toMatchObject({ day, events: 3, minSeq: seqs[0], maxSeq: seqs[2] });
      const pages: RawLogEvent[] = [];
      for (let after = held.minSeq - 1; after < held.maxSeq; after += 1) pages.push(...(await s.readHeldDay(held, after, 1)));
      expect(pages.map((e) => [e.id, e.tenant, e.keyTs])).toEqual([['d1', 'arch', at(1)], ['d2', 'arch', at(2)], ['d3', 'arch2', at(23.9)]]);
      expect(pages[0].attrs).toEqual({ z: 1, a: { y: [2, 1], b: null } });
      expect(pages.every((e) => Number.isFinite(e.receivedAtUs) && e.receivedAtUs > 0)).toBe(true);
      const digest = new DayDigest();
      for (const e of pages) digest.add(e, canonicalLine(e));
      const good = digest.result();

      await expect(s.removeHeldDay(held, { file: 'x.ndjson.gz', part: 1, digest: { ...good, sha256: '0'.repeat(64) } })).rejects.toThrow(ArchiveMismatchError);
      await expect(s.removeHeldDay(held, { file: 'x.ndjson.gz', part: 1, digest: { ...good, events: 2 } })).rejects.toThrow(ArchiveMismatchError);
      expect(await s.listArchivedDays()).toEqual([]);
      if (held.apart) expect((await s.listHeldDays()).map((h) => h.events)).toEqual([3]); // held apart until removed
      else expect((await s.readEventsByTime('arch', day, day + DAY_MS)).map((e) => e.id)).toEqual(['d1', 'd2']);

      const record = await s.removeHeldDay(held, { file: 'events-2020-01-05.ndjson.gz', part: 1, digest: good });
      expect(record).toMatchObject({ day, part: 1, file: 'events-2020-01-05.ndjson.gz', events: 3, sha256: good.sha256, minSeq: seqs[0], maxSeq: seqs[2] });
      expect(record.tenants).toEqual([{ tenant: 'arch', events: 2 }, { tenant: 'arch2', events: 1 }]);
      expect(await s.listArchivedDays({ from: day + 3_600_000, to: day + 7_200_000 })).toEqual([record]);
      expect(await s.listArchivedDays({ from: day + DAY_MS, to: day + 2 * DAY_MS })).toEqual([]);
      expect(await s.listHeldDays()).toEqual([]);
      expect(await s.readEventsByTime('arch', day, day + DAY_MS)).toEqual([]);
      expect(await s.readEventsByTime('arch2', day, day + DAY_MS)).toEqual([]);
      expect((await s.readEventsByTime('arch', day + DAY_MS, day + 2 * DAY_MS)).map((e) => e.id)).toEqual(['n1']);
      expect((await s.listLogDays(day + 2 * DAY_MS)).filter((d) => d <= day + DAY_MS)).toEqual([day + DAY_MS]);

      // a very late event for the archived day stays hot, and is archived later as the day's second part
      const [late] = (await s.append([old('d4', 5)])) as number[];
      expect((await s.listLogDays(day + 2 * DAY_MS)).filter((d) => d <= day + DAY_MS)).toEqual([day, day + DAY_MS]);
      const again = await s.holdLogDay(day, late);
      if (again === null || again === 'open') throw new Error(`not held: ${again}`);
      expect(again).toMatchObject({ events: 1, minSeq: late, maxSeq: late });
      const [e4] = await s.readHeldDay(again, late - 1, 10);
      const d2 = new DayDigest();
      d2.add(e4, canonicalLine(e4));
      expect((await s.removeHeldDay(again, { file: 'events-2020-01-05.part2.ndjson.gz', part: 2, digest: d2.result() })).part).toBe(2);
      expect((await s.listArchivedDays()).map((a) => [a.part, a.events])).toEqual([[1, 3], [2, 1]]);
    });

    if (opts.reopen) {
      it('keeps the log, positions and checkpoints across a reopen', async (ctx) => {
        if (!enabled) return ctx.skip();
        const before = await s.readLog(0, 1000);
        await s.close();
        s = await opts.reopen!();
        await s.ping();
        expect(await s.readLog(0, 1000)).toEqual(before);
        expect((await s.append([{ tenant: 't1', event: ev('e1') }]))[0]).toBeNull();
        expect((await s.loadCheckpoint('main'))?.position).toBe(5);
        expect(await s.lastRecommendationNumber()).toBe(901);
        expect((await s.listRecommendations({ tenant: 't1', open: true, limit: 10 })).map((i) => i.num)).toEqual([3]);
        // notifications: destinations, deliveries and the routed mark
        expect((await s.listDestinations('n2')).map((d) => d.id)).toEqual(['__proto__']);
        expect((await s.getDelivery('n1', 'r7.open.d2'))?.state).toBe('dead');
        expect(await s.outboxRouted()).toBeGreaterThan(0);
        expect((await s.readOutbox(0, 100_000)).filter((e) => e.num === 901).length).toBe(2);
      });
    }

    // the last test: it closes the store
    it('refuses a ping once closed, at once rather than never', async (ctx) => {
      if (!enabled) return ctx.skip();
      closed = true;
      await s.close();
      // GET /readyz relies on it: a closed store neither answers nor hangs
      const outcome = await Promise.race([s.ping().then(() => 'answered', () => 'refused'), new Promise((r) => setTimeout(() => r('hung'), 5_000))]);
      expect(outcome).toBe('refused');
    });
  });
}
