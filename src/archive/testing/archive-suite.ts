/**
 * The archive run against a real store, for every backend: the embedded store (archive-run.test.ts)
 * and PostgreSQL (archive-run.integration.test.ts) run the same cases.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { CcEvent, LoggedEvent } from '../../contract/event.js';
import { DAY_MS, type Storage } from '../../storage/storage.js';
import { CHECKPOINT_NAME } from '../../stream/checkpointer.js';
import { runArchive } from '../archive-run.js';
import { readDayFile } from '../day-file.js';
import type { ArchiveTarget } from '../target.js';

/** Appends events for one tenant and commits a checkpoint at `applyUpTo` (default: everything appended). */
export async function appendApplied(storage: Storage, events: Array<{ tenant: string; event: CcEvent }>, applyUpTo?: number): Promise<number[]> {
  const seqs = (await storage.append(events)).filter((x): x is number => x !== null);
  const last = await storage.loadCheckpoint(CHECKPOINT_NAME);
  const position = applyUpTo ?? Math.max(last?.position ?? 0, ...seqs);
  await storage.commitCheckpoint({ name: CHECKPOINT_NAME, commitId: (last?.commitId ?? 0) + 1, position, state: '{}', upserts: [], deletes: [], rollupDeltas: [], deadLetters: [] });
  return seqs;
}

/** The whole log as events: what is hot, plus what the recorded files (or a target's recorded names) hold, as the log had them. */
export async function hotAndArchived(storage: Storage, dir: string | ArchiveTarget): Promise<{ hot: LoggedEvent[]; archived: LoggedEvent[] }> {
  const hot: LoggedEvent[] = [];
  for (let after = 0; ; ) {
    const page = await storage.readLog(after, 10_000);
    hot.push(...page);
    if (page.length < 10_000) break;
    after = page[page.length - 1].seq;
  }
  for (const h of await storage.listHeldDays()) {
    for (let after = h.minSeq - 1; after < h.maxSeq; after += 10_000) hot.push(...(await storage.readHeldDay(h, after, 10_000)).map(asLogged));
  }
  const archived: LoggedEvent[] = [];
  for (const a of await storage.listArchivedDays()) {
    for await (const e of typeof dir === 'string' ? readDayFile(join(dir, a.file)) : dir.read(a.file)) archived.push(asLogged(e));
  }
  return { hot, archived };
}

/** An archived or held event as the log reads it (without the archive's own fields). */
export function asLogged(e: LoggedEvent & { keyTs?: number; receivedAtUs?: number }): LoggedEvent {
  const { keyTs: _k, receivedAtUs: _r, ...rest } = e;
  return rest;
}

const bySeq = (xs: LoggedEvent[]) => [...xs].sort((a, b) => a.seq - b.seq);

