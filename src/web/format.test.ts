import { describe, expect, it } from 'vitest';
import {
  NONE,
  adviceKindLabel,
  channelLabel,
  formatClock,
  formatCount,
  formatDuration,
  formatPct,
  formatSmallPct,
  isLongWait,
  severityText,
  slLevel,
  slLevelText,
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
  it('has a word for every level', () => {
    for (const l of ['good', 'warn', 'bad', 'none'] as const) expect(slLevelText(l)).toMatch(/\w/);
  });
});

describe('misc', () => {
  it('highlights waits strictly longer than a minute', () => {
    expect(isLongWait(60)).toBe(false);
    expect(isLongWait(60.5)).toBe(true);
    expect(isLongWait(null)).toBe(false);
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
    expect(adviceKindLabel('queue-on-fire')).toBe('Queue on fire');
    for (const k of ['constructor', 'toString', '__proto__']) expect(adviceKindLabel(k)).toBe(k[0].toUpperCase() + k.slice(1));
    expect(adviceKindLabel('')).toBe('');
  });
});
