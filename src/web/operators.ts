/**
 * The operators table below the board (GET /v1/operators, fetched every REFRESH_MS while it is shown):
 * status and for how long, where based, appeals in handling now, handled today, AHT, occupancy.
 * Columns sort by their header buttons (aria-sort); the board's filter words apply here too.
 */
import { channelLabel, formatDuration } from './format.js';
import { t } from './i18n.js';
import { initiallyOpen, rememberOpen } from './remembered.js';
import { OPERATOR_COLUMNS, operatorMatches, sortOperators, statusCounts, type OperatorColumn, type OperatorItem } from './operator-rows.js';
import type { ApiUrl } from './trends.js';

const REFRESH_MS = 10_000;
const HEADERS: ReadonlyMap<OperatorColumn, string> = new Map([
  ['id', 'Operator'],
  ['status', 'Status'],
  ['since', 'For'],
  ['queue', 'Based on'],
  ['handling', 'Handling now'],
  ['handledToday', 'Handled today'],
  ['ahtSec', 'AHT today'],
  ['occupancyPct', 'Occupancy today'],
]);
const NUMERIC: ReadonlySet<OperatorColumn> = new Set(['since', 'handling', 'handledToday', 'ahtSec', 'occupancyPct']);

export class OperatorsView {
  private readonly tbody: HTMLTableSectionElement;
  private readonly counts: HTMLElement;
  private readonly status: HTMLElement;
  private readonly toggle: HTMLButtonElement;
  private readonly wrap: HTMLElement;
  private items: OperatorItem[] = [];
  private serverNow = 0;
  private sortBy: OperatorColumn = 'status';
  private descending = false;
  private words: string[] = [];
  private open: boolean;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly url: ApiUrl,
  ) {
    this.tbody = root.querySelector('tbody')!;
    this.counts = root.querySelector<HTMLElement>('.operators-counts')!;
    this.status = root.querySelector<HTMLElement>('.operators-status')!;
    this.toggle = root.querySelector<HTMLButtonElement>('#operators-toggle')!;
    this.wrap = root.querySelector<HTMLElement>('#operators-table')!;
    const head = root.querySelector('thead tr')!;
    head.replaceChildren(
      ...OPERATOR_COLUMNS.map((c) => {
        const th = document.createElement('th');
        th.scope = 'col';
        th.dataset.col = c;
        if (NUMERIC.has(c)) th.className = 'num';
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = t(HEADERS.get(c)!);
        b.addEventListener('click', () => this.sort(c));
        th.append(b);
        return th;
      }),
    );
    this.toggle.addEventListener('click', () => this.setOpen(!this.open));
    this.open = initiallyOpen('operators', 'ccpulse.operators');
    this.setOpen(this.open);
  }

  setOpen(open: boolean): void {
    this.open = open;
    this.wrap.hidden = !open;
    this.toggle.setAttribute('aria-expanded', String(open));
    this.toggle.textContent = open ? t('Hide table') : t('Show table');
    rememberOpen('ccpulse.operators', open);
    if (open && this.timer) void this.refresh();
  }

  start(): void {
    if (this.timer) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
  }

  /** The board's filter words: the table shows the operators matching them all. */
  filter(text: string): void {
    this.words = text.toLowerCase().split(/\s+/).filter((t) => t !== '');
    this.render();
  }

  async refresh(): Promise<void> {
    if (!this.open) return;
    try {
      const res = await fetch(this.url('v1/operators'), { headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = (await res.json()) as { at: string; items: OperatorItem[] };
      this.items = body.items;
      this.serverNow = Date.parse(body.at);
      this.status.textContent = '';
      this.render();
    } catch (err) {
      this.status.textContent = t('Operators unavailable: {why}', { why: (err as Error).message });
    }
  }

  private sort(c: OperatorColumn): void {
    this.descending = this.sortBy === c ? !this.descending : NUMERIC.has(c) && c !== 'since';
    this.sortBy = c;
    this.render();
  }

  private render(): void {
    for (const th of this.root.querySelectorAll<HTMLElement>('thead th')) {
      const on = th.dataset.col === this.sortBy;
      th.setAttribute('aria-sort', on ? (this.descending ? 'descending' : 'ascending') : 'none');
    }
    const shown = sortOperators(this.items.filter((o) => operatorMatches(o, this.words, channelLabel)), this.sortBy, this.descending);
    this.counts.textContent = statusCounts(this.items).map(([s, n]) => `${n} ${t(s)}`).join(' · ');
    this.root.dataset.count = String(shown.length);
    const rows = shown.map((o) => {
      const tr = document.createElement('tr');
      tr.dataset.operator = o.id;
      tr.dataset.status = o.status ?? '';
      const since = o.since === null ? null : Math.max(0, (this.serverNow - Date.parse(o.since)) / 1000);
      const cells: Array<[string, string]> = [
        [o.id, ''],
        [o.status === null ? '—' : t(o.status), 'status'],
        [since === null ? '—' : formatDuration(since), 'num'],
        [o.queue === null ? '—' : `${o.queue} · ${channelLabel(o.channel ?? '')}`, ''],
        [String(o.handling), 'num'],
        [String(o.handledToday), 'num'],
        [o.ahtSec === null ? '—' : formatDuration(o.ahtSec), 'num'],
        [o.occupancyPct === null ? '—' : `${o.occupancyPct} %`, 'num'],
      ];
      cells.forEach(([text, cls], i) => {
        const td = document.createElement(i === 0 ? 'th' : 'td');
        if (i === 0) (td as HTMLTableCellElement).scope = 'row';
        if (cls) td.className = cls;
        td.dataset.col = OPERATOR_COLUMNS[i];
        td.textContent = text;
        tr.append(td);
      });
      return tr;
    });
    this.tbody.replaceChildren(...rows);
  }
}

