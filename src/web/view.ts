/**
 * DOM for the dashboard: tiles grouped by queue, and the center header. Every write goes through a
 * cache of the last text/attribute written, so a frame touches only what actually changed.
 *
 * Test hooks: tiles are `[data-queue][data-channel]`, each number is `[data-metric=NAME]` with the
 * raw value in `data-value` ('' for null). Advice items are `.advice-item[data-id]` with `data-kind`,
 * `data-severity` and `data-state`; staffing items have a `button.whatif`, and its answer is
 * `.advice-whatif[data-status=pending|done|error]` with the line in `.whatif-line`.
 */
import type { LiveTile, MetricValues } from '../contract/api.js';
import {
  NONE,
  adviceKindLabel,
  channelLabel,
  curvePath,
  formatClock,
  formatCount,
  formatDuration,
  formatPct,
  formatSmallPct,
  isLongWait,
  severityText,
  slLevel,
  slLevelText,
  whatIfActionText,
  whatIfLine,
  type SlLevel,
} from './format.js';
import { KNOWN_CHANNELS, channelIcon, severityIcon } from './icons.js';
import { Sparkline } from './sparkline.js';
import { t as tr } from './i18n.js';
import {
  compareChannels,
  compareQueues,
  openForSec,
  severityRank,
  slCurve,
  whatIfActionOf,
  whatIfStepAt,
  WHATIF_MINUTE,
  type Advice,
  type AdviceBoard,
  type CenterTotals,
  type WhatIfAnswer,
  type WhatIfBoard,
  type WhatIfState,
  type Window,
  DEFAULT_TARGETS,
  type FeedState,
} from './state.js';

interface Cell {
  el: HTMLElement;
  text: string;
  raw: string;
}

function h<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

const UNIT_SPLIT = /(\d[\d,.]*)/;

/** Set `text` with its non-digit runs (units, separators) wrapped in `<span class="u">`. */
function setRich(el: HTMLElement, text: string): void {
  if (text === NONE || !/\d/.test(text)) {
    el.textContent = text;
    return;
  }
  const frag = document.createDocumentFragment();
  for (const part of text.split(UNIT_SPLIT)) {
    if (!part) continue;
    if (/^\d/.test(part)) frag.append(part);
    else {
      const u = document.createElement('span');
      u.className = 'u';
      u.textContent = part;
      frag.append(u);
    }
  }
  el.replaceChildren(frag);
}

function put(c: Cell, text: string, raw: number | null | undefined): void {
  if (c.text !== text) {
    setRich(c.el, text);
    c.text = text;
  }
  const r = raw === null || raw === undefined || !Number.isFinite(raw) ? '' : String(raw);
  if (c.raw !== r) {
    c.el.dataset.value = r;
    c.raw = r;
  }
}

function metric(el: HTMLElement, name: string): Cell {
  el.dataset.metric = name;
  el.dataset.value = '';
  el.textContent = NONE;
  return { el, text: NONE, raw: '' };
}

/** `<div class="kv KLASS"><dt>LABEL</dt><dd data-metric=NAME>—</dd></div>`, appended to `parent`. */
function kv(parent: HTMLElement, label: string, name: string, klass = ''): { box: HTMLElement; cell: Cell } {
  const box = h('div', `kv ${klass}`.trim());
  const dt = h('dt', undefined, label);
  const dd = h('dd');
  box.append(dt, dd);
  parent.append(box);
  return { box, cell: metric(dd, name) };
}

/** Operators in any status (offline ones are not working anywhere, and not counted). */
function totalOf(o: { ready: number; busy: number; break: number; acw: number }): number {
  return o.ready + o.busy + o.break + o.acw;
}

const flashTimers = new WeakMap<HTMLElement, ReturnType<typeof setTimeout>>();

/**
 * Mark a number that went up (amber) or down (green) for a moment. A class on, a class off: two repaints,
 * where an animated fade would repaint every frame (costly on GPU-less wall PCs at 50 updates/s).
 */
function flash(el: HTMLElement, up: boolean): void {
  el.classList.toggle('went-up', up);
  el.classList.toggle('went-down', !up);
  const prev = flashTimers.get(el);
  if (prev !== undefined) clearTimeout(prev);
  flashTimers.set(
    el,
    setTimeout(() => {
      el.classList.remove('went-up', 'went-down');
      flashTimers.delete(el);
    }, 700),
  );
}

const WINDOW_LABEL: Record<Window, string> = { last15m: tr('15 min'), last60m: tr('60 min') };

const round1 = (v: number | null | undefined): number | null =>
  v === null || v === undefined || !Number.isFinite(v) ? null : Math.round(v * 10) / 10;

