/**
 * The settings editor's rows and fields, and the document a save sends (PUT /v1/settings), without the
 * DOM: what the page shows for each row, what each blank field falls back to, and how the form's values
 * become settings. Names come from the server: kept in Maps and own-property checks, never `obj[name]`
 * on a plain object (a queue may be called `__proto__`).
 */

export interface SlPolicy {
  targetSec: number;
  shortAbandonSec: number;
  abandonsCount: boolean;
}
export interface Thresholds {
  longWaitSec?: number;
  abandonPct?: number;
  [field: string]: number | undefined;
}
export interface RuleSettings {
  sl: { default: SlPolicy; queues: Record<string, SlPolicy>; channels: Record<string, SlPolicy> };
  slTargetPct: Record<string, number>;
  thresholds: Record<string, Thresholds>;
  chatConcurrency: Record<string, number>;
}
export interface TenantSettings {
  sl?: { default?: SlPolicy; queues?: Record<string, SlPolicy>; channels?: Record<string, SlPolicy> };
  slTargetPct?: Record<string, number>;
  thresholds?: Record<string, Thresholds>;
  chatConcurrency?: Record<string, number>;
  teams?: Record<string, string[]>;
}
export interface SettingsView {
  version: number;
  updatedAt: string | null;
  settings: TenantSettings;
  effective: RuleSettings;
  configured: RuleSettings;
}

export type Field = 'slTargetPct' | 'targetSec' | 'shortAbandonSec' | 'longWaitSec' | 'abandonPct' | 'chats';
export const FIELDS: readonly Field[] = ['slTargetPct', 'targetSec', 'shortAbandonSec', 'longWaitSec', 'abandonPct', 'chats'];
export type RowKind = 'default' | 'channel' | 'queue';

export interface Row {
  kind: RowKind;
  /** The queue's or channel's name; '' for the default row. */
  name: string;
  /** Per field this row has: the saved value ('' when none), and what a blank means (a number, or a word). */
  fields: Map<Field, { value: string; fallback: string }>;
}

/** Channels an operator serves one at a time: no chat concurrency to set. */
const ONE_AT_A_TIME = new Set(['voice', 'email']);

const own = <T>(o: Record<string, T> | undefined, k: string): T | undefined => (o && Object.hasOwn(o, k) ? o[k] : undefined);
const text = (v: number | undefined) => (v === undefined ? '' : String(v));

/**
 * The editor's rows: the default, each channel and each queue (those on the board, and those with
 * settings of their own), each with the fields that apply to it.
 */
export function settingsRows(view: SettingsView, board: { queues: Iterable<string>; channels: Iterable<string> }): Row[] {
  const { settings: s, configured: c } = view;
  const names = (...lists: Array<Iterable<string>>) => [...new Set(lists.flatMap((l) => [...l]))].sort((a, b) => a.localeCompare(b));
  const defaultPct = own(c.slTargetPct, 'default') ?? 80;
  const defaultThresholds = own(c.thresholds, 'default') ?? {};
  const rows: Row[] = [];

  rows.push({
    kind: 'default',
    name: '',
    fields: new Map([
      ['slTargetPct', { value: text(own(s.slTargetPct, 'default')), fallback: String(defaultPct) }],
      ['targetSec', { value: text(s.sl?.default?.targetSec), fallback: String(c.sl.default.targetSec) }],
      ['shortAbandonSec', { value: text(s.sl?.default?.shortAbandonSec), fallback: String(c.sl.default.shortAbandonSec) }],
      ['longWaitSec', { value: text(own(s.thresholds, 'default')?.longWaitSec), fallback: text(defaultThresholds.longWaitSec ?? 120) }],
      ['abandonPct', { value: text(own(s.thresholds, 'default')?.abandonPct), fallback: text(defaultThresholds.abandonPct ?? 10) }],
    ]),
  });

  const channelNames = names(board.channels, Object.keys(c.sl.channels), Object.keys(s.sl?.channels ?? {}), Object.keys(s.chatConcurrency ?? {}));
  for (const ch of channelNames) {
    const saved = own(s.sl?.channels, ch);
    const conf = own(c.sl.channels, ch);
    const fields: Row['fields'] = new Map([
      ['targetSec', { value: text(saved?.targetSec), fallback: conf ? String(conf.targetSec) : 'default' }],
      ['shortAbandonSec', { value: text(saved?.shortAbandonSec), fallback: conf ? String(conf.shortAbandonSec) : 'default' }],
    ]);
    if (!ONE_AT_A_TIME.has(ch)) fields.set('chats', { value: text(own(s.chatConcurrency, ch)), fallback: text(own(c.chatConcurrency, ch)) || 'measured' });
    rows.push({ kind: 'channel', name: ch, fields });
  }

  const queueNames = names(board.queues, Object.keys(s.sl?.queues ?? {}), Object.keys(s.slTargetPct ?? {}), Object.keys(s.thresholds ?? {})).filter((q) => q !== 'default');
  for (const q of queueNames) {
    const saved = own(s.sl?.queues, q);
    const conf = own(c.sl.queues, q);
    const th = own(s.thresholds, q);
    const confTh = own(c.thresholds, q);
    rows.push({
      kind: 'queue',
      name: q,
      fields: new Map([
        ['slTargetPct', { value: text(own(s.slTargetPct, q)), fallback: text(own(c.slTargetPct, q)) || 'default' }],
        ['targetSec', { value: text(saved?.targetSec), fallback: conf ? String(conf.targetSec) : 'channel' }],
        ['shortAbandonSec', { value: text(saved?.shortAbandonSec), fallback: conf ? String(conf.shortAbandonSec) : 'channel' }],
        ['longWaitSec', { value: text(th?.longWaitSec), fallback: text(confTh?.longWaitSec) || 'default' }],
        ['abandonPct', { value: text(th?.abandonPct), fallback: text(confTh?.abandonPct) || 'default' }],
      ]),
    });
  }
  return rows;
}

