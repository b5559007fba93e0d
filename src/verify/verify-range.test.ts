import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CcEvent, EventType } from '../contract/event.js';
import { recomputeCells } from '../metrics/recompute.js';
import { openPgliteClient } from '../storage/pglite/client.js';
import type { SqlClient } from '../storage/postgres/sql-client.js';
import { SqlStorage } from '../storage/postgres/sql-storage.js';
import { checkAgainstWholeLog, MIN, timeoutOf, type DeadFate, type WholeLogCase } from './testing/whole-log-check.js';
import { sqlVerifyReads } from './log-reads.js';

/**
 * The cases where reading less than the whole log could go wrong, one by one, each against the
 * whole-log recomputation (voice times out after 20 min, email after 3 h, other channels after 1 h;
 * the range is [T0, T0 + 2 h) in 15-minute chunks, read 2 rows a page).
 */

const T0 = Date.UTC(2026, 10, 21, 10, 0, 0);
const at = (min: number) => T0 + min * MIN;
let n = 0;
const ev = (type: EventType, min: number, appealId: string, channel = 'voice', extra: Partial<CcEvent> = {}): CcEvent => ({
  id: `x${++n}`, type, ts: at(min), appealId, channel, queue: 'q1',
  ...(type === 'APPEAL_APPOINTED' || type === 'APPEAL_TRANSFERRED' || type === 'APPEAL_CLOSED' ? { operatorId: 'o1' } : {}), ...extra,
});

let db: SqlClient;
let storage: SqlStorage;
let tenants = 0;
beforeAll(async () => {
  db = await openPgliteClient(undefined);
  storage = new SqlStorage('pglite', db);
  await storage.migrate();
});
afterAll(() => storage.close());

/** Verifies `events` and returns the result with the whole-log recomputation's cells of the range. */
async function verify(events: CcEvent[], opts: Partial<WholeLogCase> = {}) {
  const tenant = `x${++tenants}`;
  const r = await checkAgainstWholeLog(storage, sqlVerifyReads(db, db), { tenant, events, from: at(0), to: at(120), chunkMs: 15 * MIN, pageSize: 2, appealBatch: 2, ...opts });
  const dead = new Set(events.flatMap((e, i) => (opts.deadFate && opts.deadFate(i) !== 'no' ? [e.id] : [])));
  const whole = [...recomputeCells(events.filter((e) => !dead.has(e.id)).map((e, i) => ({ ...e, tenant, seq: i + 1 })), timeoutOf).values()]
    .filter((c) => c.bucket >= at(0) && c.bucket < at(120));
  return { r, whole, repairs: (kind: string) => whole.filter((c) => (c.counters.repairs[kind] ?? 0) > 0).map((c) => (c.bucket - T0) / MIN).sort((x, y) => x - y) };
}

