import { describe, expect, it } from 'vitest';
import type { StoredRecommendation } from '../storage/storage.js';
import { messageOf } from './message.js';

const item = (over: Partial<StoredRecommendation> = {}): StoredRecommendation => ({
  tenant: 'acme', num: 12, key: 'staffing-add:Billing:voice', kind: 'staffing-add', state: 'open', severity: 'critical',
  reason: 'Billing voice: add 3 operators now — forecast 120/h at AHT 180 s needs 9 for 80 % in 20 s; 6 on it, expected SL 47 % now, 84 % with them',
  data: { add: 3, required: 9, available: 6, expectedSlPctNow: 47.2, expectedSlPctWithAdvice: 84 }, openedAt: 0, updatedAt: 0, ...over,
});

describe('messageOf', () => {
  it('says in English what, where, the numbers, the reason and a link to the queue on the dashboard', () => {
    const m = messageOf(item(), 'open', 'en', 'https://cc.example/ccpulse/');
    expect(m.title).toBe('Critical · Add operators: Billing · voice');
    expect(m.numbers).toBe('add 3 · 9 needed, 6 on it · SL now ~47.2 % · ~84 % with them');
    expect(m.link).toBe('https://cc.example/ccpulse/?q=Billing');
    expect(m.text.split('\n')).toEqual([m.title, m.numbers, m.reason, 'Open: https://cc.example/ccpulse/?q=Billing']);
  });

  it('says it in Russian, decimal commas included; the reason stays as the advisor wrote it', () => {
    const m = messageOf(item(), 'open', 'ru', 'http://localhost:8080/');
    expect(m.title).toBe('Критично · Добавьте операторов: Billing · голос');
    expect(m.numbers).toBe('добавить 3 · нужно 9, на линии 6 · SL сейчас ~47,2 % · с ними ~84 %');
    expect(m.text).toContain('Открыть: http://localhost:8080/?q=Billing');
  });

  it('marks an escalation and a resolution; a resolved item carries no numbers', () => {
    expect(messageOf(item(), 'escalated', 'en', 'http://h/').title).toBe('Still unacknowledged · Critical · Add operators: Billing · voice');
    const r = messageOf(item({ state: 'resolved' }), 'resolved', 'ru', 'http://h/');
    expect(r.title).toBe('Решено · Критично · Добавьте операторов: Billing · голос');
    expect(r.numbers).toBeNull();
  });

  it('takes names and data as data: a queue called __proto__, numbers missing or of the wrong type, an unknown kind', () => {
    const m = messageOf(item({ key: 'sl-under-target:__proto__:constructor', kind: 'sl-under-target', data: JSON.parse('{"__proto__": {"slPct": 1}, "targetPct": "80"}') }), 'open', 'en', 'http://h/');
    expect(m.title).toBe('Critical · SL under target: __proto__ · constructor');
    expect(m.numbers).toBeNull();
    expect(m.link).toBe('http://h/?q=__proto__');
    const odd = messageOf(item({ key: 'new-kind:x', kind: 'new-kind', severity: 'info', data: {} }), 'open', 'en', 'http://h/');
    expect(odd.title).toBe('Info · new kind');
  });
});
