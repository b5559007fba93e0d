import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JobBook, MAX_FINISHED, TooManyJobsError, type RunningWork, type StartWork } from './job-book.js';

const spec = { kind: 'export' as const, query: { tenant: 't', groupBy: [], level: 'queue' as const, sl: { default: { targetSec: 20, shortAbandonSec: 5, abandonsCount: true }, queues: [], channels: [] } }, shape: { from: 0, to: 60_000, groupBy: [], level: 'queue' as const }, format: 'csv' as const };

/** Work that writes its file and ends when told to (finish), or fails (fail). */
function controllable() {
  const started: Array<{ id: string; path: string; finish(rows: number): void; fail(why: string): void; cancelled: boolean }> = [];
  const start: StartWork = async (job, path) => {
    let resolve!: (v: { rows: number; bytes: number }) => void;
    let reject!: (e: Error) => void;
    const done = new Promise<{ rows: number; bytes: number }>((a, b) => ((resolve = a), (reject = b)));
    const entry = {
      id: job.id,
      path,
      cancelled: false,
      finish: (rows: number) => {
        writeFileSync(path, 'x'.repeat(rows));
        resolve({ rows, bytes: rows });
      },
      fail: (why: string) => reject(new Error(why)),
    };
    started.push(entry);
    return { done, cancel: () => ((entry.cancelled = true), reject(new Error('cancelled'))) } satisfies RunningWork;
  };
  return { started, start };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('JobBook', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs jobs a few at a time in order, keeps each tenant to its own, and refuses a tenant past its share', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ccpulse-jobs-'));
    const w = controllable();
    const book = new JobBook({ dir, concurrency: 1, perTenant: 2, keepMs: 60_000, start: w.start });
    const a = book.submit('acme', spec, {}, 'a.csv');
    const b = book.submit('acme', spec, {}, 'b.csv');
    expect(() => book.submit('acme', spec, {}, 'c.csv')).toThrow(TooManyJobsError);
    const c = book.submit('beta', spec, {}, 'c.csv'); // another tenant has its own share
    await tick();
    expect([a.state, b.state, c.state]).toEqual(['running', 'queued', 'queued']);
    expect(book.get('beta', a.id)).toBeUndefined();
    expect(book.list('acme').map((j) => j.id).sort()).toEqual([a.id, b.id].sort());
    w.started[0].finish(5);
    await tick();
    await tick();
    expect(a).toMatchObject({ state: 'done', progress: { fraction: 1, rows: 5 } });
    expect(a.file!.bytes).toBe(5);
    expect(b.state).toBe('running');
    w.started[1].fail('the store is gone');
    await tick();
    await tick();
    expect(b).toMatchObject({ state: 'failed', error: 'the store is gone', file: null });
    expect(c.state).toBe('running');
    book.close();
  });

  it('cancels a running job (its work told, its file gone), and forgets finished ones after keepMs', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ccpulse-jobs-'));
    const w = controllable();
    let now = 1_000;
    const book = new JobBook({ dir, concurrency: 2, perTenant: 5, keepMs: 10_000, start: w.start, now: () => now });
    const a = book.submit('acme', spec, {}, 'a.csv');
    const b = book.submit('acme', spec, {}, 'b.csv');
    await tick();
    expect(book.remove('beta', a.id)).toBe(false);
    expect(book.remove('acme', a.id)).toBe(true);
    expect(w.started[0].cancelled).toBe(true);
    expect(book.get('acme', a.id)).toBeUndefined();
    w.started[1].finish(3);
    await tick();
    await tick();
    expect(existsSync(b.file!.path)).toBe(true);
    now += 10_001;
    expect(book.get('acme', b.id)).toBeUndefined();
    expect(existsSync(join(dir, `${b.id}.csv`))).toBe(false);
    book.close();
  });

  it('a job cancelled while its work starts is stopped once started, its end taken, its place given back', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ccpulse-jobs-'));
    const unheard: unknown[] = [];
    const onUnhandled = (r: unknown) => unheard.push(r);
    process.on('unhandledRejection', onUnhandled);
    let letStart!: () => void;
    const gate = new Promise<void>((r) => (letStart = r));
    let cancelled = 0;
    let started = 0;
    const start: StartWork = async () => {
      started++;
      await gate; // a checkpoint, a thread starting
      let reject!: (e: Error) => void;
      const done = new Promise<{ rows: number; bytes: number }>((_, b) => (reject = b));
      return { done, cancel: () => (cancelled++, reject(new Error('the export thread stopped'))) };
    };
    const book = new JobBook({ dir, concurrency: 1, perTenant: 5, keepMs: 60_000, start });
    const a = book.submit('acme', spec, {}, 'a.csv');
    const b = book.submit('acme', spec, {}, 'b.csv');
    await tick();
    expect(book.remove('acme', a.id)).toBe(true);
    await tick();
    expect(started).toBe(1); // b waits: a still holds the one place while it starts
    letStart();
    await tick();
    await tick();
    await new Promise((r) => setTimeout(r, 20));
    expect(cancelled).toBe(1);
    expect(started).toBe(2);
    expect(b.state).toBe('running');
    book.close();
    await new Promise((r) => setTimeout(r, 20));
    process.off('unhandledRejection', onUnhandled);
    expect(unheard).toEqual([]);
  });

  it('keeps a tenant\'s newest finished jobs and forgets older ones with their files', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ccpulse-jobs-'));
    const w = controllable();
    const book = new JobBook({ dir, concurrency: 1, perTenant: 5, keepMs: 86_400_000, start: w.start });
    const ids: string[] = [];
    for (let i = 0; i < MAX_FINISHED + 3; i++) {
      const j = book.submit('acme', spec, {}, `${i}.csv`);
      ids.push(j.id);
      await tick();
      w.started[i].finish(1);
      await tick();
      await tick();
    }
    expect(book.list('acme').length).toBe(MAX_FINISHED);
    expect(book.get('acme', ids[0])).toBeUndefined();
    expect(existsSync(join(dir, `${ids[0]}.csv`))).toBe(false);
    expect(book.get('acme', ids.at(-1)!)?.state).toBe('done');
    book.close();
  });
});
