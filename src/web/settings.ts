/**
 * The settings editor (GET/PUT /v1/settings): a dialog from the header's Settings button (key ","), one
 * row for the default, each channel and each queue, a field per setting that applies. A blank field
 * keeps what the config file says (shown greyed in it). Saving sends the whole document at the version
 * read; the server applies it at once, and the tiles show the new targets as the stream brings them.
 */
import { channelLabel, formatDateTime } from './format.js';
import { t } from './i18n.js';
import { messageOf, reason } from './http.js';
import { FIELDS, fieldOfPath, rowKey, settingsFromForm, settingsRows, teamLines, teamOfPath, teamRows, type Field, type FormValues, type Row, type SettingsView, type TeamRow } from './settings-form.js';
import type { ApiUrl } from './trends.js';

const LABELS: ReadonlyMap<Field, { head: string; unit: string; min: number; max: number; step: string }> = new Map([
  ['slTargetPct', { head: 'SL target', unit: '%', min: 1, max: 99.9, step: '0.1' }],
  ['targetSec', { head: 'SL threshold', unit: 's', min: 1, max: 604_800, step: '1' }],
  ['shortAbandonSec', { head: 'Short abandon', unit: 's', min: 0, max: 3600, step: '1' }],
  ['longWaitSec', { head: 'Long-wait alarm', unit: 's', min: 1, max: 604_800, step: '1' }],
  ['abandonPct', { head: 'Abandon alarm', unit: '%', min: 0, max: 100, step: '0.1' }],
  ['chats', { head: 'Chats at once', unit: '', min: 1, max: 20, step: '1' }],
]);
const FALLBACK_WORDS: ReadonlyMap<string, string> = new Map([
  ['default', 'as default'],
  ['channel', 'as channel'],
  ['measured', 'measured'],
]);

export class SettingsDialog {
  private view: SettingsView | null = null;
  private rows: Row[] = [];
  private readonly body: HTMLTableSectionElement;
  private readonly status: HTMLElement;
  private readonly saveButton: HTMLButtonElement;
  private readonly inputs = new Map<string, HTMLInputElement>();
  private readonly teamsList: HTMLElement;