export class TileView {
  readonly el: HTMLElement;
  readonly queue: string;
  readonly channel: string;
  private level: SlLevel | '' = '';
  private longFlag = false;
  private idleFlag: boolean | null = null;
  private windowShown: Window | '' = '';
  private readonly slCell: Cell;
  private readonly slState: HTMLElement;
  private readonly slWin: HTMLElement;
  private readonly slFill: HTMLElement;
  /** The target's mark on the SL bar, where this tile's own target is. */
  private readonly slTarget: HTMLElement;
  private readonly feedNote: HTMLElement;
  private feedText = '';
  private readonly helping: HTMLElement;
  private readonly helpingCell: Cell;
  private targetShown: number | null = null;
  private readonly waiting: Cell;
  private readonly longest: Cell;
  private readonly longestBox: HTMLElement;
  private readonly inHandling: Cell;
  private readonly abandon: Cell;
  private readonly awt: Cell;
  private readonly aht: Cell;
  private readonly offered: Cell;
  private readonly answered: Cell;
  private readonly ready: Cell;
  private readonly busy: Cell;
  private readonly brk: Cell;
  private lastFill = '';
  private alt: AltPanel | null = null;
  private readonly lower: HTMLElement;
  private readonly spark: Sparkline;
  private lastWaiting = 0;
  private lastOpen = 0;
  private rendered = false;

  constructor(queue: string, channel: string) {
    this.queue = queue;
    this.channel = channel;
    const el = h('article', `tile ch-${KNOWN_CHANNELS.has(channel) ? channel : 'other'} entering`);
    el.dataset.queue = queue;
    el.dataset.channel = channel;
    el.tabIndex = 0;
    el.setAttribute('aria-label', `${queue} · ${channelLabel(channel)}`);
    this.el = el;

    const head = h('header', 'tile-head');
    const icon = h('span', 'ch-icon');
    icon.append(channelIcon(channel));
    // The queue is the section heading; on the tile it is only in the accessible name.
    // Right of the channel name: the trend of waiting over the last minutes.
    this.spark = new Sparkline(tr('Open appeals (waiting or in handling) in {where}, last hour', { where: `${queue} · ${channelLabel(channel)}` }));
    // Shown when this channel's feed has gone quiet (state.ts feedState): the numbers below are then old.
    this.feedNote = h('span', 'feed-note');
    this.feedNote.hidden = true;
    // the queue's name shows on the tile only in the compact view, where the queue headings are gone
    const queueName = h('span', 'tile-queue', queue);
    queueName.title = queue; // cut short with an ellipsis in the compact view's narrow tiles
    head.append(icon, queueName, h('h3', 'ch-name', channelLabel(channel)), this.feedNote, this.spark.el);

    const main = h('div', 'tile-main');
    const sl = h('div', 'sl');
    const slValue = h('div', 'sl-value');
    this.slCell = metric(slValue, 'slPct');
    const caption = h('div', 'sl-caption');
    this.slWin = h('span', 'sl-win', tr('SL 15 min'));
    this.slState = h('span', 'sl-state');
    caption.append(this.slWin, this.slState);
    const bar = h('div', 'sl-bar');
    bar.setAttribute('aria-hidden', 'true');
    this.slFill = h('span', 'sl-fill');
    this.slTarget = h('span', 'sl-target');
    bar.append(this.slFill, this.slTarget);
    sl.append(slValue, caption, bar);

    const now = h('dl', 'now');
    this.waiting = kv(now, tr('Waiting'), 'waiting', 'kv-waiting').cell;
    const lw = kv(now, tr('Longest wait'), 'longestWaitSec', 'kv-longest');
    this.longest = lw.cell;
    this.longestBox = lw.box;
    main.append(sl, now);

    const stats = h('dl', 'stats');
    this.inHandling = kv(stats, tr('In handling'), 'inHandling').cell;
    this.abandon = kv(stats, tr('Abandon'), 'abandonPct').cell;
    this.awt = kv(stats, tr('AWT'), 'awtSec').cell;
    const offered = kv(stats, tr('Offered'), 'offered');
    offered.box.title = tr('Appeals that came into the queue in this window');
    this.offered = offered.cell;
    const answered = kv(stats, tr('Answered'), 'answered');
    // counted by when they were answered: those that came before the window and were answered in it count too
    answered.box.title = tr('Appeals answered in this window, including some that came before it: it can be more than Offered');
    this.answered = answered.cell;
    this.aht = kv(stats, tr('AHT'), 'ahtSec').cell;

    const ops = h('dl', 'ops');
    ops.setAttribute('aria-label', tr('Operators'));
    this.ready = kv(ops, tr('Ready'), 'ready', 'op-ready').cell;
    this.busy = kv(ops, tr('Busy'), 'busy', 'op-busy').cell;
    this.brk = kv(ops, tr('Break'), 'break', 'op-break').cell;
    // Operators based on other queues who handle an appeal here now: beside the counts, not in them, so
    // the tiles' counts add up to the header's (each operator is counted where they are based).
    const helping = kv(ops, tr('Helping'), 'helping', 'op-helping');
    helping.box.hidden = true;
    this.helping = helping.box;
    this.helpingCell = helping.cell;

    // Stats and operators share a box so the hover panel can cover exactly them.
    this.lower = h('div', 'lower');
    this.lower.append(stats, ops);
    el.append(head, main, this.lower);
    el.addEventListener('animationend', () => el.classList.remove('entering'), { once: true });
  }