/** A row's field value as typed: undefined when blank. */
export type FormValues = Map<string, Map<Field, number | undefined>>;
export const rowKey = (kind: RowKind, name: string) => `${kind}\u0001${name}`;

/**
 * The document to save: the saved settings with the shown rows' entries replaced by the form's values
 * (entries of queues not shown now are kept as they were). An SL policy needs all its parts: one given in
 * part takes the rest from the policy it replaces (the configured one of its name, else the default).
 */
export function settingsFromForm(view: SettingsView, rows: readonly Row[], form: FormValues, teams?: readonly TeamRow[]): TenantSettings {
  const s = view.settings;
  const c = view.configured;
  const copy = <T>(o: Record<string, T> | undefined) => new Map(Object.entries(o ?? {}));
  const slQueues = copy(s.sl?.queues);
  const slChannels = copy(s.sl?.channels);
  const pct = copy(s.slTargetPct);
  const thresholds = copy(s.thresholds);
  const chats = copy(s.chatConcurrency);
  let slDefault = s.sl?.default;
  const defaultPolicy = (): SlPolicy => slDefault ?? c.sl.default;

  const policyOf = (v: Map<Field, number | undefined>, base: SlPolicy): SlPolicy | undefined => {
    const targetSec = v.get('targetSec');
    const shortAbandonSec = v.get('shortAbandonSec');
    if (targetSec === undefined && shortAbandonSec === undefined) return undefined;
    return { targetSec: targetSec ?? base.targetSec, shortAbandonSec: shortAbandonSec ?? base.shortAbandonSec, abandonsCount: base.abandonsCount };
  };
  const setOrDelete = <T>(m: Map<string, T>, k: string, v: T | undefined) => (v === undefined ? m.delete(k) : m.set(k, v));
  const thresholdsOf = (k: string, v: Map<Field, number | undefined>) => {
    const kept: Thresholds = { ...(thresholds.get(k) ?? {}) };
    delete kept.longWaitSec;
    delete kept.abandonPct;
    const longWaitSec = v.get('longWaitSec');
    const abandonPct = v.get('abandonPct');
    if (longWaitSec !== undefined) kept.longWaitSec = longWaitSec;
    if (abandonPct !== undefined) kept.abandonPct = abandonPct;
    setOrDelete(thresholds, k, Object.keys(kept).length ? kept : undefined);
  };

  // the default row first: the others' partial policies fall back on it
  for (const r of rows.filter((x) => x.kind === 'default')) {
    const v = form.get(rowKey(r.kind, r.name)) ?? new Map();
    slDefault = policyOf(v, c.sl.default);
    setOrDelete(pct, 'default', v.get('slTargetPct'));
    thresholdsOf('default', v);
  }
  for (const r of rows) {
    const v = form.get(rowKey(r.kind, r.name)) ?? new Map();
    if (r.kind === 'channel') {
      setOrDelete(slChannels, r.name, policyOf(v, own(c.sl.channels, r.name) ?? defaultPolicy()));
      if (r.fields.has('chats')) setOrDelete(chats, r.name, v.get('chats'));
    } else if (r.kind === 'queue') {
      setOrDelete(slQueues, r.name, policyOf(v, own(c.sl.queues, r.name) ?? defaultPolicy()));
      setOrDelete(pct, r.name, v.get('slTargetPct'));
      thresholdsOf(r.name, v);
    }
  }
  const obj = <T>(m: Map<string, T>) => (m.size ? (Object.fromEntries(m) as Record<string, T>) : undefined);
  const out: TenantSettings = {};
  const sl = { ...(slDefault ? { default: slDefault } : {}), ...(slQueues.size ? { queues: obj(slQueues) } : {}), ...(slChannels.size ? { channels: obj(slChannels) } : {}) };
  if (Object.keys(sl).length) out.sl = sl;
  if (pct.size) out.slTargetPct = obj(pct);
  if (thresholds.size) out.thresholds = obj(thresholds);
  if (chats.size) out.chatConcurrency = obj(chats);
  const teamsOut = teams ? teamsFromRows(teams) : s.teams;
  if (teamsOut && Object.keys(teamsOut).length) out.teams = teamsOut;
  return out;
}

