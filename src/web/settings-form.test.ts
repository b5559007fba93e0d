import { describe, expect, it } from 'vitest';
import { fieldOfPath, rowKey, settingsFromForm, settingsRows, teamLines, teamOfPath, teamRows, teamsFromRows, type Field, type FormValues, type SettingsView } from './settings-form.js';

const pol = (targetSec: number, shortAbandonSec = 5, abandonsCount = true) => ({ targetSec, shortAbandonSec, abandonsCount });
const configured = {
  sl: { default: pol(20), queues: { vip: pol(10, 3) }, channels: { email: pol(3600, 0, false) } },
  slTargetPct: { default: 80, vip: 95 },
  thresholds: { default: { longWaitSec: 120, abandonPct: 10, maxOccupancy: 0.9 } },
  chatConcurrency: {},
};
const view = (settings: SettingsView['settings']): SettingsView => ({ version: 1, updatedAt: null, settings, effective: configured, configured });
const form = (entries: Array<[string, string, Partial<Record<Field, number>>]>): FormValues =>
  new Map(entries.map(([kind, name, v]) => [rowKey(kind as 'queue', name), new Map(Object.entries(v) as Array<[Field, number]>)]));

describe('the settings editor\'s rows', () => {
  it('shows the default, each channel and each queue with the fields that apply, saved values filled and blanks explained', () => {
    const rows = settingsRows(view({ slTargetPct: { billing: 90 }, sl: { queues: { old: pol(30) } } }), { queues: ['billing', 'vip', 'default'], channels: ['voice', 'webchat'] });
    expect(rows.map((r) => `${r.kind}:${r.name}`)).toEqual(['default:', 'channel:email', 'channel:voice', 'channel:webchat', 'queue:billing', 'queue:old', 'queue:vip']);
    expect([...rows[0].fields.keys()]).toEqual(['slTargetPct', 'targetSec', 'shortAbandonSec', 'longWaitSec', 'abandonPct']);
    expect(rows[1].fields.get('targetSec')).toEqual({ value: '', fallback: '3600' });
    expect(rows[2].fields.has('chats')).toBe(false); // voice: one at a time
    expect(rows[3].fields.get('chats')).toEqual({ value: '', fallback: 'measured' });
    expect(rows[4].fields.get('slTargetPct')).toEqual({ value: '90', fallback: 'default' });
    expect(rows[4].fields.get('targetSec')).toEqual({ value: '', fallback: 'channel' });
    expect(rows[5].fields.get('targetSec')).toEqual({ value: '30', fallback: 'channel' });
    expect(rows[6].fields.get('targetSec')).toEqual({ value: '', fallback: '10' });
  });
});

describe('the document a save sends', () => {
  it('replaces the shown rows\' entries, completes a policy given in part from the one it replaces, and keeps what is not shown', () => {
    const v = view({ slTargetPct: { hidden: 70, billing: 90 }, thresholds: { billing: { forecastDeviation: 0.3, longWaitSec: 50 } } });
    const rows = settingsRows(v, { queues: ['billing', 'vip'], channels: ['webchat'] });
    const doc = settingsFromForm(v, rows, form([
      ['default', '', { slTargetPct: 85 }],
      ['channel', 'email', { targetSec: 1800 }],
      ['channel', 'webchat', { chats: 3 }],
      ['queue', 'billing', { targetSec: 30, abandonPct: 4 }],
      ['queue', 'vip', { shortAbandonSec: 5 }],
      ['queue', 'hidden', { slTargetPct: 70 }], // a queue with settings of its own is shown even when not on the board
    ]));
    expect(doc).toEqual({
      sl: { queues: { billing: pol(30, 5), vip: pol(10, 5) }, channels: { email: pol(1800, 0, false) } },
      slTargetPct: { hidden: 70, default: 85 },
      thresholds: { billing: { forecastDeviation: 0.3, abandonPct: 4 } },
      chatConcurrency: { webchat: 3 },
    });
  });

  it('a blank form saves nothing but the fields the form does not show', () => {
    const v = view({ slTargetPct: { billing: 90 }, thresholds: { billing: { longWaitSec: 60, stuckMinSec: 900 } }, sl: { default: pol(15) } });
    expect(settingsFromForm(v, settingsRows(v, { queues: ['billing'], channels: [] }), new Map())).toEqual({ thresholds: { billing: { stuckMinSec: 900 } } });
  });

  it('takes names as data: a queue called __proto__ is a queue', () => {
    const v = view(JSON.parse('{"slTargetPct":{"__proto__":97}}'));
    const rows = settingsRows(v, { queues: ['constructor'], channels: [] });
    const queues = rows.filter((r) => r.kind === 'queue');
    expect(queues.map((r) => r.name)).toEqual(['__proto__', 'constructor']);
    expect(queues[0].fields.get('slTargetPct')?.value).toBe('97');
    const doc = settingsFromForm(v, rows, form([['queue', '__proto__', { slTargetPct: 96 }], ['queue', 'constructor', { targetSec: 30 }]]));
    expect(JSON.stringify(doc)).toBe('{"sl":{"queues":{"constructor":{"targetSec":30,"shortAbandonSec":5,"abandonsCount":true}}},"slTargetPct":{"__proto__":96}}');
  });
});

