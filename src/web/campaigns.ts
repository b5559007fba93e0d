/**
 * Outbound campaigns above the operators (GET /v1/campaigns, every REFRESH_MS): each registered
 * campaign's progress against its list, the last 15 minutes' drop rate against its cap, and when it
 * finishes at that pace against its deadline. Hidden while there is none.
 */
import { formatClock, formatCount } from './format.js';
import { t } from './i18n.js';
import type { ApiUrl } from './trends.js';

const REFRESH_MS = 10_000;

export interface CampaignItem {
  id: string;
  queue?: string;
  listSize: number;
  deadline: string;
  dropCapPct: number;
  answerRate?: number;
  progress: { answered: number; answeredLast15m: number; droppedLast15m: number; dropPctLast15m: number | null };
  finish: { remaining: number; eta: string | null; onTime: boolean } | null;
}

/** The row's figures in words (pure): progress against the list, drops against the cap, finish against the deadline. */
/** A time the campaign panel names: the clock, with the day too when it is not within the next 20 hours. */
function when(t: number, now: number): string {
  const clock = formatClock(new Date(t)).slice(0, 5);
  if (Math.abs(t - now) < 20 * 3_600_000) return clock;
  const d = new Date(t);
  return `${String(d.getUTCDate()).padStart(2, '0')}.${String(d.getUTCMonth() + 1).padStart(2, '0')} ${clock}`;
}

export function campaignLine(c: CampaignItem, now = Date.now()): { progress: string; progressPct: number | null; drops: string; overCap: boolean; finish: string; late: boolean } {
  const target = c.answerRate !== undefined ? Math.round(c.listSize * c.answerRate) : null;
  const progressPct = target ? Math.min(100, Math.round((100 * c.progress.answered) / target)) : null;
  const progress = target ? t('{n} of {m} answered', { n: formatCount(c.progress.answered), m: formatCount(target) }) : t('{n} answered', { n: formatCount(c.progress.answered) });
  const d = c.progress.dropPctLast15m;
  const drops = d === null ? t('no calls in 15 min') : t('{pct} % dropped (cap {cap} %)', { pct: d, cap: c.dropCapPct });
  const overCap = d !== null && d > c.dropCapPct;
  let finish = t('no answer rate: no finish forecast');
  let late = false;
  if (c.finish) {
    const deadline = when(Date.parse(c.deadline), now);
    if (c.finish.remaining === 0) finish = t('done');
    else if (c.finish.eta === null) {
      finish = t('nothing answered lately (deadline {d})', { d: deadline });
      late = true;
    } else {
      finish = t('finishes ~{eta} (deadline {d})', { eta: when(Date.parse(c.finish.eta), now), d: deadline });
      late = !c.finish.onTime;
    }
  }
  return { progress, progressPct, drops, overCap, finish, late };
}

export class CampaignsView {
  private readonly list: HTMLElement;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly url: ApiUrl,
  ) {
    this.list = root.querySelector<HTMLElement>('.campaign-list')!;
  }

  start(): void {
    if (this.timer) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
  }

  async refresh(): Promise<void> {
    try {
      const res = await fetch(this.url('v1/campaigns'), { headers: { accept: 'application/json' } });
      if (!res.ok) return;
      this.render(((await res.json()) as { items: CampaignItem[] }).items);
    } catch {
      /* a courtesy panel: the stream's state shows a server that is away */
    }
  }

  private render(items: CampaignItem[]): void {
    this.root.hidden = items.length === 0;
    this.root.dataset.count = String(items.length);
    this.list.replaceChildren(
      ...items.map((c) => {
        const l = campaignLine(c);
        const li = document.createElement('li');
        li.className = 'campaign';
        li.dataset.campaign = c.id;
        li.dataset.late = String(l.late);
        li.dataset.overCap = String(l.overCap);
        const name = document.createElement('strong');
        name.textContent = c.queue ? `${c.id} · ${c.queue}` : c.id;
        const bar = document.createElement('div');
        bar.className = 'campaign-bar';
        bar.setAttribute('role', 'progressbar');
        bar.setAttribute('aria-label', l.progress);
        if (l.progressPct !== null) {
          bar.setAttribute('aria-valuenow', String(l.progressPct));
          bar.setAttribute('aria-valuemin', '0');
          bar.setAttribute('aria-valuemax', '100');
          bar.style.setProperty('--done', `${l.progressPct}%`);
        }
        const cells = [l.progress, l.drops, l.finish].map((text, i) => {
          const s = document.createElement('span');
          s.className = ['c-progress', `c-drops${l.overCap ? ' bad' : ''}`, `c-finish${l.late ? ' bad' : ''}`][i];
          s.textContent = text;
          return s;
        });
        li.append(name, bar, ...cells);
        return li;
      }),
    );
  }
}
