import { describe, expect, it } from 'vitest';
import { Harness, sec } from '../stream/testing/harness.js';

/** Each metric of the definitions, and each fallback for lost events, on hand-built event sequences. */
describe('metric definitions', () => {
  it('a clean appeal: offered, AA, HA, AWT, AHT, SL, percentiles', () => {
    const h = new Harness();
    h.push(
      h.ev('APPEAL_NEW', 'a', 0),
      h.ev('APPEAL_SENT_DISTRIBUTION', 'a', 2),
      h.ev('APPEAL_APPOINTED', 'a', 12, { operatorId: 'op1' }),
      h.ev('APPEAL_CLOSED', 'a', 72, { operatorId: 'op1' }),
    );
    expect(h.total()).toMatchObject({
      offered: 1, aa: 1, ha: 1, missed: 0, qa: 0,
      awtSec: 10, asaSec: 10, ahtSec: 60, slPct: 100, abandonPct: 0,
      waitP50Sec: 10, waitP90Sec: 10, waitP95Sec: 10, longestWaitSec: 10,
    });
    expect(h.repairs()).toEqual({});
  });

  it('AWT is attributed to the minute of appointment, AHT and HA to the minute of close', () => {
    const h = new Harness();
    h.push(h.ev('APPEAL_NEW', 'a', 50), h.ev('APPEAL_SENT_DISTRIBUTION', 'a', 50), h.ev('APPEAL_APPOINTED', 'a', 70, { operatorId: 'o' }), h.ev('APPEAL_CLOSED', 'a', 130, { operatorId: 'o' }));
    const [m0, m1, m2] = h.rows({ toSec: 180, intervalMin: 1 });
    expect(m0).toMatchObject({ offered: 1, aa: 0, ha: 0, awtSec: null, qa: 1 });
    expect(m1).toMatchObject({ offered: 0, aa: 1, ha: 0, awtSec: 20, ahtSec: null, qa: 1 });
    expect(m2).toMatchObject({ aa: 0, ha: 1, ahtSec: 60, qa: 0 });
  });

  it('missing SENT_DISTRIBUTION: queued at the segment start, repair counted', () => {
    const h = new Harness();
    h.push(h.ev('APPEAL_NEW', 'a', 0), h.ev('APPEAL_APPOINTED', 'a', 15, { operatorId: 'o' }), h.ev('APPEAL_CLOSED', 'a', 45, { operatorId: 'o' }));
    expect(h.total()).toMatchObject({ offered: 1, aa: 1, awtSec: 15, ahtSec: 30 });
    expect(h.repairs()).toEqual({ noDistribution: 1 });
  });

  it('CLOSED without APPOINTED counts in AA and HA but not in AWT or AHT', () => {
    const h = new Harness();
    h.push(h.ev('APPEAL_NEW', 'a', 0), h.ev('APPEAL_SENT_DISTRIBUTION', 'a', 1), h.ev('APPEAL_CLOSED', 'a', 90, { operatorId: 'o' }));
    expect(h.total()).toMatchObject({ offered: 1, aa: 1, ha: 1, awtSec: null, ahtSec: null, slPct: null, qa: 0 });
    expect(h.repairs()).toEqual({ noAppointment: 1 });
  });

  it('an abandon: missed, abandon %, SL counts it after the short-abandon threshold', () => {
    const h = new Harness();
    h.push(
      h.ev('APPEAL_NEW', 'a', 0), h.ev('APPEAL_SENT_DISTRIBUTION', 'a', 0), h.ev('APPEAL_APPOINTED', 'a', 5, { operatorId: 'o' }), h.ev('APPEAL_CLOSED', 'a', 60, { operatorId: 'o' }),
      h.ev('APPEAL_NEW', 'b', 0), h.ev('APPEAL_SENT_DISTRIBUTION', 'b', 0), h.ev('APPEAL_MISSED', 'b', 30),
    );
    expect(h.total()).toMatchObject({ offered: 2, aa: 1, ha: 1, missed: 1, abandonPct: 50, slPct: 50, awtSec: 5, longestWaitSec: 30 });
  });

  it('short abandons are left out of SL; with abandonsCount off no abandon counts', () => {
    const short = new Harness();
    short.push(h2(short, 'a', 3), answered(short, 'b', 8)).push();
    expect(short.total()).toMatchObject({ missed: 1, slPct: 100, abandonPct: 50 });
    const off = new Harness({ sl: { abandonsCount: false } });
    off.push(h2(off, 'a', 40), answered(off, 'b', 8));
    expect(off.total()).toMatchObject({ missed: 1, slPct: 100 });
    const on = new Harness();
    on.push(h2(on, 'a', 40), answered(on, 'b', 8));
    expect(on.total().slPct).toBe(50);
  });

  it('SL: answered in less than the target is within; target is per queue', () => {
    const h = new Harness({ slByQueue: { vip: { targetSec: 10 } } });
    h.push(answered(h, 'a', 19), answered(h, 'b', 20), answered(h, 'c', 9, 'vip'), answered(h, 'd', 12, 'vip'));
    const rows = h.rows({ groupBy: ['queue'] });
    expect(rows.find((r) => r.queue === 'sales')!.slPct).toBe(50);
    expect(rows.find((r) => r.queue === 'vip')!.slPct).toBe(50);
    expect(h.total().slPct).toBe(50);
  });

  it('wait percentiles are nearest-rank at 1-second resolution', () => {
    const h = new Harness();
    for (let i = 1; i <= 20; i++) h.push(answered(h, `a${i}`, i + 0.5));
    expect(h.total()).toMatchObject({ waitP50Sec: 10, waitP90Sec: 18, waitP95Sec: 19, longestWaitSec: 20, awtSec: 11 });
  });

  it('QA: waiting and in handling now, and the level at the end of each interval', () => {
    const h = new Harness({ now: sec(100) });
    h.push(
      h.ev('APPEAL_NEW', 'a', 0), h.ev('APPEAL_SENT_DISTRIBUTION', 'a', 0),
      h.ev('APPEAL_NEW', 'b', 10), h.ev('APPEAL_APPOINTED', 'b', 70, { operatorId: 'o' }),
      h.ev('APPEAL_NEW', 'c', 20), h.ev('APPEAL_APPOINTED', 'c', 30, { operatorId: 'o' }), h.ev('APPEAL_CLOSED', 'c', 90, { operatorId: 'o' }),
    );
    const tile = h.processor.live.snapshot('t', 0).tiles[0];
    expect(tile).toMatchObject({ qa: 2, waiting: 1, inHandling: 1, longestWaitSec: 100 });
    expect(h.rows({ toSec: 120, intervalMin: 1 }).map((r) => r.qa)).toEqual([3, 2]);
    // the open appeals' future expiry is part of their story, but not a repair until its time comes
    expect(h.repairs()).toEqual({ noDistribution: 2 });
  });

  it('an appeal that never closes leaves QA after the inactivity timeout, counted as a repair', () => {
    const h = new Harness({ timeoutSec: 600, now: sec(700) });
    h.push(h.ev('APPEAL_NEW', 'a', 0), h.ev('APPEAL_SENT_DISTRIBUTION', 'a', 0), h.ev('APPEAL_APPOINTED', 'a', 10, { operatorId: 'o' }));
    expect(h.rows({ toSec: 1200, intervalMin: 5 }).map((r) => r.qa)).toEqual([1, 1, 0, 0]);
    h.processor.sweep();
    expect(h.processor.live.snapshot('t', 0).tiles[0].qa).toBe(0);
    expect(h.repairs()).toEqual({ expired: 1 });
    // a late close replaces the expiry
    h.push(h.ev('APPEAL_CLOSED', 'a', 400, { operatorId: 'o' }));
    expect(h.repairs()).toEqual({});
    expect(h.total()).toMatchObject({ ha: 1, ahtSec: 390 });
  });

  it('APPEAL_RETURNED opens a new segment: offered twice, each with its own wait', () => {
    const h = new Harness();
    h.push(answered(h, 'a', 5), h.ev('APPEAL_RETURNED', 'a', 600), h.ev('APPEAL_SENT_DISTRIBUTION', 'a', 600), h.ev('APPEAL_APPOINTED', 'a', 615, { operatorId: 'o' }), h.ev('APPEAL_CLOSED', 'a', 700, { operatorId: 'o' }));
    expect(h.total()).toMatchObject({ offered: 2, aa: 2, ha: 2, awtSec: 10 });
  });

  it('a transfer ends one operator’s handling and starts the next; AHT spans the whole handling', () => {
    const h = new Harness();
    h.push(
      h.ev('APPEAL_NEW', 'a', 0), h.ev('APPEAL_SENT_DISTRIBUTION', 'a', 0),
      h.ev('APPEAL_APPOINTED', 'a', 10, { operatorId: 'op1' }),
      h.ev('APPEAL_TRANSFERRED', 'a', 40, { operatorId: 'op2', queue: 'billing' }),
      h.ev('APPEAL_CLOSED', 'a', 100, { operatorId: 'op2', queue: 'billing' }),
    );
    const byQueue = h.rows({ groupBy: ['queue'] });
    expect(byQueue.find((r) => r.queue === 'sales')).toMatchObject({ offered: 1, aa: 1, ha: 0, awtSec: 10 });
    expect(byQueue.find((r) => r.queue === 'billing')).toMatchObject({ offered: 0, ha: 1, ahtSec: 90 });
    const ops = h.rows({ groupBy: ['operator'], level: 'operator' });
    expect(ops.find((r) => r.operator === 'op1')).toMatchObject({ aa: 1, ha: 0, ahtSec: 30, awtSec: 10 });
    expect(ops.find((r) => r.operator === 'op2')).toMatchObject({ aa: 1, ha: 1, ahtSec: 60 });
  });

  it('events without a start are repaired as a segment of their own, also after a close (a lost APPEAL_RETURNED)', () => {
    const h = new Harness();
    h.push(h.ev('APPEAL_SENT_DISTRIBUTION', 'b', 0), h.ev('APPEAL_APPOINTED', 'b', 4, { operatorId: 'o' }), h.ev('APPEAL_CLOSED', 'b', 30, { operatorId: 'o' }));
    expect(h.total()).toMatchObject({ offered: 1, aa: 1, ha: 1, awtSec: 4, ahtSec: 26 });
    expect(h.repairs()).toEqual({ missingStart: 1 });
    h.push(answered(h, 'a', 5), h.ev('APPEAL_SENT_DISTRIBUTION', 'a', 900), h.ev('APPEAL_APPOINTED', 'a', 910, { operatorId: 'o' }), h.ev('APPEAL_CLOSED', 'a', 990, { operatorId: 'o' }));
    expect(h.total()).toMatchObject({ offered: 3, aa: 3, ha: 3 });
    expect(h.repairs()).toEqual({ missingStart: 2 });
  });

  it('events later than the allowed lateness, for a retired appeal, are counted late and reconciled with its whole story', async () => {
    const events = (h: Harness) => ({
      early: [...answered(h, 'a', 5), h.ev('APPEAL_NEW', 'c', 100)],
      later: [h.ev('APPEAL_NEW', 'b', 1200)], // watermark 1195 s: a (ended at 65 s) is retired, c (open) is kept
      oldButKept: [h.ev('APPEAL_APPOINTED', 'c', 110, { operatorId: 'o' })],
      late: [h.ev('APPEAL_RETURNED', 'a', 200), h.ev('APPEAL_MISSED', 'a', 230)],
    });
    const h = new Harness();
    const e = events(h);
    h.push(e.early, e.later, e.oldButKept);
    expect(h.processor.stats.late).toBe(0); // old, but c is still in memory: applied exactly
    h.push(e.late);
    expect(h.processor.stats.late).toBe(2);
    expect(h.processor.lateWaiting).toBe(2);
    expect(h.processor.lateAppeals()).toEqual([{ tenant: 't', appealId: 'a' }]);
    await h.reconcile();
    expect(h.processor.lateWaiting).toBe(0);

    // the same events in time give the same numbers; only the `late` note differs
    const inTime = new Harness();
    const f = events(inTime);
    inTime.push(f.early, f.late, f.later, f.oldButKept);
    expect(h.total()).toEqual(inTime.total());
    expect(h.total()).toMatchObject({ offered: 4, aa: 2, missed: 1 });
    expect(h.repairs()).toEqual({ ...inTime.repairs(), late: 2 });
    // watermark 1195 s − 300 s allowed lateness: intervals ending by 895 s are final
    expect(h.rows({ toSec: 1260, intervalMin: 5 }).map((r) => r.final)).toEqual([true, true, false, false, false]);
  });

  it('disorder changes nothing: CLOSED before APPOINTED, SENT_DISTRIBUTION last', () => {
    const inOrder = new Harness();
    const e = (x: Harness) => [
      x.ev('APPEAL_NEW', 'a', 0), x.ev('APPEAL_SENT_DISTRIBUTION', 'a', 3), x.ev('APPEAL_APPOINTED', 'a', 25, { operatorId: 'o' }), x.ev('APPEAL_CLOSED', 'a', 80, { operatorId: 'o' }),
    ];
    inOrder.push(...e(inOrder));
    const shuffled = new Harness();
    const [n, sd, ap, cl] = e(shuffled);
    shuffled.push(cl, n, ap, sd);
    expect(shuffled.total()).toEqual(inOrder.total());
    expect(shuffled.repairs()).toEqual({});
  });
});

function answered(h: Harness, id: string, waitSec: number, queue = 'sales') {
  return [
    h.ev('APPEAL_NEW', id, 0, { queue }),
    h.ev('APPEAL_SENT_DISTRIBUTION', id, 0, { queue }),
    h.ev('APPEAL_APPOINTED', id, waitSec, { operatorId: 'o', queue }),
    h.ev('APPEAL_CLOSED', id, waitSec + 60, { operatorId: 'o', queue }),
  ];
}
function h2(h: Harness, id: string, abandonAfterSec: number) {
  return [h.ev('APPEAL_NEW', id, 0), h.ev('APPEAL_SENT_DISTRIBUTION', id, 0), h.ev('APPEAL_MISSED', id, abandonAfterSec)];
}
