import { describe, expect, it } from 'vitest';
import { dayStart, presetDays, reportParams } from './report-query.js';

describe('the reports page\'s question', () => {
  it('takes whole days on the center\'s clock, the last one included, across a DST change', () => {
    expect(reportParams({ fromDay: '2026-11-02', toDay: '2026-11-03', groupBy: ['queue', 'channel'], interval: '1h', queue: ' billing ', channel: '' }, 'Europe/Moscow')).toEqual({
      params: { from: '2026-11-01T21:00:00.000Z', to: '2026-11-03T21:00:00.000Z', groupBy: 'queue,channel', interval: '1h', queue: 'billing' },
    });
    // Berlin's clocks went back on 2026-10-25: that day is 25 hours long
    const r = reportParams({ fromDay: '2026-10-25', toDay: '2026-10-25', groupBy: [], interval: '', queue: '', channel: '' }, 'Europe/Berlin');
    expect(r).toEqual({ params: { from: '2026-10-24T22:00:00.000Z', to: '2026-10-25T23:00:00.000Z', groupBy: '' } });
  });

  it('refuses a date that is not one, and a range backwards', () => {
    expect(dayStart('2026-02-30', 'UTC')).toBeNaN();
    expect(reportParams({ fromDay: '2026-02-30', toDay: '2026-03-01', groupBy: [], interval: '', queue: '', channel: '' }, 'UTC')).toEqual({ problem: 'from: not a date' });
    expect(reportParams({ fromDay: '2026-03-02', toDay: '2026-03-01', groupBy: [], interval: '', queue: '', channel: '' }, 'UTC')).toEqual({ problem: 'to: before from' });
  });

  it('gives the presets\' days as of now in the center\'s zone', () => {
    const now = Date.parse('2026-11-30T22:30:00Z'); // already Dec 1 in Yekaterinburg (UTC+5)
    expect(presetDays('today', now, 'Asia/Yekaterinburg')).toEqual({ fromDay: '2026-12-01', toDay: '2026-12-01' });
    expect(presetDays('yesterday', now, 'Asia/Yekaterinburg')).toEqual({ fromDay: '2026-11-30', toDay: '2026-11-30' });
    expect(presetDays('last7', now, 'UTC')).toEqual({ fromDay: '2026-11-24', toDay: '2026-11-30' });
    expect(presetDays('last30', now, 'UTC')).toEqual({ fromDay: '2026-11-01', toDay: '2026-11-30' });
  });

  it('splits a range into the days of the center\'s clock', async () => {
    const { zoneDays } = await import('./report-query.js');
    const from = Date.parse('2026-10-24T22:00:00Z'); // Berlin, Oct 25 00:00 (CEST); clocks go back that night
    const to = Date.parse('2026-10-26T23:00:00Z'); // Oct 27 00:00 (CET)
    expect(zoneDays(from, to, 'Europe/Berlin').map(([a, b]) => [new Date(a).toISOString(), (b - a) / 3_600_000])).toEqual([
      ['2026-10-24T22:00:00.000Z', 25],
      ['2026-10-25T23:00:00.000Z', 24],
    ]);
  });

  it('gives the appeals behind a number: counts above zero, the longest wait by its bin, open at the end', async () => {
    const { drillParams } = await import('./report-query.js');
    expect(drillParams('offered', 3)).toEqual({ outcome: 'offered' });
    expect(drillParams('offered', 0)).toBeNull();
    expect(drillParams('awtSec', null)).toBeNull();
    expect(drillParams('longestWaitSec', 0)).toEqual({ outcome: 'queued', minWaitSec: '0' });
    expect(drillParams('longestWaitSec', 600)).toEqual({ outcome: 'queued', minWaitSec: '600' });
    expect(drillParams('qa', 2)).toEqual({ outcome: 'open' });
    expect(drillParams('__proto__', 1)).toBeNull();
    expect(drillParams('final', 1)).toBeNull();
  });
});