  update(t: LiveTile, longestNow: number, window: Window): void {
    const m: MetricValues | undefined = t[window];
    if (this.windowShown !== window) {
      this.windowShown = window;
      this.el.dataset.window = window === 'last15m' ? '15m' : '60m';
      this.slWin.textContent = `SL ${WINDOW_LABEL[window]}`;
    }
    const sl = m?.slPct ?? null;
    put(this.slCell, formatPct(sl), round1(sl));
    const targets = t.targets ?? DEFAULT_TARGETS;
    const level = slLevel(sl, targets.slPct);
    if (targets.slPct !== this.targetShown) {
      this.targetShown = targets.slPct;
      this.slTarget.style.left = `${Math.max(0, Math.min(100, targets.slPct))}%`;
      this.slTarget.title = tr('target {pct} % within {d}', { pct: targets.slPct, d: formatDuration(targets.slSec) });
      this.slState.title = this.slTarget.title;
    }
    if (level !== this.level) {
      if (this.level) this.el.classList.remove(`sl-${this.level}`);
      this.el.classList.add(`sl-${level}`);
      this.level = level;
      this.slState.textContent = slLevelText(level);
    }
    const fill = sl === null ? '0' : String(Math.max(0, Math.min(100, sl)) / 100);
    if (fill !== this.lastFill) {
      this.slFill.style.transform = `scaleX(${fill})`;
      this.lastFill = fill;
    }

    if (this.rendered && t.waiting !== this.lastWaiting) flash(this.waiting.el, t.waiting > this.lastWaiting);
    put(this.waiting, formatCount(t.waiting), t.waiting);
    this.lastWaiting = t.waiting;
    this.lastOpen = t.qa;
    this.rendered = true;
    const lw = t.waiting > 0 ? longestNow : 0;
    put(this.longest, t.waiting > 0 ? formatDuration(lw) : NONE, Math.round(lw));
    const long = isLongWait(lw, targets.longWaitSec);
    if (long !== this.longFlag) {
      this.longFlag = long;
      this.longestBox.classList.toggle('alert', long);
      this.el.classList.toggle('long-wait', long);
    }
    put(this.inHandling, formatCount(t.inHandling), t.inHandling);

    put(this.abandon, formatSmallPct(m?.abandonPct), round1(m?.abandonPct));
    put(this.awt, formatDuration(m?.awtSec), round1(m?.awtSec));
    put(this.aht, formatDuration(m?.ahtSec), round1(m?.ahtSec));
    put(this.offered, formatCount(m?.offered), m?.offered);
    put(this.answered, formatCount(m?.aa), m?.aa);

    const o = t.operatorsHome ?? t.operators;
    put(this.ready, formatCount(o?.ready), o?.ready);
    put(this.busy, formatCount(o?.busy), o?.busy);
    put(this.brk, formatCount(o?.break), o?.break);
    const visiting = t.operatorsHome ? totalOf(t.operators) - totalOf(t.operatorsHome) : 0;
    put(this.helpingCell, `+${formatCount(visiting)}`, visiting);
    if ((visiting > 0) === this.helping.hidden) {
      this.helping.hidden = visiting === 0;
      this.helping.title = tr('Operators based on other queues handling appeals here now (counted where they are based)');
    }

    // A tile with nothing going on steps back so the busy ones stand out.
    const idle = t.qa === 0 && t.waiting === 0 && (m?.offered ?? 0) === 0 && (o?.ready ?? 0) + (o?.busy ?? 0) === 0;
    if (idle !== this.idleFlag) {
      this.idleFlag = idle;
      this.el.classList.toggle('idle', idle);
    }

    if (this.alt) this.alt.update(t, window === 'last15m' ? 'last60m' : 'last15m');
  }

  /** Whether this tile's channel has gone quiet (and for how long): a note on the tile, and the tile marked. */
  setFeed(f: FeedState | undefined): void {
    const text = f?.stale && f.silentSec !== null ? tr('no {channel} events for {d}', { channel: channelLabel(this.channel).toLowerCase(), d: formatDuration(f.silentSec) }) : '';
    if (text === this.feedText) return;
    this.feedText = text;
    this.feedNote.textContent = text;
    this.feedNote.hidden = text === '';
    this.el.classList.toggle('feed-stale', text !== '');
  }

