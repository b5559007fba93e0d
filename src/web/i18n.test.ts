import { afterEach, describe, expect, it } from 'vitest';
import { channelLabel, formatDuration, severityText, whatIfActionText } from './format.js';
import { t, useLang } from './i18n.js';

describe('English and Russian', () => {
  afterEach(() => useLang('en'));

  it('shows English by default, with values put in', () => {
    expect(t('Waiting')).toBe('Waiting');
    expect(t('{n} open now', { n: 4 })).toBe('4 open now');
    expect(formatDuration(65)).toBe('1 m 05 s');
  });

  it('translates into Russian what it knows, leaves what it does not, and never reads a value from Object’s prototype', () => {
    useLang('ru');
    expect(t('Waiting')).toBe('Ожидают');
    expect(t('{n} open now', { n: 4 })).toBe('Открыто сейчас: 4');
    expect(formatDuration(65)).toBe('1 мин 05 с');
    expect(formatDuration(7_500)).toBe('2 ч 05 мин');
    expect(channelLabel('voice')).toBe('Голос');
    expect(channelLabel('telegram')).toBe('Telegram');
    expect(severityText('critical')).toBe('Критично');
    expect(whatIfActionText({ action: 'add', n: 3 })).toBe('Добавить 3 сейчас');
    expect(t('Some text nobody translated')).toBe('Some text nobody translated');
    expect(t('constructor')).toBe('constructor');
    expect(t('__proto__')).toBe('__proto__');
    expect(t('{toString} and {n}', { n: 1 })).toBe('{toString} and 1');
  });
});

describe('the dictionary', () => {
  it('names each English text once (a second entry would silently replace the first)', async () => {
    const { readFileSync } = await import('node:fs');
    const source = readFileSync(new URL('./i18n.ts', import.meta.url), 'utf8');
    const keys = [...source.matchAll(/^\s*\[\s*(['"])(.*?)\1\s*,/gm)].map((m) => m[2]);
    expect(keys.length).toBeGreaterThan(100);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
  });
});
