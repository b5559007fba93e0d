import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openPgliteStorage } from '../storage/pglite/index.js';
import { DAY_MS } from '../storage/storage.js';
import { ArchiveJob } from './archive-job.js';
import { appendApplied } from './testing/archive-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'ccpulse-archive-job-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('runs one archive at a time, and none once stopped', async () => {
  const storage = await openPgliteStorage({ dataDir: join(dir, 'db') });
  try {
    const day = Date.UTC(2026, 5, 1);
    await appendApplied(storage, [{ tenant: 'default', event: { id: 'e', type: 'APPEAL_NEW', ts: day + 5, appealId: 'a', channel: 'voice', queue: 'q' } }]);
    const job = new ArchiveJob({ storage, to: { dir: join(dir, 'archive') }, olderThanMs: 7 * DAY_MS, now: () => day + 30 * DAY_MS });
    const [first, second] = await Promise.all([job.runNow(), job.runNow()]);
    expect(first?.days.map((d) => [d.day, d.status])).toEqual([[day, 'archived']]);
    expect(second).toBeNull();
    expect(readdirSync(join(dir, 'archive'))).toEqual(['events-2026-06-01.ndjson.gz']);
    expect((await job.runNow())?.days).toEqual([]);
    await job.stop();
    expect(await job.runNow()).toBeNull();
  } finally {
    await storage.close();
  }
});

it('stopped while a run is in progress, ends it after the day at hand: the other days stay hot, whole, for next time', async () => {
  const storage = await openPgliteStorage({ dataDir: join(dir, 'db-stop') });
  try {
    const day = Date.UTC(2026, 5, 1);
    const days = [0, 1, 2, 3].map((k) => day + k * DAY_MS);
    await appendApplied(storage, days.map((d, i) => ({ tenant: 'default', event: { id: `e${i}`, type: 'APPEAL_NEW' as const, ts: d + 5, appealId: `a${i}`, channel: 'voice', queue: 'q' } })));
    const archiveDir = join(dir, 'archive-stop');
    const job = new ArchiveJob({ storage, to: { dir: archiveDir }, olderThanMs: 7 * DAY_MS, now: () => day + 30 * DAY_MS });
    const run = job.runNow();
    // the stop comes once the first day's file is there
    for (let i = 0; i < 500 && !(existsSync(archiveDir) && readdirSync(archiveDir).some((f) => f.startsWith('events-'))); i++) await new Promise((r) => setTimeout(r, 5));
    await job.stop();
    const result = await run;
    expect(result!.days.length).toBeGreaterThanOrEqual(1);
    expect(result!.days.length).toBeLessThan(4);
    expect(result!.days.every((d) => d.status === 'archived')).toBe(true);
    const hot = (await storage.readLog(0, 10)).map((e) => e.id);
    expect(hot.length + result!.days.length).toBe(4);
  } finally {
    await storage.close();
  }
});
