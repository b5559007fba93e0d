import { describe, expect, it } from 'vitest';
import {
  NONE,
  adviceKindLabel,
  channelLabel,
  curvePath,
  formatClock,
  formatCount,
  formatDuration,
  formatPct,
  formatPctBand,
  formatSmallPct,
  isLongWait,
  severityText,
  slLevel,
  slLevelText,
  whatIfActionText,
  whatIfLine,
} from './format.js';

describe('formatDuration', () => {
  it('shows seconds under a minute', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(42.4)).toBe('42 s');
    expect(formatDuration(59.4)).toBe('59 s');
  });
  it('shows minutes and zero-padded seconds', () => {
    expect(formatDuration(185)).toBe('3 m 05 s');
    expect(formatDuration(60)).toBe('1 m 00 s');
    expect(formatDuration(3599)).toBe('59 m 59 s');
  });
  it('rounds before choosing the unit (59.6 s is a minute)', () => {
    expect(formatDuration(59.6)).toBe('1 m 00 s');
    expect(formatDuration(3599.5)).toBe('1 h 00 m');
  });
  it('shows hours and minutes past an hour', () => {
    expect(formatDuration(3600)).toBe('1 h 00 m');
    expect(formatDuration(3600 + 2 * 60 + 59)).toBe('1 h 02 m');
    expect(formatDuration(26 * 3600)).toBe('26 h 00 m');
  });
  it('shows a dash for missing values and clamps negatives', () => {
    expect(formatDuration(null)).toBe(NONE);
    expect(formatDuration(undefined)).toBe(NONE);
    expect(formatDuration(Number.NaN)).toBe(NONE);
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe(NONE);
    expect(formatDuration(-3)).toBe('0 s');
    expect(NONE).toBe('—');
  });
});

describe('percentages', () => {
  it('formatPct rounds and clamps', () => {
    expect(formatPct(87.4)).toBe('87%');
    expect(formatPct(79.5)).toBe('80%');
    expect(formatPct(0)).toBe('0%');
    expect(formatPct(100)).toBe('100%');
    expect(formatPct(104)).toBe('100%');
    expect(formatPct(-1)).toBe('0%');
    expect(formatPct(null)).toBe(NONE);
  });
  it('formatSmallPct keeps one decimal below 10', () => {
    expect(formatSmallPct(2.46)).toBe('2.5%');
    expect(formatSmallPct(3)).toBe('3%');
    expect(formatSmallPct(0.04)).toBe('0%');
    expect(formatSmallPct(9.94)).toBe('9.9%');
    expect(formatSmallPct(9.96)).toBe('10%');
    expect(formatSmallPct(12.6)).toBe('13%');
    expect(formatSmallPct(null)).toBe(NONE);
  });
});

describe('formatCount', () => {
  it('groups thousands', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(7)).toBe('7');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(12480)).toBe('12,480');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(-1200)).toBe('-1,200');
    expect(formatCount(null)).toBe(NONE);
  });
});

describe('slLevel', () => {
  it('is green from 80, amber from 60, red below, grey without data', () => {
    expect(slLevel(100)).toBe('good');
    expect(slLevel(80)).toBe('good');
    expect(slLevel(79.99)).toBe('warn');
    expect(slLevel(60)).toBe('warn');
    expect(slLevel(59.9)).toBe('bad');
    expect(slLevel(0)).toBe('bad');
    expect(slLevel(null)).toBe('none');
    expect(slLevel(undefined)).toBe('none');
  });
  it("measures against the queue's own target: amber up to 20 points below it", () => {
    expect(slLevel(92, 95)).toBe('warn');
    expect(slLevel(95, 95)).toBe('good');
    expect(slLevel(74.9, 95)).toBe('bad');
    expect(slLevel(55, 50)).toBe('good');
    expect(slLevel(30, 50)).toBe('warn');
  });
  it('has a word for every level', () => {
    for (const l of ['good', 'warn', 'bad', 'none'] as const) expect(slLevelText(l)).toMatch(/\w/);
  });
});

describe('misc', () => {
  it("highlights waits strictly longer than the tile's own threshold (an hour for email is not two minutes)", () => {
    expect(isLongWait(120, 120)).toBe(false);
    expect(isLongWait(120.5, 120)).toBe(true);
    expect(isLongWait(300, 3600)).toBe(false);
    expect(isLongWait(null, 120)).toBe(false);
  });
  it('formats the clock as HH:MM:SS', () => {
    expect(formatClock(new Date(2026, 0, 2, 3, 4, 5))).toBe('03:04:05');
    expect(formatClock(new Date(2026, 0, 2, 23, 59, 0))).toBe('23:59:00');
  });
  it('labels channels', () => {
    expect(channelLabel('webchat')).toBe('Web chat');
    expect(channelLabel('whatsapp')).toBe('WhatsApp');
    expect(channelLabel('max')).toBe('Max');
    expect(channelLabel('')).toBe('');
    // custom channels named like Object.prototype properties are names, not Object's functions
    expect(channelLabel('constructor')).toBe('Constructor');
    expect(channelLabel('toString')).toBe('ToString');
    expect(channelLabel('__proto__')).toBe('__proto__');
    expect(channelLabel('hasOwnProperty')).toBe('HasOwnProperty');
  });
});