/** A team as the editor shows it: its name, and its operators' ids one per line. */
export interface TeamRow {
  name: string;
  operators: string;
}

/** The saved teams as editor rows, by name. */
export function teamRows(view: SettingsView): TeamRow[] {
  return Object.entries(view.settings.teams ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, ops]) => ({ name, operators: ops.join('\n') }));
}

/**
 * The teams to save from the editor's rows: names and ids trimmed, blank lines dropped, a row without a
 * name or operators left out (that is how a team is removed). Two rows of one name are one team. What
 * else is wrong (an operator in two teams) the server names, row and line.
 */
export function teamsFromRows(rows: readonly TeamRow[]): Record<string, string[]> | undefined {
  const teams = new Map<string, string[]>();
  for (const r of rows) {
    const name = r.name.trim();
    const ops = r.operators.split(/\r?\n/).map((x) => x.trim()).filter(Boolean);
    if (!name || !ops.length) continue;
    teams.set(name, [...(teams.get(name) ?? []), ...ops]);
  }
  return teams.size ? (Object.fromEntries(teams) as Record<string, string[]>) : undefined;
}

/**
 * Where each operator teamsFromRows sends sits in the editor: by team (as sent) and place in its list,
 * the row and the line (1-based) it was typed on, so a fault the server names is shown where it is.
 */
export function teamLines(rows: readonly TeamRow[]): Map<string, { row: number; line: number }> {
  const out = new Map<string, { row: number; line: number }>();
  const count = new Map<string, number>();
  rows.forEach((r, row) => {
    const name = r.name.trim();
    if (!name) return;
    const lines = r.operators.split(/\r?\n/);
    if (!lines.some((x) => x.trim())) return;
    lines.forEach((x, i) => {
      if (!x.trim()) return;
      const at = count.get(name) ?? 0;
      count.set(name, at + 1);
      out.set(`${name}\u0001${at}`, { row, line: i + 1 });
    });
  });
  return out;
}

/** Where a server's error path (`/settings/teams/red/2`) points among the teams: the team, and the operator's place in its list when it names one (0-based). */
export function teamOfPath(path: string): { team: string; index?: number } | null {
  const parts = path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (parts[0] !== 'settings' || parts[1] !== 'teams' || parts[2] === undefined) return null;
  return /^\d+$/.test(parts[3] ?? '') ? { team: parts[2], index: Number(parts[3]) } : { team: parts[2] };
}

/** Where a server's error path (`/settings/sl/queues/billing/targetSec`) points in the form, when it does. */
export function fieldOfPath(path: string): { kind: RowKind; name: string; field: Field } | null {
  const parts = path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (parts[0] !== 'settings') return null;
  const [, section, a, b, c] = parts;
  if (section === 'sl' && a === 'default' && (b === 'targetSec' || b === 'shortAbandonSec')) return { kind: 'default', name: '', field: b };
  if (section === 'sl' && (a === 'queues' || a === 'channels') && b !== undefined && (c === 'targetSec' || c === 'shortAbandonSec')) return { kind: a === 'queues' ? 'queue' : 'channel', name: b, field: c };
  if (section === 'slTargetPct' && a !== undefined) return a === 'default' ? { kind: 'default', name: '', field: 'slTargetPct' } : { kind: 'queue', name: a, field: 'slTargetPct' };
  if (section === 'thresholds' && a !== undefined && (b === 'longWaitSec' || b === 'abandonPct')) return a === 'default' ? { kind: 'default', name: '', field: b } : { kind: 'queue', name: a, field: b };
  if (section === 'chatConcurrency' && a !== undefined) return { kind: 'channel', name: a, field: 'chats' };
  return null;
}