describe('fieldOfPath', () => {
  it('finds the field a server error names', () => {
    expect(fieldOfPath('/settings/sl/queues/a~1b/targetSec')).toEqual({ kind: 'queue', name: 'a/b', field: 'targetSec' });
    expect(fieldOfPath('/settings/sl/default/shortAbandonSec')).toEqual({ kind: 'default', name: '', field: 'shortAbandonSec' });
    expect(fieldOfPath('/settings/slTargetPct/default')).toEqual({ kind: 'default', name: '', field: 'slTargetPct' });
    expect(fieldOfPath('/settings/thresholds/billing/abandonPct')).toEqual({ kind: 'queue', name: 'billing', field: 'abandonPct' });
    expect(fieldOfPath('/settings/chatConcurrency/webchat')).toEqual({ kind: 'channel', name: 'webchat', field: 'chats' });
    expect(fieldOfPath('/version')).toBeNull();
  });
});

describe('the teams in the editor', () => {
  it('shows the saved teams by name, one operator per line, and keeps them when a save sends no team rows', () => {
    const v = view({ teams: { red: ['o1', 'o2'], blue: ['o3'] }, slTargetPct: { billing: 90 } });
    expect(teamRows(v)).toEqual([{ name: 'blue', operators: 'o3' }, { name: 'red', operators: 'o1\no2' }]);
    expect(settingsFromForm(v, settingsRows(v, { queues: ['billing'], channels: [] }), new Map()).teams).toEqual({ red: ['o1', 'o2'], blue: ['o3'] });
  });

  it('saves the rows as teams: trimmed, blank lines dropped, a nameless or empty row left out, two rows of one name merged', () => {
    const rows = [
      { name: ' red ', operators: 'o1\r\n\n  o2  \n' },
      { name: '', operators: 'o9' },
      { name: 'gone', operators: '  \n' },
      { name: 'red', operators: 'o5' },
    ];
    expect(teamsFromRows(rows)).toEqual({ red: ['o1', 'o2', 'o5'] });
    expect(teamsFromRows([{ name: '', operators: '' }])).toBeUndefined();
    const v = view({ teams: { red: ['o1'] } });
    expect(settingsFromForm(v, [], new Map(), [{ name: 'red', operators: '' }])).toEqual({});
  });

  it('takes team names as data and finds the line a server error names', () => {
    const teams = teamsFromRows([{ name: '__proto__', operators: 'a' }, { name: 'constructor', operators: 'b' }]);
    expect(JSON.stringify(teams)).toBe('{"__proto__":["a"],"constructor":["b"]}');
    expect(teamOfPath('/settings/teams/a~1b/2')).toEqual({ team: 'a/b', index: 2 });
    // the third operator sent for red is typed on line 5 of the second red row
    const lines = teamLines([{ name: 'red', operators: 'o1\n\n  ' }, { name: ' blue', operators: 'x' }, { name: 'red ', operators: '\no2\n \n\no1' }]);
    expect(lines.get('red\u00012')).toEqual({ row: 2, line: 5 });
    expect(lines.get('blue\u00010')).toEqual({ row: 1, line: 1 });
    expect(teamOfPath('/settings/teams/red')).toEqual({ team: 'red' });
    expect(teamOfPath('/settings/slTargetPct/red')).toBeNull();
  });
});
