import { describe, expect, it } from 'vitest';
import { destinationBody, destinationTarget, type NotifyForm } from './notify-form.js';

const form = (over: Partial<NotifyForm> = {}): NotifyForm => ({
  kind: 'webhook', name: ' ops ', target: ' https://ops.example/in ', secret: 'sixteen characters', lang: 'en', severities: ['critical', 'warning'],
  queues: '', quietFrom: '', quietTo: '', escalateAfterMin: '', digestMin: '', ...over,
});

describe('the notifications form', () => {
  it('makes each kind\'s body: the target and secret where the kind takes them, the routing, quiet hours and escalation', () => {
    expect(destinationBody(form())).toEqual({ body: { name: 'ops', kind: 'webhook', lang: 'en', route: { severities: ['critical', 'warning'] }, webhook: { url: 'https://ops.example/in', secret: 'sixteen characters' } } });
    expect(destinationBody(form({ kind: 'telegram', target: '-100200', secret: ' 123:abc ', lang: 'ru', queues: 'billing, __proto__', quietFrom: '22:00', quietTo: '07:00', escalateAfterMin: '15' }))).toEqual({
      body: { name: 'ops', kind: 'telegram', lang: 'ru', route: { severities: ['critical', 'warning'], queues: ['billing', '__proto__'] }, telegram: { chatId: '-100200', botToken: '123:abc' }, quietHours: { from: '22:00', to: '07:00' }, escalateAfterMin: 15 },
    });
    expect(destinationBody(form({ kind: 'email', target: 'a@b.c,\n d@e.f ', secret: 'ignored' }))).toMatchObject({ body: { email: { to: ['a@b.c', 'd@e.f'] } } });
  });

  it('says what is missing before asking the server', () => {
    expect(destinationBody(form({ name: ' ' }))).toEqual({ problem: 'name: required' });
    expect(destinationBody(form({ kind: 'telegram', target: '' }))).toEqual({ problem: 'chat id: required' });
    expect(destinationBody(form({ severities: [] }))).toEqual({ problem: 'severities: choose at least one' });
    expect(destinationBody(form({ quietFrom: '22:00' }))).toEqual({ problem: 'quiet hours: give both ends, or neither' });
    expect(destinationBody(form({ escalateAfterMin: '1.5' }))).toEqual({ problem: 'escalate after: whole minutes from 1 to 1440' });
    expect(destinationBody(form({ digestMin: '2' }))).toEqual({ problem: 'digest: whole minutes from 5 to 1440' });
    expect(destinationBody(form({ digestMin: '60' }))).toMatchObject({ body: { digestMin: 60 } });
  });

  it('reads where a destination sends', () => {
    expect(destinationTarget({ id: 'd1', name: 'x', kind: 'email', enabled: true, lang: 'en', email: { to: ['a@b.c', 'd@e.f'] }, route: { severities: [], queues: [] } })).toBe('a@b.c, d@e.f');
    expect(destinationTarget({ id: 'd1', name: 'x', kind: 'telegram', enabled: true, lang: 'en', telegram: { chatId: '-1', botTokenSet: true }, route: { severities: [], queues: [] } })).toBe('chat -1');
  });
});
