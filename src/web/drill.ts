/**
 * The appeals behind a number of a report (GET /v1/appeals): each with its outcome, wait and handle
 * time, and its events in order; more pages on demand.
 */
import { channelLabel, formatClock, formatDuration } from './format.js';
import { t } from './i18n.js';
import { drillParams } from './report-query.js';

type ApiUrl = (path: string, params?: Record<string, string>) => string;

interface AppealItem {
  appealId: string;
  segment: number;
  queue: string;
  channel: string;
  operators: string[];
  /** How the appeal stands: answered, abandoned, open… */
  state: string;
  waitSec: number | null;
  handleSec: number | null;
  /** Its SL verdict under the queue's policy ('within', 'outside'), null when it does not count. */
  sl: string | null;
  events: Array<{ type: string; ts: string; operatorId?: string | null }>;
}

const COLUMN_TITLES: ReadonlyMap<string, string> = new Map([
  ['offered', 'Offered'],
  ['aa', 'Answered'],
  ['ha', 'Handled'],
  ['missed', 'Abandoned'],
  ['slPct', 'Outside SL'],
  ['abandonPct', 'Abandoned'],
  ['awtSec', 'Answered, with their waits'],
  ['waitP50Sec', 'Answered, with their waits'],
  ['waitP90Sec', 'Answered, with their waits'],
  ['waitP95Sec', 'Answered, with their waits'],
  ['ahtSec', 'Handled, with their handling times'],
  ['longestWaitSec', 'The longest waits'],
  ['qa', 'Open at the end'],
]);

const STATE_LABELS: ReadonlyMap<string, string> = new Map([
  ['closed', 'closed'],
  ['missed', 'abandoned'],
  ['expired', 'expired (no event for too long)'],
  ['inHandling', 'in handling'],
  ['waiting', 'waiting'],
]);
const SL_LABELS: ReadonlyMap<string, string> = new Map([
  ['within', 'within SL'],
  ['outside', 'outside SL'],
  ['excluded', 'not counted in SL'],
]);

export class DrillView {
  private readonly list: HTMLOListElement;
  private readonly status: HTMLElement;
  private readonly title: HTMLElement;
  private readonly more: HTMLButtonElement;
  private params: Record<string, string> = {};
  private next: string | null = null;
  private ticket = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly url: ApiUrl,
  ) {
    this.list = root.querySelector('.drill-list')!;
    this.status = root.querySelector<HTMLElement>('.drill-status')!;
    this.title = root.querySelector<HTMLElement>('#drill-title')!;
    this.more = root.querySelector<HTMLButtonElement>('#drill-more')!;
    root.querySelector('#drill-close')!.addEventListener('click', () => (root.hidden = true));
    this.more.addEventListener('click', () => void this.page());
  }

  /** Whether `column`'s `value` leads to the appeals behind it. */
  canOpen(column: string, value: unknown): boolean {
    return drillParams(column, value) !== null;
  }

  async open(column: string, value: unknown, scope: Record<string, string>): Promise<void> {
    const params = drillParams(column, value);
    if (!params) return;
    this.params = { ...scope, ...params };
    this.next = null;
    this.ticket++;
    this.list.replaceChildren();
    const where = [scope.queue, scope.channel ? channelLabel(scope.channel) : undefined, scope.operator, scope.team ? t('Team {name}', { name: scope.team }) : undefined].filter(Boolean).join(' · ');
    this.title.textContent = `${t(COLUMN_TITLES.get(column) ?? column)}${where ? ` — ${where}` : ''}`;
    this.root.hidden = false;
    this.root.scrollIntoView({ block: 'nearest' });
    await this.page();
  }

  private async page(): Promise<void> {
    const ticket = this.ticket;
    this.status.textContent = t('Loading…');
    this.more.hidden = true;
    try {
      const res = await fetch(this.url('v1/appeals', { ...this.params, ...(this.next ? { after: this.next } : {}) }), { headers: { accept: 'application/json' } });
      const body = (await res.json()) as { items?: AppealItem[]; next?: string | null; error?: { message?: string } };
      if (ticket !== this.ticket) return;
      if (!res.ok) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
      for (const a of body.items ?? []) this.list.append(this.item(a));
      this.next = body.next ?? null;
      this.more.hidden = !this.next;
      this.status.textContent = this.list.children.length ? t('{n} appeals shown', { n: this.list.children.length }) : t('No appeals');
    } catch (err) {
      if (ticket === this.ticket) this.status.textContent = t('Could not read the appeals: {why}', { why: err instanceof Error ? err.message : String(err) });
    }
  }

  private item(a: AppealItem): HTMLLIElement {
    const li = document.createElement('li');
    li.dataset.appeal = a.appealId;
    const head = document.createElement('div');
    head.className = 'drill-item-head';
    const id = document.createElement('strong');
    id.textContent = a.appealId;
    const facts = document.createElement('span');
    facts.textContent = [
      `${a.queue} · ${channelLabel(a.channel)}`,
      t(STATE_LABELS.get(a.state) ?? a.state),
      a.waitSec !== null ? `${t('wait')} ${formatDuration(a.waitSec)}` : null,
      a.handleSec !== null ? `${t('handled in')} ${formatDuration(a.handleSec)}` : null,
      a.sl ? t(SL_LABELS.get(a.sl) ?? a.sl) : null,
      a.operators.length ? a.operators.join(', ') : null,
    ]
      .filter(Boolean)
      .join(' · ');
    head.append(id, facts);
    const events = document.createElement('ol');
    events.className = 'drill-events';
    for (const e of a.events) {
      const li2 = document.createElement('li');
      const time = document.createElement('time');
      time.dateTime = e.ts;
      time.textContent = formatClock(new Date(e.ts));
      li2.append(time, ` ${e.type}${e.operatorId ? ` · ${e.operatorId}` : ''}`);
      events.append(li2);
    }
    li.append(head, events);
    return li;
  }
}