describe('advice labels', () => {
  it('names severities and kinds, and shows what it does not know as data', () => {
    expect(severityText('critical')).toBe('Critical');
    expect(severityText('warning')).toBe('Warning');
    expect(severityText('info')).toBe('Info');
    expect(severityText('__proto__')).toBe('Info');
    expect(adviceKindLabel('long-wait')).toBe('Long wait');
    expect(adviceKindLabel('staffing-add')).toBe('Add operators');
    expect(adviceKindLabel('staffing-move')).toBe('Move operators');
    expect(adviceKindLabel('campaign-slow-down')).toBe('Slow the campaign');
    expect(adviceKindLabel('queue-on-fire')).toBe('Queue on fire');
    for (const k of ['constructor', 'toString', '__proto__']) expect(adviceKindLabel(k)).toBe(k[0].toUpperCase() + k.slice(1));
    expect(adviceKindLabel('')).toBe('');
  });
});

describe('what-if answer', () => {
  const band = (p10: number, p50: number, p90: number) => ({ p10, p50, p90 });

  it('shows a simulated percentage as its median and its 10th–90th percentile band', () => {
    expect(formatPctBand(band(78.4, 84.2, 90))).toBe('84 % (78–90 %)');
    expect(formatPctBand(band(100, 100, 100))).toBe('100 %');
    expect(formatPctBand(band(99.6, 100, 100))).toBe('100 %');
    expect(formatPctBand(band(-3, 0, 120))).toBe('0 % (0–100 %)');
    expect(formatPctBand(band(70, 60, 50))).toBe('60 % (50–70 %)');
    expect(formatPctBand(null)).toBe(NONE);
    expect(formatPctBand(undefined)).toBe(NONE);
    expect(formatPctBand(band(1, NaN, 2))).toBe(NONE);
  });

  it('writes the answer line: the action, SL in 30 min with it, and as things stand', () => {
    const l = whatIfLine({ action: 'add', n: 3 }, { slPct: band(78, 84, 90) }, { slPct: band(50, 61, 70) });
    expect(l.text).toBe('Add 3 now → SL in 30 min ≈ 84 % (78–90 %), as things stand ≈ 61 % (50–70 %)');
    expect(l.lead + l.tail).toBe(l.text);
    expect(whatIfLine({ action: 'release', n: 1 }, { slPct: band(90, 95, 99) }, { slPct: band(97, 98, 100) }).text).toBe(
      'Release 1 now → SL in 30 min ≈ 95 % (90–99 %), as things stand ≈ 98 % (97–100 %)',
    );
    // no wait ended in the step: people waiting and nobody answered, or nobody came; or no step at all
    expect(whatIfLine({ action: 'add', n: 2 }, { slPct: band(0, 10, 20) }, { slPct: null, waiting: band(9, 12.4, 15) }).text).toBe(
      'Add 2 now → SL in 30 min ≈ 10 % (0–20 %), as things stand: none answered, 12 waiting',
    );
    expect(whatIfLine({ action: 'release', n: 1 }, { slPct: null, waiting: band(0, 0.2, 1) }, { slPct: null }).text).toBe(
      'Release 1 now → SL in 30 min: no contacts, as things stand: no contacts',
    );
    expect(whatIfLine({ action: 'add', n: 2 }, null, null, 45).text).toBe(`Add 2 now → SL in 45 min ≈ ${NONE}, as things stand ≈ ${NONE}`);
    expect(whatIfActionText({ action: 'release', n: 4 })).toBe('Release 4 now');
  });

  it('draws the curve over the hour: minute 30 in the middle, 100 % at the top, gaps where SL is null', () => {
    expect(curvePath([], 120, 24)).toBe('');
    expect(curvePath([{ minute: 30, slPct: 100 }, { minute: 60, slPct: 0 }], 120, 24)).toBe('M60 2 L120 22');
    expect(curvePath([{ minute: 5, slPct: 50 }, { minute: 10, slPct: null }, { minute: 15, slPct: 50 }, { minute: 20, slPct: 50 }], 120, 24, 60, 0)).toBe(
      'M10 12 h0 M30 12 L40 12',
    );
    // out of range values are clamped into the box
    expect(curvePath([{ minute: 90, slPct: 140 }, { minute: -5, slPct: -10 }], 60, 10, 60, 0)).toBe('M60 0 L0 10');
  });
});

describe('formatDateTime', () => {
  it('gives the date and the clock in the center\'s zone', async () => {
    const { formatDateTime, setDisplayTimeZone } = await import('./format.js');
    setDisplayTimeZone('Asia/Yekaterinburg');
    expect(formatDateTime(new Date('2026-11-30T21:30:05Z'))).toBe('2026-12-01 02:30:05');
  });
});