  /** Record the current open count in the trend line. */
  sample(): void {
    this.spark.push(this.lastOpen);
  }

  /** The trend line's hour before the page opened, from history. */
  seedTrend(points: ReadonlyArray<{ t: number; v: number }>): void {
    this.spark.seed(points);
  }

  /** Show or hide the other window's numbers over the lower half of the tile (hover / keyboard focus). */
  setPeek(on: boolean): void {
    if (on && !this.alt) {
      this.alt = new AltPanel();
      this.lower.append(this.alt.el);
    } else if (!on && this.alt) {
      this.alt.el.remove();
      this.alt = null;
    }
  }
}

/** The hover panel: the other window's interval metrics, plus wait percentiles. */
class AltPanel {
  readonly el: HTMLElement;
  private readonly title: HTMLElement;
  private readonly cells: Record<string, Cell> = {};

  constructor() {
    this.el = h('div', 'peek');
    this.el.setAttribute('aria-hidden', 'true');
    this.title = h('div', 'peek-title');
    const dl = h('dl', 'peek-grid');
    for (const [label, name] of [
      [tr('SL'), 'slPct'],
      [tr('Abandon'), 'abandonPct'],
      [tr('AWT'), 'awtSec'],
      [tr('AHT'), 'ahtSec'],
      [tr('Offered'), 'offered'],
      [tr('Answered'), 'answered'],
      [tr('Wait p90'), 'waitP90Sec'],
      [tr('Max wait'), 'longestEndedSec'],
    ] as const) {
      // Distinct metric names so a test reading the tile's primary metrics never hits the panel.
      this.cells[name] = kv(dl, label, `peek.${name}`).cell;
    }
    this.el.append(this.title, dl);
  }

  update(t: LiveTile, window: Window): void {
    const m = t[window];
    this.title.textContent = tr('Last {w}', { w: WINDOW_LABEL[window] });
    const c = this.cells;
    put(c.slPct, formatPct(m?.slPct), round1(m?.slPct));
    put(c.abandonPct, formatSmallPct(m?.abandonPct), round1(m?.abandonPct));
    put(c.awtSec, formatDuration(m?.awtSec), round1(m?.awtSec));
    put(c.ahtSec, formatDuration(m?.ahtSec), round1(m?.ahtSec));
    put(c.offered, formatCount(m?.offered), m?.offered);
    put(c.answered, formatCount(m?.aa), m?.aa);
    put(c.waitP90Sec, formatDuration(m?.waitP90Sec), round1(m?.waitP90Sec));
    put(c.longestEndedSec, formatDuration(m?.longestWaitSec), round1(m?.longestWaitSec));
  }
}

/** One queue's section: a heading with the queue's waiting total, and its tiles in channel order. */
class QueueSection {
  readonly el: HTMLElement;
  readonly grid: HTMLElement;
  readonly tiles: TileView[] = [];
  private readonly waiting: Cell;
  private readonly waitingBox: HTMLElement;

  constructor(readonly queue: string) {
    this.el = h('section', 'queue');
    // Not data-queue: that attribute marks tiles only, so `[data-queue]` selects exactly the tiles.
    this.el.dataset.queueGroup = queue;
    const id = `q-${Math.random().toString(36).slice(2, 9)}`;
    this.el.setAttribute('aria-labelledby', id);
    const head = h('div', 'queue-head');
    const title = h('h2', 'queue-name', queue);
    title.id = id;
    this.waitingBox = h('span', 'queue-waiting');
    const n = h('span');
    this.waitingBox.append(n, document.createTextNode(tr(' waiting')));
    this.waiting = metric(n, 'queueWaiting');
    head.append(title, this.waitingBox);
    this.grid = h('div', 'tiles');
    this.el.append(head, this.grid);
  }

  insert(v: TileView): void {
    const i = this.tiles.findIndex((t) => compareChannels(v.channel, t.channel) < 0);
    if (i === -1) {
      this.tiles.push(v);
      this.grid.append(v.el);
    } else {
      this.grid.insertBefore(v.el, this.tiles[i].el);
      this.tiles.splice(i, 0, v);
    }
  }

  remove(v: TileView): void {
    const i = this.tiles.indexOf(v);
    if (i !== -1) this.tiles.splice(i, 1);
    v.el.remove();
  }

  setWaiting(n: number): void {
    put(this.waiting, formatCount(n), n);
    this.waitingBox.classList.toggle('zero', n === 0);
  }
}