  constructor(
    private readonly dialog: HTMLDialogElement,
    private readonly url: ApiUrl,
    private readonly boardNames: () => { queues: Iterable<string>; channels: Iterable<string> },
  ) {
    this.body = dialog.querySelector('tbody')!;
    this.status = dialog.querySelector<HTMLElement>('.settings-status')!;
    this.saveButton = dialog.querySelector<HTMLButtonElement>('#settings-save')!;
    this.teamsList = dialog.querySelector<HTMLElement>('#teams-list')!;
    dialog.querySelector('#team-add')!.addEventListener('click', () => this.addTeam({ name: '', operators: '' }).querySelector('input')!.focus());
    const head = dialog.querySelector('thead tr')!;
    head.replaceChildren(th('', 'col'), ...FIELDS.map((f) => th(`${t(LABELS.get(f)!.head)}${LABELS.get(f)!.unit ? `, ${LABELS.get(f)!.unit}` : ''}`, 'col')));
    dialog.querySelector('form')!.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.save();
    });
    dialog.querySelector('#settings-close')!.addEventListener('click', () => dialog.close());
  }

  async open(): Promise<void> {
    if (!this.dialog.open) this.dialog.showModal();
    await this.load();
  }

  private async load(note = ''): Promise<void> {
    this.say(t('Loading…'));
    try {
      const res = await fetch(this.url('v1/settings'), { headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(await messageOf(res));
      this.view = (await res.json()) as SettingsView;
      this.rows = settingsRows(this.view, this.boardNames());
      this.render();
      const saved = this.view.updatedAt ? t('Last saved {at}', { at: formatDateTime(new Date(this.view.updatedAt)) }) : t('Nothing saved yet: the config file\'s settings are in effect.');
      this.say(note ? `${note} ${saved}` : saved);
    } catch (err) {
      this.say(t('Could not read the settings: {why}', { why: reason(err) }), true);
    }
  }

  private render(): void {
    this.inputs.clear();
    const trs = this.rows.map((r) => {
      const tr = document.createElement('tr');
      tr.dataset.kind = r.kind;
      tr.dataset.name = r.name;
      const name = r.kind === 'default' ? t('All queues (default)') : r.kind === 'channel' ? channelLabel(r.name) : r.name;
      const head = th(name, 'row');
      if (r.kind === 'queue') head.title = t('A queue\'s own SL threshold applies to all its channels');
      tr.append(head);
      for (const f of FIELDS) {
        const td = document.createElement('td');
        const cell = r.fields.get(f);
        if (cell) {
          const l = LABELS.get(f)!;
          const input = document.createElement('input');
          input.type = 'number';
          input.inputMode = 'decimal';
          input.min = String(l.min);
          input.max = String(l.max);
          input.step = l.step;
          input.value = cell.value;
          input.placeholder = FALLBACK_WORDS.has(cell.fallback) ? t(FALLBACK_WORDS.get(cell.fallback)!) : cell.fallback;
          input.dataset.field = f;
          input.setAttribute('aria-label', `${name}: ${t(l.head)}${l.unit ? `, ${l.unit}` : ''}`);
          input.addEventListener('input', () => input.removeAttribute('aria-invalid'));
          this.inputs.set(`${rowKey(r.kind, r.name)}\u0002${f}`, input);
          td.append(input);
        }
        tr.append(td);
      }
      return tr;
    });
    this.body.replaceChildren(...trs);
    this.teamsList.replaceChildren();
    for (const team of teamRows(this.view!)) this.addTeam(team);
  }

  /** A team's row: its name, and its operators one per line. */
  private addTeam(team: TeamRow): HTMLElement {
    const row = document.createElement('div');
    row.className = 'team-row';
    row.dataset.team = team.name;
    const name = document.createElement('input');
    name.type = 'text';
    name.className = 'team-name';
    name.value = team.name;
    name.maxLength = 200;
    const ops = document.createElement('textarea');
    ops.className = 'team-ops';
    ops.rows = 4;
    ops.value = team.operators;
    ops.spellcheck = false;
    for (const el of [name, ops]) el.addEventListener('input', () => el.removeAttribute('aria-invalid'));
    const label = (text: string, field: HTMLElement) => {
      const l = document.createElement('label');
      l.append(text, field);
      return l;
    };
    row.append(label(t('Team name'), name), label(t('Operators, one per line'), ops));
    this.teamsList.append(row);
    return row;
  }

  private teams(): TeamRow[] {
    return [...this.teamsList.querySelectorAll<HTMLElement>('.team-row')].map((r) => ({
      name: r.querySelector<HTMLInputElement>('.team-name')!.value,
      operators: r.querySelector<HTMLTextAreaElement>('.team-ops')!.value,
    }));
  }

  /** The row of a team named so (trimmed, as saved), for marking a fault. */
  private teamRow(name: string): HTMLElement | undefined {
    return [...this.teamsList.querySelectorAll<HTMLElement>('.team-row')].find((r) => r.querySelector<HTMLInputElement>('.team-name')!.value.trim() === name);
  }

  private form(): FormValues {
    const out: FormValues = new Map();
    for (const r of this.rows) {
      const v = new Map<Field, number | undefined>();
      for (const f of r.fields.keys()) {
        const raw = this.inputs.get(`${rowKey(r.kind, r.name)}\u0002${f}`)?.value.trim() ?? '';
        v.set(f, raw === '' ? undefined : Number(raw));
      }
      out.set(rowKey(r.kind, r.name), v);
    }
    return out;
  }

  private async save(): Promise<void> {
    if (!this.view) return;
    const teams = this.teams();
    const sentLines = teamLines(teams);
    const settings = settingsFromForm(this.view, this.rows, this.form(), teams);
    this.saveButton.disabled = true;
    this.say(t('Saving…'));
    try {
      const res = await fetch(this.url('v1/settings'), {
        method: 'PUT',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ version: this.view.version, settings }),
      });
      if (res.status === 409) {
        await this.load(t('Someone saved these settings since you opened them: shown again as they are now; make your change again.'));
        return;
      }
      if (res.status === 400) {
        const body = (await res.json()) as { error?: { message?: string; details?: Array<{ path: string; message: string }> } };
        const lines: string[] = [];
        for (const d of body.error?.details ?? []) {
          const at = fieldOfPath(d.path);
          const input = at ? this.inputs.get(`${rowKey(at.kind, at.name)}\u0002${at.field}`) : undefined;
          input?.setAttribute('aria-invalid', 'true');
          const team = input ? null : teamOfPath(d.path);
          if (team) {
            // the row and line it was typed on (blank lines are not sent, rows of one name are one team)
            const at = team.index === undefined ? undefined : sentLines.get(`${team.team}\u0001${team.index}`);
            const row = at ? this.teamsList.querySelectorAll<HTMLElement>('.team-row')[at.row] : this.teamRow(team.team);
            row?.querySelector(team.index !== undefined ? '.team-ops' : '.team-name')?.setAttribute('aria-invalid', 'true');
            lines.push(at ? t('Team {name}, line {line}: {why}', { name: team.team, line: at.line, why: d.message }) : t('Team {name}: {why}', { name: team.team, why: d.message }));
          } else lines.push(input ? `${input.getAttribute('aria-label')}: ${d.message}` : d.path ? `${d.path}: ${d.message}` : d.message);
        }
        this.say(t('Not saved: {why}', { why: lines.join('; ') || body.error?.message || 'HTTP 400' }), true);
        this.dialog.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
        return;
      }
      if (!res.ok) throw new Error(await messageOf(res));
      this.view = (await res.json()) as SettingsView;
      this.rows = settingsRows(this.view, this.boardNames());
      this.render();
      this.say(t('Saved: in effect now.'));
    } catch (err) {
      this.say(t('Not saved: {why}', { why: reason(err) }), true);
    } finally {
      this.saveButton.disabled = false;
    }
  }

  private say(text: string, error = false): void {
    this.status.textContent = text;
    this.status.classList.toggle('error', error);
  }
}

function th(text: string, scope: 'row' | 'col'): HTMLTableCellElement {
  const el = document.createElement('th');
  el.scope = scope;
  el.textContent = text;
  return el;
}

