/**
 * Trend charts of the last hours, seeded from history (GET /v1/metrics, 5-minute slots) and the
 * forecast (GET /v1/forecast): arrivals against what was expected and the hour ahead, SL against the
 * target, appeals open, abandons. For the whole center or one queue × channel (the scope box). Drawn
 * with uPlot; fetched again every REFRESH_MS, and at once when the scope changes.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { channelLabel, formatClock } from './format.js';
import { t } from './i18n.js';
import { initiallyOpen, rememberOpen } from './remembered.js';
import { expectedBySlot, total, trendData, type ForecastSlots, type TrendData, type TrendRow } from './trend-series.js';

/** How far back the charts reach. */
export const TREND_HOURS = 4;
const REFRESH_MS = 15_000;
const HEIGHT = 120;
const CENTER = '';

export type ApiUrl = (path: string, params?: Record<string, string>) => string;

interface Chart {
  key: 'arrivals' | 'sl' | 'open' | 'abandoned';
  figure: HTMLElement;
  summary: HTMLElement;
  plot: uPlot | null;
}

const css = (name: string, fallback: string): string => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

export class TrendsView {
  private readonly select: HTMLSelectElement;
  private readonly charts: Chart[];
  private readonly status: HTMLElement;
  private scopes = new Map<string, { queue: string; channel: string; targetSlPct: number }>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private loading = 0;
  private clockOffset = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly url: ApiUrl,
  ) {
    this.select = root.querySelector<HTMLSelectElement>('#trend-scope')!;
    this.status = root.querySelector<HTMLElement>('.trends-status')!;
    this.charts = (['arrivals', 'sl', 'open', 'abandoned'] as const).map((key) => {
      const figure = root.querySelector<HTMLElement>(`[data-chart="${key}"]`)!;
      return { key, figure, summary: figure.querySelector<HTMLElement>('.chart-summary')!, plot: null };
    });
    this.select.addEventListener('change', () => {
      try {
        localStorage.setItem('ccpulse.trendScope', this.select.value);
      } catch {
        /* storage may be unavailable */
      }
      void this.refresh();
    });
    if (typeof ResizeObserver === 'function') new ResizeObserver(() => this.resize()).observe(root);
    this.toggle = root.querySelector<HTMLButtonElement>('#trends-toggle')!;
    this.toggle.addEventListener('click', () => this.setOpen(!this.open));
    this.setOpen(initiallyOpen('trends', 'ccpulse.trends'));
  }

  private readonly toggle: HTMLButtonElement;
  private open = true;

  /** Shows or hides the charts (remembered; `?trends=0` starts them hidden). Hidden charts are not fetched. */
  setOpen(open: boolean): void {
    this.open = open;
    this.root.classList.toggle('collapsed', !open);
    this.root.querySelector<HTMLElement>('#trend-charts')!.hidden = !open;
    this.toggle.setAttribute('aria-expanded', String(open));
    this.toggle.textContent = open ? t('Hide charts') : t('Show charts');
    rememberOpen('ccpulse.trends', open);
    if (open && this.timer) void this.refresh();
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** The queue × channel pairs the scope box offers (the board's tiles), with their SL targets. */
  setScopes(tiles: Iterable<{ queue: string; channel: string; targets: { slPct: number } }>): void {
    const next = new Map<string, { queue: string; channel: string; targetSlPct: number }>();
    for (const t of tiles) next.set(`${t.queue}\u0000${t.channel}`, { queue: t.queue, channel: t.channel, targetSlPct: t.targets.slPct });
    const same = next.size === this.scopes.size && [...next.keys()].every((k) => this.scopes.has(k));
    this.scopes = next;
    if (same) return;
    const wanted = this.select.value || storedScope();
    const options = [new Option(t('Whole center'), CENTER)];
    for (const [key, s] of [...next].sort(([, a], [, b]) => a.queue.localeCompare(b.queue) || a.channel.localeCompare(b.channel))) {
      options.push(new Option(`${s.queue} · ${channelLabel(s.channel)}`, key));
    }
    const before = this.select.value;
    this.select.replaceChildren(...options);
    this.select.value = next.has(wanted) ? wanted : CENTER;
    // a scope restored after the charts were first drawn (the tiles come after the first refresh on a
    // reload) is drawn now, not at the next refresh a minute on: the box and the charts must agree
    if (this.select.value !== before && this.timer) void this.refresh();
  }

  /** Server time minus local time: "now" on the charts is the server's. */
  setClockOffset(ms: number): void {
    this.clockOffset = ms;
  }

  start(): void {
    if (this.timer) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
  }

  async refresh(): Promise<void> {
    if (!this.open) return;
    const ticket = ++this.loading;
    const chosen = this.select.value; // what this refresh draws, whatever the box says when it lands
    const scope = this.scopes.get(chosen) ?? null;
    const now = Date.now() + this.clockOffset;
    const from = now - TREND_HOURS * 3_600_000;
    const params: Record<string, string> = { from: String(from - (from % 300_000)), to: String(now), interval: '5m', groupBy: '' };
    if (scope) Object.assign(params, { queue: scope.queue, channel: scope.channel });
    try {
      const [metrics, forecast] = await Promise.all([getJson(this.url('v1/metrics', params)), getJson(this.url('v1/forecast')).catch(() => null)]);
      if (ticket !== this.loading) return; // a newer refresh (another scope) is on its way
      const rows = ((metrics as { rows?: TrendRow[] }).rows ?? []) as TrendRow[];
      const streams = ((forecast as { items?: ForecastSlots[] } | null)?.items ?? []) as ForecastSlots[];
      const data = trendData(rows, expectedBySlot(streams, scope?.queue ?? null, scope?.channel ?? null), from, now);
      this.draw(data, scope?.targetSlPct ?? null, now);
      this.root.dataset.scope = chosen === CENTER ? 'center' : chosen.replace('\u0000', '/');
      this.root.dataset.updatedAt = String(now);
      this.status.textContent = '';
    } catch (err) {
      if (ticket === this.loading) this.status.textContent = t('Trends unavailable: {why}', { why: (err as Error).message });
    }
  }

  private draw(d: TrendData, targetSlPct: number | null, now: number): void {
    const arrivals = total(d.arrivals);
    const expectedPast = total(d.expected.map((e, i) => (d.x[i] * 1000 <= now ? e : null)));
    const slValues = d.sl.filter((x): x is number => x !== null);
    const openNow = [...d.open].reverse().find((x) => x !== null) ?? 0;
    const abandoned = total(d.abandoned);
    const text: Record<Chart['key'], string> = {
      arrivals: t('{n} arrived in the last {h} hours', { n: arrivals, h: TREND_HOURS }) + (d.expected.some((e) => e !== null) ? t('; {n} expected', { n: Math.round(expectedPast) }) : ''),
      sl: slValues.length ? t('SL {pct} % in the last 5 minutes judged', { pct: slValues.at(-1)! }) + (targetSlPct !== null ? t(', target {pct} %', { pct: targetSlPct }) : '') : t('No appeal judged yet'),
      open: t('{n} open now', { n: openNow }),
      abandoned: t('{n} abandoned in the last {h} hours', { n: abandoned, h: TREND_HOURS }),
    };
    for (const c of this.charts) {
      c.summary.textContent = text[c.key];
      c.figure.setAttribute('aria-label', `${c.figure.querySelector('figcaption')?.textContent ?? ''}: ${text[c.key]}`);
    }
    const a = this.chart('arrivals');
    a.figure.dataset.total = String(arrivals);
    a.figure.dataset.expected = String(expectedPast);
    a.figure.dataset.ahead = String(total(d.expected.map((e, i) => (d.x[i] * 1000 > now ? e : null))));
    this.chart('sl').figure.dataset.last = slValues.length ? String(slValues.at(-1)) : '';
    this.chart('open').figure.dataset.now = String(openNow);
    this.chart('abandoned').figure.dataset.total = String(abandoned);

    const target = d.x.map(() => targetSlPct);
    this.plot('arrivals', [d.x, d.arrivals, d.expected], [
      { label: 'Arrived', stroke: css('--busy', '#5aa9ff'), fill: 'rgba(88,166,255,0.25)', paths: bars() },
      { label: 'Expected', stroke: css('--muted', '#8e9ab2'), dash: [4, 4], width: 1.5 },
    ]);
    this.plot('sl', [d.x, d.sl, target], [
      { label: 'SL %', stroke: css('--good', '#3ddc84'), width: 2, spanGaps: true },
      { label: 'Target', stroke: css('--warn', '#ffb938'), dash: [2, 4], width: 1 },
    ], { range: [0, 100] });
    this.plot('open', [d.x, d.open], [{ label: 'Open', stroke: css('--busy', '#5aa9ff'), width: 2 }]);
    this.plot('abandoned', [d.x, d.abandoned], [{ label: 'Abandoned', stroke: css('--bad', '#ff5d5d'), fill: 'rgba(248,81,73,0.25)', paths: bars() }]);
  }

  private chart(key: Chart['key']): Chart {
    return this.charts.find((c) => c.key === key)!;
  }

  private plot(key: Chart['key'], data: uPlot.AlignedData, series: uPlot.Series[], y: { range?: [number, number] } = {}): void {
    const c = this.chart(key);
    const holder = c.figure.querySelector<HTMLElement>('.chart')!;
    if (c.plot) {
      c.plot.setData(data);
      return;
    }
    const axis = css('--muted', '#8e9ab2');
    const grid = 'rgba(139,148,158,0.15)';
    c.plot = new uPlot(
      {
        width: Math.max(200, holder.clientWidth),
        height: HEIGHT,
        legend: { show: false },
        cursor: { y: false, points: { show: false } },
        scales: { x: { time: true }, y: y.range ? { range: y.range } : { range: (_u, _min, max) => [0, Math.max(4, max * 1.15)] } },
        axes: [
          // 24-hour times in the center's time zone, in either language
          { stroke: axis, grid: { stroke: grid }, ticks: { stroke: grid }, size: 28, values: (_u, splits) => splits.map((v) => hhmm(new Date(v * 1000))) },
          { stroke: axis, grid: { stroke: grid }, ticks: { stroke: grid }, size: 36 },
        ],
        series: [{}, ...series],
      },
      data,
      holder,
    );
  }

  private resize(): void {
    for (const c of this.charts) {
      const holder = c.figure.querySelector<HTMLElement>('.chart')!;
      if (c.plot && holder.clientWidth > 0 && Math.abs(c.plot.width - holder.clientWidth) > 4) c.plot.setSize({ width: holder.clientWidth, height: HEIGHT });
    }
  }
}

const hhmm = (d: Date) => formatClock(d).slice(0, 5);
const bars = () => uPlot.paths.bars!({ size: [0.8, 40], align: 1 });


function storedScope(): string {
  try {
    return localStorage.getItem('ccpulse.trendScope') ?? CENTER;
  } catch {
    return CENTER;
  }
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
  return res.json();
}