/** All tiles, grouped into queue sections kept in sorted order. */
export class Board {
  private readonly sections = new Map<string, QueueSection>();
  private readonly order: QueueSection[] = [];
  private readonly views = new Map<string, TileView>();

  constructor(private readonly root: HTMLElement) {}

  get size(): number {
    return this.views.size;
  }

  get(key: string): TileView | undefined {
    return this.views.get(key);
  }

  /** The view of a tile, created and placed in order on first sight. */
  ensure(key: string, queue: string, channel: string): TileView {
    let v = this.views.get(key);
    if (v) return v;
    v = new TileView(queue, channel);
    this.views.set(key, v);
    const sec = this.section(queue);
    sec.insert(v);
    if (this.tokens.length) this.applyFilterTo(sec);
    return v;
  }

  private tokens: string[] = [];

  /**
   * Shows only the tiles whose queue and channel contain every word of `text` (case aside): "billing",
   * "voice", "billing voice". A queue none of whose tiles match is hidden with its heading. Empty: all.
   */
  filter(text: string): void {
    this.tokens = text.toLowerCase().split(/\s+/).filter((t) => t !== '');
    for (const sec of this.sections.values()) this.applyFilterTo(sec);
  }

  private applyFilterTo(sec: QueueSection): void {
    let shown = 0;
    for (const v of sec.tiles) {
      const hay = `${v.queue} ${v.channel} ${channelLabel(v.channel)}`.toLowerCase();
      const match = this.tokens.every((t) => hay.includes(t));
      if (v.el.hidden === match) v.el.hidden = !match;
      if (match) shown++;
    }
    if (sec.el.hidden === shown > 0) sec.el.hidden = shown === 0;
  }

  remove(key: string): void {
    const v = this.views.get(key);
    if (!v) return;
    this.views.delete(key);
    const s = this.sections.get(v.queue);
    if (!s) return;
    s.remove(v);
    if (s.tiles.length === 0) {
      s.el.remove();
      this.sections.delete(v.queue);
      this.order.splice(this.order.indexOf(s), 1);
    }
  }

  /** Seeds each tile's trend line from history: points by tile key. */
  seedTrends(points: ReadonlyMap<string, ReadonlyArray<{ t: number; v: number }>>): void {
    for (const [key, pts] of points) this.views.get(key)?.seedTrend(pts);
  }

  /** Take a trend sample on every tile. */
  sample(): void {
    for (const v of this.views.values()) v.sample();
  }

  setQueueWaiting(queue: string, n: number): void {
    this.sections.get(queue)?.setWaiting(n);
  }

  /**
   * Orders the tiles as `keys` says (state.ts worstFirst), or back to queue and channel order when null:
   * by the CSS order of each tile and of each queue (a queue goes where its worst tile is), so nothing
   * moves in the DOM and focus stays where it was.
   */
  orderBy(keys: readonly string[] | null): void {
    const rank = new Map<string, number>();
    keys?.forEach((k, i) => rank.set(k, i));
    const sectionRank = new Map<QueueSection, number>();
    for (const [k, v] of this.views) {
      const r = rank.get(k);
      const order = r === undefined ? '' : String(r);
      if (v.el.style.order !== order) v.el.style.order = order;
      const sec = this.sections.get(v.queue);
      if (sec && r !== undefined) sectionRank.set(sec, Math.min(sectionRank.get(sec) ?? Infinity, r));
    }
    for (const sec of this.sections.values()) {
      const r = sectionRank.get(sec);
      const order = r === undefined ? '' : String(r);
      if (sec.el.style.order !== order) sec.el.style.order = order;
    }
  }

  /** Each channel's feed (state.ts feeds) onto its tiles. */
  setFeeds(channels: ReadonlyMap<string, FeedState>): void {
    for (const v of this.views.values()) v.setFeed(channels.get(v.channel));
  }

  private section(queue: string): QueueSection {
    let s = this.sections.get(queue);
    if (s) return s;
    s = new QueueSection(queue);
    this.sections.set(queue, s);
    const i = this.order.findIndex((o) => compareQueues(queue, o.queue) < 0);
    if (i === -1) {
      this.order.push(s);
      this.root.append(s.el);
    } else {
      this.root.insertBefore(s.el, this.order[i].el);
      this.order.splice(i, 0, s);
    }
    return s;
  }
}

/** The center header: totals across all tiles. */
export class HeaderView {
  private readonly cells: Record<string, Cell> = {};
  private readonly slBox: HTMLElement;
  private readonly longestBox: HTMLElement;
  private readonly slWin: HTMLElement;
  private readonly repairsBox: HTMLElement;
  private level: SlLevel | '' = '';

