import { describe, expect, it } from 'vitest';
import type { CcEvent, LoggedEvent } from '../contract/event.js';
import { StreamProcessor } from './processor.js';
import { Harness, sec, T0 } from './testing/harness.js';

const status = (h: Harness, op: string, s: string, atSec: number, queue = 'sales'): LoggedEvent =>
  ({ ...h.ev('OPERATOR_STATUS', '', atSec, { operatorId: op, status: s as CcEvent['status'], queue, channel: 'voice' }), appealId: undefined }) as LoggedEvent;

describe('the operators table: who is where, doing what, and their day', () => {
  it('times each status from the status events, the current one up to now, and counts what each handles now', () => {
    const h = new Harness();
    h.push(
      status(h, 'ann', 'ready', 0),
      status(h, 'ann', 'busy', 600), // 10 min ready
      status(h, 'ann', 'acw', 900), // 5 min busy
      status(h, 'ann', 'ready', 960), // 1 min acw
      status(h, 'bob', 'break', 100, 'support'),
      h.ev('APPEAL_NEW', 'a1', 1000),
      h.ev('APPEAL_SENT_DISTRIBUTION', 'a1', 1000),
      h.ev('APPEAL_APPOINTED', 'a1', 1010, { operatorId: 'ann' }),
      // a late status older than the last one changes nothing
      status(h, 'ann', 'offline', 500),
    );
    const rows = h.processor.live.operatorsOf('t', sec(1200));
    const ann = rows.find((r) => r.id === 'ann')!;
    expect(ann).toMatchObject({ status: 'ready', since: sec(960), queue: 'sales', channel: 'voice', handling: 1, handlingOn: [{ queue: 'sales', channel: 'voice' }] });
    expect(ann.today.ms).toEqual({ ready: 600_000 + 240_000, busy: 300_000, acw: 60_000 });
    const bob = rows.find((r) => r.id === 'bob')!;
    expect(bob).toMatchObject({ status: 'break', queue: 'support', handling: 0 });
    expect(bob.today.ms).toEqual({ break: 1_100_000 });
    // another tenant has none of them
    expect(h.processor.live.operatorsOf('other', sec(1200))).toEqual([]);
  });

  it('starts a new day at UTC midnight: a status running across it counts from midnight', () => {
    const h = new Harness();
    const midnight = T0 - (T0 % 86_400_000) + 86_400_000;
    const atMs = (ms: number) => (ms - T0) / 1000;
    h.push(status(h, 'ann', 'busy', atMs(midnight - 600_000)), status(h, 'ann', 'ready', atMs(midnight + 300_000)));
    const [ann] = h.processor.live.operatorsOf('t', midnight + 400_000);
    expect(ann.today).toEqual({ dayStart: midnight, ms: { busy: 300_000, ready: 100_000 } });
    // read before midnight, the day before: 10 minutes busy up to then
    const h2 = new Harness();
    h2.push(status(h2, 'ann', 'busy', atMs(midnight - 600_000)));
    expect(h2.processor.live.operatorsOf('t', midnight - 1).at(0)!.today.ms.busy).toBe(599_999);
  });

  it('begins the day at midnight in the center’s time zone (Moscow: 21:00 UTC)', () => {
    const mk = () => new StreamProcessor({ inactivityTimeoutOf: () => 3_600_000, slPolicyOf: () => ({ targetSec: 20, shortAbandonSec: 5, abandonsCount: true }), now: () => sec(0), timeZone: 'Europe/Moscow' });
    const p = mk();
    const moscowMidnight = Date.UTC(2026, 10, 21, 21); // 00:00 on 22 November in Moscow
    const ev = (id: string, status: string, ts: number) => ({ tenant: 't', seq: 0, id, type: 'OPERATOR_STATUS', ts, operatorId: 'ann', status, queue: 'sales', channel: 'voice' }) as unknown as LoggedEvent;
    p.apply([{ ...ev('s1', 'busy', moscowMidnight - 600_000), seq: 1 }, { ...ev('s2', 'ready', moscowMidnight + 300_000), seq: 2 }]);
    const [ann] = p.live.operatorsOf('t', moscowMidnight + 400_000);
    expect(ann.today).toEqual({ dayStart: moscowMidnight, ms: { busy: 300_000, ready: 100_000 } });
    expect(p.live.snapshot('t', 0).timeZone).toBe('Europe/Moscow');
  });

  it('keeps the day across a restart (the checkpoint carries it)', () => {
    const h = new Harness();
    h.push(status(h, 'ann', 'ready', 0), status(h, 'ann', 'busy', 600));
    const state = JSON.parse(JSON.stringify(h.processor.exportState()));
    const again = new StreamProcessor({ inactivityTimeoutOf: () => 3_600_000, slPolicyOf: () => ({ targetSec: 20, shortAbandonSec: 5, abandonsCount: true }), now: () => sec(3600) });
    again.restore(state, []);
    expect(again.live.operatorsOf('t', sec(700))).toEqual(h.processor.live.operatorsOf('t', sec(700)));
    expect(again.live.operatorsOf('t', sec(700))[0].today.ms).toEqual({ ready: 600_000, busy: 100_000 });
  });
});
