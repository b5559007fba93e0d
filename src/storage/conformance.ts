import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CcEvent } from '../contract/event.js';
import { emptyCounters } from '../metrics/counters.js';
import type { RollupCell, Storage } from './storage.js';

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
    afterAll(async () => {
      if (enabled) await s.close();
    });
    const t0 = Date.UTC(2026, 10, 21, 10, 0, 0);
    const ev = (id: string, extra: Partial<CcEvent> = {}): CcEvent => ({
      id, type: 'APPEAL_NEW', ts: t0 + 1234, appealId: 'a-' + id, channel: 'voice', queue: 'sales', ...extra,
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

    if (opts.reopen) {
      it('keeps the log, positions and checkpoints across a reopen', async (ctx) => {
        if (!enabled) return ctx.skip();
        const before = await s.readLog(0, 1000);
        await s.close();
        s = await opts.reopen!();
        expect(await s.readLog(0, 1000)).toEqual(before);
        expect((await s.append([{ tenant: 't1', event: ev('e1') }]))[0]).toBeNull();
        expect((await s.loadCheckpoint('main'))?.position).toBe(5);
      });
    }
  });
}