export function archiveSuite(name: string, openFresh: () => Promise<Storage>, enabled: () => Promise<boolean> = async () => true): void {
  describe(`archive run: ${name}`, () => {
    const root = mkdtempSync(join(tmpdir(), 'ccpulse-archive-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    let n = 0;
    const freshDir = () => join(root, `a${n++}`);
    const now = Date.UTC(2026, 10, 30, 12);
    const day = (k: number) => Date.UTC(2026, 10, 1 + k);
    const ev = (id: string, ts: number, extra: Partial<CcEvent> = {}): { tenant: string; event: CcEvent } => ({
      tenant: 't', event: { id, type: 'APPEAL_NEW', ts, appealId: `a-${id}`, channel: 'voice', queue: 'q', ...extra },
    });

    it('archives the closed days past the cutoff to checked files and out of the hot store, keeps the open and the recent ones, and does nothing more when run again', async (ctx) => {
      if (!(await enabled())) return ctx.skip();
      const s = await openFresh();
      const dir = freshDir();
      try {
        const applied = await appendApplied(s, [ev('a1', day(3) + 1000), ev('a2', day(3) + 2000, { attrs: { vip: true } }), ev('b1', day(4) + 5), ev('r1', day(28))]);
        // the last event is appended but not applied yet: the checkpoint stays before it
        await appendApplied(s, [ev('o1', day(5) + 10)], Math.max(...applied));
        const before = await hotAndArchived(s, dir);

        const seen: string[] = [];
        const r = await runArchive({ storage: s, dir, olderThanMs: 7 * DAY_MS, now, onDay: (d) => seen.push(d.status) });
        expect(r.days.map((d) => [new Date(d.day).toISOString().slice(0, 10), d.status, 'events' in d ? d.events : null])).toEqual([
          ['2026-11-04', 'archived', 2],
          ['2026-11-05', 'archived', 1],
          ['2026-11-06', 'open', null],
        ]);
        expect(seen).toEqual(['archived', 'archived', 'open']);
        expect(readdirSync(dir).sort()).toEqual(['events-2026-11-04.ndjson.gz', 'events-2026-11-05.ndjson.gz']);
        const after = await hotAndArchived(s, dir);
        expect(after.hot.map((e) => e.id).sort()).toEqual(['o1', 'r1']);
        expect(bySeq([...after.hot, ...after.archived])).toEqual(bySeq(before.hot));
        // the file is the day's events as NDJSON, one per line, in seq order
        const lines = gunzipSync(readFileSync(join(dir, 'events-2026-11-04.ndjson.gz'))).toString('utf8').split('\n');
        expect(lines.map((l) => (l ? JSON.parse(l).id : l))).toEqual(['a1', 'a2', '']);

        const again = await runArchive({ storage: s, dir, olderThanMs: 7 * DAY_MS, now });
        expect(again.days.map((d) => d.status)).toEqual(['open']);
        expect((await s.listArchivedDays()).map((a) => a.file)).toEqual(['events-2026-11-04.ndjson.gz', 'events-2026-11-05.ndjson.gz']);
      } finally {
        await s.close();
      }
    });

    it('refuses a file that does not read back as written (truncated, or a line changed): nothing leaves the hot store, and the next run writes it again', async (ctx) => {
      if (!(await enabled())) return ctx.skip();
      const s = await openFresh();
      const dir = freshDir();
      try {
        await appendApplied(s, Array.from({ length: 50 }, (_, i) => ev(`e${i}`, day(2) + i * 1000)));
        const before = await hotAndArchived(s, dir);
        const truncate = async (path: string) => writeFileSync(path, readFileSync(path).subarray(0, 40));
        const tamper = async (path: string) => writeFileSync(path, gzipSync(gunzipSync(readFileSync(path)).toString('utf8').replace('"e7"', '"e8"')));
        for (const corrupt of [truncate, tamper]) {
          const r = await runArchive({ storage: s, dir, olderThanMs: 7 * DAY_MS, now, afterWrite: corrupt });
          expect(r.days).toEqual([{ day: day(2), status: 'refused', reason: expect.stringMatching(corrupt === truncate ? /does not read back whole/ : /reads back as 50 events .* not the 50 written/) }]);
          expect(await s.listArchivedDays()).toEqual([]);
          const now2 = await hotAndArchived(s, dir);
          expect(bySeq(now2.hot)).toEqual(bySeq(before.hot));
        }
        const r = await runArchive({ storage: s, dir, olderThanMs: 7 * DAY_MS, now });
        expect(r.days.map((d) => d.status)).toEqual(['archived']);
        expect(bySeq((await hotAndArchived(s, dir)).archived)).toEqual(bySeq(before.hot));
      } finally {
        await s.close();
      }
    });

    it('--dry-run reads and checksums the days it would archive, writes and removes nothing', async (ctx) => {
      if (!(await enabled())) return ctx.skip();
      const s = await openFresh();
      const dir = freshDir();
      try {
        await appendApplied(s, [ev('x1', day(1)), ev('x2', day(1) + 1)]);
        const dry = await runArchive({ storage: s, dir, olderThanMs: 7 * DAY_MS, now, dryRun: true });
        expect(dry.days).toEqual([{ day: day(1), status: 'would archive', part: 1, file: 'events-2026-11-02.ndjson.gz', events: 2, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
        expect((await s.readLog(0, 10)).map((e) => e.id)).toEqual(['x1', 'x2']);
        expect(() => readdirSync(dir)).toThrow(/ENOENT/);
        const real = await runArchive({ storage: s, dir, olderThanMs: 7 * DAY_MS, now });
        expect(real.days).toEqual([{ ...dry.days[0], status: 'archived' }]);
      } finally {
        await s.close();
      }
    });

    it('property: archiving any days, in rounds with very late events between them, then reading the archive and the hot store back gives exactly the original log', async (ctx) => {
      if (!(await enabled())) return ctx.skip();
      const tenants = fc.constantFrom('t', 'u', '__proto__');
      const anEvent = fc.record({
        tenant: tenants,
        dayIndex: fc.integer({ min: 0, max: 9 }),
        msInDay: fc.integer({ min: 0, max: DAY_MS - 1 }),
        attrs: fc.option(fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.boolean()), { maxKeys: 3 }), { nil: undefined }),
      });
      await fc.assert(
        fc.asyncProperty(
          fc.array(anEvent, { minLength: 1, maxLength: 40 }),
          fc.array(anEvent, { maxLength: 10 }),
          fc.integer({ min: 0, max: 10 }),
          fc.integer({ min: 0, max: 10 }),
          async (first, late, cut1, cut2) => {
            const s = await openFresh();
            const dir = freshDir();
            let id = 0;
            const toEvents = (xs: typeof first) => xs.map((x) => ({ tenant: x.tenant, event: { id: `p${id++}`, type: 'APPEAL_NEW' as const, ts: day(x.dayIndex) + x.msInDay, appealId: 'a', channel: 'voice', queue: 'q', ...(x.attrs ? { attrs: x.attrs } : {}) } }));
            try {
              await appendApplied(s, toEvents(first));
              const appended = await s.readLog(0, 1_000);
              // the cutoff at the start of day cut + 7: the days before day(cut) go
              await runArchive({ storage: s, dir, olderThanMs: 7 * DAY_MS, now: day(cut1 + 7), span: 7 });
              if (late.length) await appendApplied(s, toEvents(late));
              appended.push(...(await s.readLog(Math.max(...appended.map((e) => e.seq)), 1_000)));
              await runArchive({ storage: s, dir, olderThanMs: 7 * DAY_MS, now: day(cut2 + 7), span: 3 });
              const back = await hotAndArchived(s, dir);
              const all = [...back.hot, ...back.archived];
              expect(new Set(all.map((e) => e.seq)).size).toBe(all.length); // each event once
              expect(bySeq(all)).toEqual(bySeq(appended));
              expect(back.hot.filter((e) => e.ts < day(cut2))).toEqual([]); // everything past the last cutoff went
              expect(back.archived.filter((e) => e.ts >= day(Math.max(cut1, cut2)))).toEqual([]); // nothing newer did
            } finally {
              await s.close();
            }
          },
        ),
        { numRuns: 6 },
      );
    }, 240_000);
  });
}