  constructor(root: HTMLElement) {
    const q = (sel: string): HTMLElement => {
      const e = root.querySelector<HTMLElement>(sel);
      if (!e) throw new Error(`dashboard markup is missing ${sel}`);
      return e;
    };
    for (const name of ['waiting', 'longestWaitSec', 'inHandling', 'ready', 'busy', 'break', 'slPct', 'abandonPct', 'repairs']) {
      const el = q(`[data-metric="${name}"]`);
      this.cells[name] = { el, text: el.textContent ?? '', raw: el.dataset.value ?? '' };
    }
    this.slBox = q('.kpi-sl');
    this.longestBox = q('.kpi-longest');
    this.slWin = q('.kpi-sl .kpi-win');
    this.repairsBox = q('.kpi-repairs');
  }

  update(tot: CenterTotals, window: Window, repairs: Record<string, number>): void {
    const c = this.cells;
    put(c.waiting, formatCount(tot.waiting), tot.waiting);
    put(c.longestWaitSec, tot.waiting > 0 ? formatDuration(tot.longestWaitSec) : NONE, Math.round(tot.longestWaitSec));
    this.longestBox.classList.toggle('alert', tot.longWait);
    put(c.inHandling, formatCount(tot.inHandling), tot.inHandling);
    put(c.ready, formatCount(tot.operators.ready), tot.operators.ready);
    put(c.busy, formatCount(tot.operators.busy), tot.operators.busy);
    put(c.break, formatCount(tot.operators.break), tot.operators.break);
    put(c.slPct, formatPct(tot.slPct), round1(tot.slPct));
    const docTitle = tot.slPct === null ? tr('ccpulse · live') : tr('{pct} SL · {n} waiting · ccpulse', { pct: formatPct(tot.slPct), n: formatCount(tot.waiting) });
    if (document.title !== docTitle) document.title = docTitle;
    put(c.abandonPct, formatSmallPct(tot.abandonPct), round1(tot.abandonPct));
    put(c.repairs, formatCount(tot.repairs), tot.repairs);
    const win = `SL ${WINDOW_LABEL[window]}`;
    if (this.slWin.textContent !== win) this.slWin.textContent = win;
    const level = slLevel(tot.slPct, tot.slTargetPct);
    if (level !== this.level) {
      if (this.level) this.slBox.classList.remove(`sl-${this.level}`);
      this.slBox.classList.add(`sl-${level}`);
      this.level = level;
    }
    const detail = Object.entries(repairs)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k}: ${n}`)
      .join('\n');
    const title = detail ? `Data quality (not a service problem): events the stream repaired since the start of the data, because they came lost or out of order\n${detail}` : tr('No repairs of lost events');
    if (this.repairsBox.title !== title) this.repairsBox.title = title;
    this.repairsBox.classList.toggle('zero', tot.repairs === 0);
  }
}

// ---- advice and alerts -------------------------------------------------------------------------

const KNOWN_SEVERITIES = ['critical', 'warning', 'info'] as const;

/** A severity fit for a class name: the wire's value when it is one we know, else info. */
function severityOf(it: Advice): (typeof KNOWN_SEVERITIES)[number] {
  return severityRank(it.severity) === 3 ? 'critical' : severityRank(it.severity) === 2 ? 'warning' : 'info';
}

/** Set an element's text only when it changed (the ages tick every second). */
function text(el: HTMLElement, t: string): void {
  if (el.textContent !== t) el.textContent = t;
}

/** One item on the advice board. Everything from the wire is written as text, never as markup. */
class AdviceRow {
  readonly el: HTMLLIElement;
  private readonly badge: HTMLElement;
  private readonly sevText: HTMLElement;
  private readonly kind: HTMLElement;
  private readonly reason: HTMLElement;
  private readonly age: HTMLElement;
  private readonly acked: HTMLElement;
  private readonly button: HTMLButtonElement;
  private readonly error: HTMLElement;
  private readonly whatIfButton: HTMLButtonElement;
  private readonly whatIf: WhatIfView;
  private severity = '';
  private state = '';
  private openedAt = '';
  private whatIfLabel = '';

  constructor(readonly id: string, onAck: (id: string) => void, onWhatIf: (id: string) => void) {
    this.el = h('li', 'advice-item');
    this.el.dataset.id = id;
    this.badge = h('span', 'sev');
    this.sevText = h('span', 'sev-text');
    const body = h('div', 'advice-body');
    this.kind = h('span', 'advice-kind');
    this.reason = h('p', 'advice-reason');
    this.reason.id = `adv-${Math.random().toString(36).slice(2, 9)}`;
    body.append(this.kind, this.reason);
    const meta = h('div', 'advice-meta');
    this.age = h('span', 'advice-age');
    this.acked = h('span', 'advice-acked');
    this.acked.hidden = true;
    // Staffing advice: what the next hour looks like with it and without it, simulated on the server.
    this.whatIfButton = h('button', 'whatif', tr('What if?'));
    this.whatIfButton.type = 'button';
    this.whatIfButton.hidden = true;
    this.whatIfButton.addEventListener('click', () => onWhatIf(this.id));
    meta.append(this.age, this.whatIfButton);
    this.button = h('button', 'ack', tr('Acknowledge'));
    this.button.type = 'button';
    this.button.setAttribute('aria-describedby', this.reason.id);
    this.button.addEventListener('click', () => onAck(this.id));
    this.error = h('p', 'advice-error');
    this.error.setAttribute('role', 'alert');
    this.error.hidden = true;
    this.whatIf = new WhatIfView();
    // Who acknowledged takes the button's place.
    this.el.append(this.badge, body, meta, this.button, this.acked, this.error, this.whatIf.el);
  }

  update(it: Advice, pending: boolean, error: string | undefined, serverNow: number, whatIf: WhatIfState | undefined): void {
    const sev = severityOf(it);
    if (sev !== this.severity) {
      if (this.severity) this.el.classList.remove(`sev-${this.severity}`);
      this.el.classList.add(`sev-${sev}`);
      this.el.dataset.severity = sev;
      this.badge.replaceChildren(severityIcon(sev), this.sevText);
      this.sevText.textContent = severityText(sev);
      this.severity = sev;
    }
    this.el.dataset.kind = it.kind;
    this.el.dataset.key = it.key;
    text(this.kind, adviceKindLabel(it.kind));
    text(this.reason, it.reason);

    const acknowledged = it.state === 'acknowledged';
    if (it.state !== this.state) {
      this.state = it.state;
      this.el.dataset.state = it.state;
      this.el.classList.toggle('acked', acknowledged);
      this.button.hidden = acknowledged;
      this.acked.hidden = !acknowledged;
    }
    if (acknowledged) {
      const who = tr('Acknowledged by {who}', { who: it.acknowledgedBy ?? tr('someone') });
      text(this.acked, who);
      const at = it.acknowledgedAt === undefined ? NaN : Date.parse(it.acknowledgedAt);
      const title = Number.isFinite(at) ? `${who} at ${formatClock(new Date(at))}` : who;
      if (this.acked.title !== title) this.acked.title = title;
    }
    text(this.age, tr('Open {d}', { d: formatDuration(openForSec(it, serverNow)) }));
    if (it.openedAt !== this.openedAt) {
      this.openedAt = it.openedAt;
      const at = Date.parse(it.openedAt);
      this.age.title = Number.isFinite(at) ? `Opened at ${formatClock(new Date(at))}` : '';
    }

    if (this.button.disabled !== pending) {
      this.button.disabled = pending;
      this.button.setAttribute('aria-busy', String(pending));
      this.button.textContent = pending ? tr('Acknowledging…') : tr('Acknowledge');
    }
    const err = error ?? '';
    if (this.error.textContent !== err) this.error.textContent = err;
    if (this.error.hidden !== !err) this.error.hidden = !err;

    const action = whatIfActionOf(it);
    if (this.whatIfButton.hidden !== !action) this.whatIfButton.hidden = !action;
    const running = whatIf?.status === 'pending';
    const title = action ? `Simulate the next hour on ${action.queue} ${channelLabel(action.channel)}: ${whatIfActionText(action).toLowerCase()}, and as things stand` : '';
    const label = `${running}\u0000${title}`;
    if (label !== this.whatIfLabel) {
      this.whatIfLabel = label;
      this.whatIfButton.disabled = running;
      this.whatIfButton.setAttribute('aria-busy', String(running));
      this.whatIfButton.textContent = running ? 'Simulating…' : 'What if?';
      this.whatIfButton.title = title;
    }
    this.whatIf.update(action ? whatIf : undefined);
  }
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const CURVE_W = 120;
const CURVE_H = 28;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string>): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

/**
 * A what-if's answer under its item: a tiny curve of SL (median of the runs) over the hour ahead with the
 * action (solid) and as things stand (dashed), and the line for minute 30. Text only, never markup.
 */
class WhatIfView {
  readonly el: HTMLElement;
  private shown: WhatIfState | undefined;

  constructor() {
    this.el = h('div', 'advice-whatif');
    this.el.setAttribute('aria-live', 'polite');
    this.el.hidden = true;
  }

  update(state: WhatIfState | undefined): void {
    if (state === this.shown) return;
    this.shown = state;
    this.el.hidden = !state;
    if (!state) {
      this.el.replaceChildren();
      delete this.el.dataset.status;
      return;
    }
    this.el.dataset.status = state.status;
    this.el.setAttribute('aria-busy', String(state.status === 'pending'));
    if (state.status === 'pending') {
      this.el.replaceChildren(h('span', 'whatif-pending', 'Simulating the next hour…'));
    } else if (state.status === 'error') {
      const e = h('span', 'whatif-error', state.message);
      e.setAttribute('role', 'alert');
      this.el.replaceChildren(e);
    } else {
      this.el.replaceChildren(curve(state.answer), answerLine(state.answer));
    }
  }
}

function answerLine(a: WhatIfAnswer): HTMLElement {
  const l = whatIfLine(a.action, whatIfStepAt(a.withAction), whatIfStepAt(a.base), WHATIF_MINUTE);
  const line = h('p', 'whatif-line');
  line.append(h('span', 'wi-with', l.lead), h('span', 'wi-base', l.tail));
  const at = Date.parse(a.at);
  const ops = `${a.base.operators.now} → ${a.withAction.operators.withActions} operators`;
  line.title = `Median of ${a.runs} simulated hours, 10th–90th percentile in brackets; ${ops}${Number.isFinite(at) ? `; simulated at ${formatClock(new Date(at))}` : ''}`;
  return line;
}

function curve(a: WhatIfAnswer): SVGSVGElement {
  const s = svg('svg', { class: 'whatif-curve', viewBox: `0 0 ${CURVE_W} ${CURVE_H}`, width: String(CURVE_W), height: String(CURVE_H), role: 'img' });
  const label = `SL over the next 60 minutes: ${whatIfActionText(a.action).toLowerCase()} (solid) and as things stand (dashed)`;
  s.setAttribute('aria-label', label);
  const title = svg('title', {});
  title.textContent = label;
  const mid = String(CURVE_W / 2);
  s.append(
    title,
    svg('line', { class: 'wi-axis', x1: '0', x2: String(CURVE_W), y1: String(CURVE_H - 0.5), y2: String(CURVE_H - 0.5) }),
    svg('line', { class: 'wi-mark', x1: mid, x2: mid, y1: '0', y2: String(CURVE_H) }),
    svg('path', { class: 'wi-base', d: curvePath(slCurve(a.base), CURVE_W, CURVE_H) }),
    svg('path', { class: 'wi-with', d: curvePath(slCurve(a.withAction), CURVE_W, CURVE_H) }),
  );
  return s;
}

/** The "Advice & alerts" panel: the open board, critical first; a calm line when it is empty. */
export class AdviceView {
  private readonly rows = new Map<string, AdviceRow>();
  private readonly list: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly counts: HTMLElement;
  private order: string[] = [];

  constructor(
    private readonly root: HTMLElement,
    private readonly onAck: (id: string) => void,
    private readonly onWhatIf: (id: string) => void,
  ) {
    const q = (sel: string): HTMLElement => {
      const e = root.querySelector<HTMLElement>(sel);
      if (!e) throw new Error(`dashboard markup is missing ${sel}`);
      return e;
    };
    this.list = q('.advice-list');
    this.empty = q('.advice-empty');
    this.counts = q('.advice-counts');
  }

  get size(): number {
    return this.rows.size;
  }

  update(board: AdviceBoard, serverNow: number, whatIfs?: WhatIfBoard): void {
    if (this.root.hidden === board.received) this.root.hidden = !board.received;
    const items = board.sorted();
    const ids = items.map((it) => it.id);
    for (const it of items) {
      let row = this.rows.get(it.id);
      if (!row) {
        row = new AdviceRow(it.id, this.onAck, this.onWhatIf);
        this.rows.set(it.id, row);
      }
      row.update(it, board.pending.has(it.id), board.errors.get(it.id), serverNow, whatIfs?.states.get(it.id));
    }
    const keep = new Set(ids);
    for (const [id, row] of this.rows) {
      if (!keep.has(id)) {
        row.el.remove();
        this.rows.delete(id);
      }
    }
    if (ids.length !== this.order.length || ids.some((id, i) => id !== this.order[i])) {
      // Re-append in order; moving the focused button would drop focus, so give it back.
      const focused = document.activeElement;
      for (const id of ids) this.list.append(this.rows.get(id)!.el);
      if (focused instanceof HTMLElement && focused !== document.activeElement && focused.isConnected) focused.focus();
      this.order = ids;
    }
    const empty = items.length === 0;
    if (this.empty.hidden === empty) this.empty.hidden = !empty;
    if (this.list.hidden !== empty) this.list.hidden = empty;
    const c = board.counts();
    const parts = [
      c.critical ? `${c.critical} critical` : '',
      c.warning ? `${c.warning} warning` : '',
      c.info ? `${c.info} info` : '',
    ].filter(Boolean);
    text(this.counts, parts.join(' · '));
    this.root.dataset.critical = String(c.critical);
  }
}
