import { describe, expect, it } from 'vitest';
import type { StoredRecommendation } from '../storage/storage.js';
import { DEFAULT_ROUTE, type Destination } from './destination.js';
import { eventOf, firstTry, HourlyCap, quietUntil, routes } from './routing.js';

const dest = (over: Partial<Destination> = {}): Destination => ({ id: 'd1', tenant: 't', name: 'ops', kind: 'webhook', enabled: true, lang: 'en', route: { ...DEFAULT_ROUTE }, maxPerHour: 30, updatedAt: 0, ...over });
const item = (over: Partial<StoredRecommendation> = {}): StoredRecommendation => ({ tenant: 't', num: 1, key: 'long-wait:sales:voice', kind: 'long-wait', state: 'open', severity: 'warning', reason: 'r', data: {}, openedAt: 0, updatedAt: 0, ...over });

describe('routing', () => {
  it('sends an item raised and one resolved, not an acknowledgement', () => {
    expect(eventOf({ from: null, to: 'open' })).toBe('open');
    expect(eventOf({ from: 'acknowledged', to: 'resolved' })).toBe('resolved');
    expect(eventOf({ from: 'open', to: 'acknowledged' })).toBeNull();
    expect(eventOf({ from: 'open', to: 'open' })).toBe('raised'); // a severity that rose
    expect(eventOf({ from: 'acknowledged', to: 'acknowledged' })).toBe('raised');
  });

  it('routes by event, severity, kind, queue and channel; an item about no queue only where none is named', () => {
    expect(routes(dest(), item(), 'open')).toBe(true);
    expect(routes(dest(), item({ severity: 'info' }), 'open')).toBe(false); // warning and critical by default
    expect(routes(dest({ enabled: false }), item(), 'open')).toBe(false);
    expect(routes(dest({ route: { ...DEFAULT_ROUTE, events: ['open'] } }), item(), 'resolved')).toBe(false);
    expect(routes(dest({ route: { ...DEFAULT_ROUTE, kinds: ['staffing-add'] } }), item(), 'open')).toBe(false);
    expect(routes(dest({ route: { ...DEFAULT_ROUTE, queues: ['sales'] } }), item(), 'open')).toBe(true);
    expect(routes(dest({ route: { ...DEFAULT_ROUTE, queues: ['billing'] } }), item(), 'open')).toBe(false);
    expect(routes(dest({ route: { ...DEFAULT_ROUTE, queues: ['sales'], channels: ['webchat'] } }), item(), 'open')).toBe(false);
    expect(routes(dest({ route: { ...DEFAULT_ROUTE, channels: ['voice'] } }), item({ kind: 'campaign-late', key: 'campaign-late:c1' }), 'open')).toBe(false);
    expect(routes(dest(), item({ kind: 'campaign-late', key: 'campaign-late:c1' }), 'open')).toBe(true);
    expect(routes(dest({ route: { ...DEFAULT_ROUTE, queues: ['__proto__'] } }), item({ key: 'long-wait:__proto__:voice' }), 'open')).toBe(true);
  });

  it('holds all but critical items through quiet hours, across midnight, on the destination\'s clock', () => {
    const at = (iso: string) => Date.parse(iso);
    const night = { from: '22:00', to: '07:00' };
    expect(quietUntil(at('2026-12-01T23:30:00Z'), night, 'UTC')).toBe(at('2026-12-02T07:00:00Z'));
    expect(quietUntil(at('2026-12-01T06:59:30Z'), night, 'UTC')).toBe(at('2026-12-01T07:00:00Z'));
    expect(quietUntil(at('2026-12-01T07:00:00Z'), night, 'UTC')).toBeNull();
    expect(quietUntil(at('2026-12-01T12:00:00Z'), { from: '12:00', to: '13:00' }, 'UTC')).toBe(at('2026-12-01T13:00:00Z'));
    // 20:30 UTC is 23:30 in Moscow
    expect(quietUntil(at('2026-12-01T20:30:00Z'), { ...night, timeZone: 'Europe/Moscow' }, 'UTC')).toBe(at('2026-12-02T04:00:00Z'));
    expect(quietUntil(at('2026-12-01T20:30:00Z'), night, 'Europe/Moscow')).toBe(at('2026-12-02T04:00:00Z'));
    expect(firstTry(dest({ quietHours: night }), item(), at('2026-12-01T23:30:00Z'), 'UTC')).toBe(at('2026-12-02T07:00:00Z'));
    // nights with a DST change end at 07:00 local all the same (New York: 2025-03-09 springs forward, 2025-11-02 falls back)
    const ny = { ...night, timeZone: 'America/New_York' };
    expect(quietUntil(at('2025-03-09T06:30:00Z'), ny, 'UTC')).toBe(at('2025-03-09T11:00:00Z')); // 01:30 EST → 07:00 EDT
    expect(quietUntil(at('2025-11-02T04:30:00Z'), ny, 'UTC')).toBe(at('2025-11-02T12:00:00Z')); // 00:30 EDT → 07:00 EST
    expect(firstTry(dest({ quietHours: night }), item({ severity: 'critical' }), at('2026-12-01T23:30:00Z'), 'UTC')).toBe(at('2026-12-01T23:30:00Z'));
  });

  it('sends digests on the center\'s clock: every digestMin minutes from local midnight', () => {
    const at = (iso: string) => Date.parse(iso);
    const warning = item();
    // Moscow is UTC+3: a daily digest at local midnight is 21:00 UTC
    expect(firstTry(dest({ digestMin: 1440 }), warning, at('2026-12-01T12:00:00Z'), 'Europe/Moscow')).toBe(at('2026-12-01T21:00:00Z'));
    // Kolkata is UTC+5:30: an hourly digest at :00 local is :30 UTC
    expect(firstTry(dest({ digestMin: 60 }), warning, at('2026-12-01T12:10:00Z'), 'Asia/Kolkata')).toBe(at('2026-12-01T12:30:00Z'));
    // every 7 minutes from midnight: 12:10 UTC is minute 730; the next is 735
    expect(firstTry(dest({ digestMin: 7 }), warning, at('2026-12-01T12:10:00Z'), 'UTC')).toBe(at('2026-12-01T12:15:00Z'));
    expect(firstTry(dest({ digestMin: 60 }), item({ severity: 'critical' }), at('2026-12-01T12:10:00Z'), 'UTC')).toBe(at('2026-12-01T12:10:00Z'));
  });

  it('caps messages per destination per hour: the one over waits for the hour\'s oldest to age out', () => {
    const cap = new HourlyCap();
    for (let i = 0; i < 3; i++) {
      expect(cap.roomAt('d1', 3, 1000 + i)).toBe(1000 + i);
      cap.record('d1', 1000 + i);
    }
    expect(cap.roomAt('d1', 3, 5000)).toBe(1000 + 3_600_000);
    expect(cap.roomAt('d2', 3, 5000)).toBe(5000);
    expect(cap.roomAt('d1', 3, 1001 + 3_600_000)).toBe(1001 + 3_600_000);
  });
});