describe('verifyRange reads what the range needs, and all of it', () => {
  it('an appeal that began long before the range: its whole story is read by appeal id', async () => {
    const { r, whole } = await verify([
      ev('APPEAL_NEW', -600, 'a', 'email'), ev('APPEAL_SENT_DISTRIBUTION', -480, 'a', 'email'),
      ev('APPEAL_APPOINTED', -360, 'a', 'email'), ev('APPEAL_TRANSFERRED', -100, 'a', 'email', { operatorId: 'o2' }),
      ev('APPEAL_CLOSED', 30, 'a', 'email', { operatorId: 'o2' }),
    ]);
    expect(whole.some((c) => c.operator === 'o2' && c.counters.handleSumMs === 130 * MIN)).toBe(true);
    expect(r.differences).toEqual([]);
    expect(r.cells).toBe(whole.length);
  });

  it('an expiry inside the range from an appeal last seen before it, per channel timeout', async () => {
    const { r, repairs } = await verify([
      ev('APPEAL_NEW', -10, 'voice-1'), // voice: expires at +10 min
      ev('APPEAL_NEW', -100, 'email-1', 'email'), ev('APPEAL_SENT_DISTRIBUTION', -90, 'email-1', 'email'), // email: expires at +90 min
      ev('APPEAL_NEW', -30, 'chat-1', 'chat'), // chat: expires at +30 min
      ev('APPEAL_NEW', -30, 'voice-gone'), // voice: expired before the range
      ev('APPEAL_NEW', -50, 'closed', 'email'), ev('APPEAL_CLOSED', -40, 'closed', 'email'),
    ]);
    expect(repairs('expired')).toEqual([10, 30, 90]);
    expect(r.differences).toEqual([]);
    expect(r.appealsTold).toBeGreaterThanOrEqual(3);
  });

  it('an appeal whose next event after a silence is inside the range expired in between: a chunk with none of its events', async () => {
    const { r, repairs } = await verify([ev('APPEAL_NEW', -5, 'a'), ev('APPEAL_APPOINTED', 100, 'a')]); // expires at +15, comes back at +100
    expect(repairs('expired')).toEqual([15]);
    expect(r.differences).toEqual([]);
  });

  it('a close after the range changes a cell inside it (the noDistribution repair at the segment start)', async () => {
    const { r, repairs } = await verify([ev('APPEAL_NEW', 100, 'a', 'chat'), ev('APPEAL_APPOINTED', 130, 'a', 'chat'), ev('APPEAL_CLOSED', 150, 'a', 'chat')]);
    expect(repairs('noDistribution')).toEqual([100]);
    expect(r.differences).toEqual([]);
  });

  it('late events: logged long after events that follow them', async () => {
    const { r } = await verify([
      ev('APPEAL_CLOSED', 40, 'a'), ev('APPEAL_APPOINTED', 20, 'a'), ev('APPEAL_NEW', -5, 'a'), ev('APPEAL_SENT_DISTRIBUTION', 0, 'a'),
      ev('APPEAL_NEW', 50, 'b'), ev('APPEAL_MISSED', 55, 'b'), ev('APPEAL_SENT_DISTRIBUTION', 51, 'b'),
    ]);
    expect(r.cells).toBeGreaterThan(3);
    expect(r.differences).toEqual([]);
  });

  it('dead letters, committed or still pending, are left out, even when one hides the last event before the range', async () => {
    const events = [
      // a close, dead-lettered, is a's latest event before the range: a is open, and expires at +5
      ev('APPEAL_NEW', -15, 'a'), ev('APPEAL_CLOSED', -5, 'a', 'voice', { queue: 'ghost' }),
      ev('APPEAL_NEW', -12, 'b'), ev('APPEAL_MISSED', -2, 'b', 'voice', { queue: 'ghost' }), // the same, pending: b expires at +8
      ev('APPEAL_NEW', 30, 'c'), ev('APPEAL_APPOINTED', 31, 'c'), // dead: c is answered at 31 with no queue wait known
    ];
    const fate = new Map<number, DeadFate>([[1, 'stored'], [3, 'pending'], [5, 'stored']]);
    const { r, repairs } = await verify(events, { deadFate: (i) => fate.get(i) ?? 'no' });
    expect(repairs('expired')).toEqual([5, 8, 50]);
    expect(r.differences).toEqual([]);
  });

  it('pages smaller than an appeal: a story of many events read 2 at a time', async () => {
    const events = [ev('APPEAL_NEW', 1, 'a'), ev('APPEAL_SENT_DISTRIBUTION', 2, 'a')];
    for (let i = 0; i < 9; i++) events.push(ev('APPEAL_TRANSFERRED', 3 + i, 'a', 'voice', { operatorId: `o${i}` }));
    events.push(ev('APPEAL_CLOSED', 20, 'a', 'voice', { operatorId: 'o8' }));
    const { r, whole } = await verify(events);
    expect(whole.filter((c) => c.operator !== '').length).toBeGreaterThan(8);
    expect(r.differences).toEqual([]);
  });

  it('events logged while verify runs, before the chunk it is on, that move an expiry into a later chunk', async () => {
    const events = [
      ev('APPEAL_NEW', 5, 'a'), // expires at +25 (chunk 1) as first logged
      ev('APPEAL_NEW', 600, 'filler-1'), ev('APPEAL_NEW', 600, 'filler-2'), // logged at the snapshots of chunks 0 and 1
      ev('APPEAL_SENT_DISTRIBUTION', 20, 'a'), // logged at chunk 2's snapshot: a now expires at +40, in chunk 2
    ];
    const { r, repairs } = await verify(events, { laterFrom: 1, perSnapshot: 1 });
    expect(repairs('expired')).toEqual([40]);
    expect(r.differences).toEqual([]);
    expect(r.lastPosition).toBeGreaterThan(r.position);
  });

  it('can fail: a wrong stream side is a difference, and the list is capped', async () => {
    const { r } = await verify([ev('APPEAL_NEW', 1, 'a'), ev('APPEAL_CLOSED', 2, 'a')], { corrupt: true });
    expect(r.totalDifferences).toBe(1);
    expect(r.differences[0]).toMatchObject({ field: 'offered', stream: 2, batch: 1 });
  });
});
