/**
 * ccpulse live dashboard: GET /v1/live for a first paint, then the SSE stream /v1/stream.
 * Messages only update the store and mark tiles dirty; the DOM is written once per animation frame.
 * The stream also carries the open board of advice and alerts, shown above the queues.
 */
import type { LiveSnapshot } from '../contract/api.js';
import { openStream, type ConnState } from './connection.js';
import { channelLabel, formatClock, formatDuration, setDisplayTimeZone } from './format.js';
import {
  AdviceBoard,
  feeds,
  worstFirst,
  type FeedState,
  Limiter,
  LiveStore,
  WhatIfBoard,
  WHATIF_RUNS,
  tileKey,
  whatIfActionOf,
  whatIfStreamOf,
  type Change,
  type WhatIfAction,
  type WhatIfAnswer,
  type WhatIfReply,
  type Window,
} from './state.js';
import { AdviceView, Board, HeaderView } from './view.js';
import { TrendsView } from './trends.js';
import { chooseLang, lang, t, translatePage } from './i18n.js';
import { OperatorsView } from './operators.js';
import { CampaignsView } from './campaigns.js';
import { SettingsDialog } from './settings.js';
import { NotifyPanel } from './notify.js';
import { apiUrl, messageOf } from './http.js';
import { ensureSession, fitToRole } from './sign-in.js';
import { sparkPoints, type TrendRow } from './trend-series.js';
import { SPARK_SPAN_MS } from './sparkline.js';

const $ = <T extends HTMLElement = HTMLElement>(sel: string): T => {
  const e = document.querySelector<T>(sel);
  if (!e) throw new Error(`dashboard markup is missing ${sel}`);
  return e;
};

translatePage(document.body);
// signed in first (or the sign-in form, and nothing below runs): every call after this carries the session cookie
const who = await ensureSession();
fitToRole(who, [document.querySelector('#settings-open')!], document.querySelector('#settings-open')?.parentElement ?? null);
document.title = t(document.title);
const langToggle = $<HTMLButtonElement>('#lang-toggle');
langToggle.querySelector(`.opt-${lang()}`)?.classList.add('on');
// the language in words for a screen reader, after the visible EN/RU (a name must hold the visible text: WCAG 2.5.3)
const langName = document.createElement('span');
langName.className = 'visually-hidden';
langName.textContent = ` ${t('Language')}: ${lang() === 'ru' ? 'русский' : 'English'}`;
langToggle.append(langName);
langToggle.addEventListener('click', () => {
  chooseLang(lang() === 'ru' ? 'en' : 'ru');
  const u = new URL(location.href);
  u.searchParams.delete('lang');
  location.replace(u.toString());
});

const store = new LiveStore();
const boardEl = $('#board');
const board = new Board(boardEl);
const header = new HeaderView($('#center'));
const clockEl = $<HTMLTimeElement>('#clock');
const connEl = $('#conn');
const connText = $('#conn-text');
const emptyEl = $('#empty');
const toggle = $<HTMLButtonElement>('#window-toggle');
const advice = new AdviceBoard();
const whatIfs = new WhatIfBoard();
const adviceView = new AdviceView(
  $('#advice'),
  (id) => void acknowledge(id),
  (id) => void whatIf(id),
);

let window_: Window = initialWindow();
const dirty = new Set<string>();
let removed: string[] = [];
let everything = true;
let headerDirty = true;
let adviceDirty = false;
/** Server time minus local time, from the last message: ages of advice are counted on the server's clock. */
let clockOffset = 0;
let raf = 0;
let peeked: string | null = null;

function initialWindow(): Window {
  const p = new URLSearchParams(location.search).get('window');
  if (p === '60' || p === '60m') return 'last60m';
  try {
    if (localStorage.getItem('ccpulse.window') === 'last60m') return 'last60m';
  } catch {
    /* storage may be unavailable (kiosk / privacy mode) */
  }
  return 'last15m';
}

function schedule(): void {
  if (!raf) raf = requestAnimationFrame(frame);
}

function apply(c: Change | null): void {
  if (!c) return;
  for (const k of c.tiles) dirty.add(k);
  for (const k of c.removed) {
    dirty.delete(k);
    removed.push(k);
    if (peeked === k) peeked = null;
  }
  headerDirty = true;
  schedule();
}

function frame(): void {
  raf = 0;
  const now = Date.now();
  for (const k of removed) board.remove(k);
  removed = [];

  const keys: Iterable<string> = everything ? store.tiles.keys() : dirty;
  const queues = new Set<string>();
  for (const k of keys) {
    const t = store.tiles.get(k);
    if (!t) continue;
    board.ensure(k, t.queue, t.channel).update(t, store.longestWaitNow(k, now), window_);
    queues.add(t.queue);
  }
  dirty.clear();
  everything = false;

  if (queues.size) {
    const waiting = new Map<string, number>();
    for (const t of store.tiles.values()) {
      if (queues.has(t.queue)) waiting.set(t.queue, (waiting.get(t.queue) ?? 0) + t.waiting);
    }
    for (const [q, n] of waiting) board.setQueueWaiting(q, n);
  }

  if (headerDirty) {
    headerDirty = false;
    header.update(store.totals(window_, now), window_, store.repairs);
    const feed = feeds(store, now + clockOffset);
    board.setFeeds(feed.channels);
    trends.setScopes(store.tiles.values());
    trends.setClockOffset(clockOffset);
    setCenterFeed(feed.center);
    const empty = store.hasData && store.tiles.size === 0;
    if (emptyEl.hidden === empty) emptyEl.hidden = !empty;
  }

  if (adviceDirty) {
    adviceDirty = false;
    whatIfs.retain(advice.items.keys());
    adviceView.update(advice, now + clockOffset, whatIfs);
  }

  if (board.size !== fittedFor || adviceView.size !== fittedForAdvice) fit();
}

// ---- fit the wall ------------------------------------------------------------------------------

/**
 * A wall screen cannot scroll: when the tiles do not fit below the header, scale the board down (CSS
 * zoom, to no less than MIN_ZOOM) until they do. Runs when the tile count, the window's size or where the
 * board starts (the header and the advice panel above it) changes.
 * `?fit=0` turns it off; phones (narrow screens) scroll instead.
 */
const MIN_ZOOM = 0.6;
const fitEnabled = new URLSearchParams(location.search).get('fit') !== '0';
let fittedFor = -1;
let fittedForAdvice = -1;

function fit(): void {
  fittedFor = board.size;
  fittedForAdvice = adviceView.size;
  if (!fitEnabled) return;
  const style = boardEl.style as CSSStyleDeclaration & { zoom: string };
  style.zoom = '';
  if (window.innerWidth < 700) return;
  // Below the header and the advice panel (the board's top in the document).
  const avail = window.innerHeight - (boardEl.getBoundingClientRect().top + window.scrollY);
  let z = 1;
  while (z > MIN_ZOOM && boardEl.getBoundingClientRect().height > avail) {
    z = Math.max(MIN_ZOOM, Math.round((z - 0.04) * 100) / 100);
    style.zoom = String(z);
  }
  document.body.classList.toggle('fitted', z < 1);
}

let resizeTimer: ReturnType<typeof setTimeout> | undefined;
const refit = (): void => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(fit, 150);
};
window.addEventListener('resize', refit);
// What sits above the board changes height too: the header's numbers rewrap, the advice panel fills.
// The board then starts lower, and must be fitted again.
if (typeof ResizeObserver === 'function') {
  let lastTop = -1;
  new ResizeObserver(() => {
    const top = Math.round(boardEl.getBoundingClientRect().top + window.scrollY);
    if (top !== lastTop) {
      lastTop = top;
      refit();
    }
  }).observe(document.body);
}

// ---- connection state -------------------------------------------------------------------------

const CONN_TEXT: Record<ConnState, string> = {
  connecting: t('Connecting…'),
  live: t('Live'),
  reconnecting: t('Reconnecting…'),
};

let centerFeed: FeedState | null = null;

/** The badge: the connection's state; while connected, whether events still come in (state.ts feedState). */
function showConn(): void {
  const s = (connEl.dataset.conn ?? 'connecting') as ConnState;
  const quiet = s === 'live' && centerFeed?.stale === true && centerFeed.silentSec !== null;
  const state = quiet ? 'quiet' : s;
  const text = quiet ? t('No events for {d}', { d: formatDuration(centerFeed!.silentSec) }) : CONN_TEXT[s];
  if (connEl.dataset.state !== state) connEl.dataset.state = state;
  if (connText.textContent !== text) connText.textContent = text;
  document.body.classList.toggle('stale', s !== 'live');
}

function setConn(s: ConnState): void {
  if (connEl.dataset.conn === s) return;
  connEl.dataset.conn = s;
  showConn();
}

function setCenterFeed(f: FeedState): void {
  centerFeed = f;
  showConn();
}

// ---- data -------------------------------------------------------------------------------------

const trends = new TrendsView($('#trends'), apiUrl);
const operatorsView = new OperatorsView($('#operators'), apiUrl);
const campaignsView = new CampaignsView($('#campaigns'), apiUrl);
const settingsDialog = new SettingsDialog($<HTMLDialogElement>('#settings'), apiUrl, () => {
  const queues = new Set<string>();
  const channels = new Set<string>();
  for (const tile of store.tiles.values()) {
    queues.add(tile.queue);
    channels.add(tile.channel);
  }
  return { queues, channels };
});
const notifyPanel = new NotifyPanel($('#notify'), apiUrl);
const openSettings = () => {
  void settingsDialog.open();
  void notifyPanel.load();
};
$<HTMLButtonElement>('#settings-open').addEventListener('click', openSettings);

const failure = messageOf;

/**
 * Acknowledge an item of advice. The button stays disabled until the stream brings the transition (which
 * updates the item); a failure is shown next to the item and the button comes back.
 */
async function acknowledge(id: string): Promise<void> {
  if (!advice.ackStarted(id)) return;
  markAdvice();
  try {
    const res = await fetch(apiUrl(`v1/recommendations/${encodeURIComponent(id)}/ack`), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: '{}',
    });
    if (!res.ok) throw new Error(await failure(res));
    advice.ackSucceeded(id);
  } catch (err) {
    const why = err instanceof TypeError ? 'the server did not answer' : err instanceof Error ? err.message : String(err);
    advice.ackFailed(id, `Could not acknowledge: ${why}`);
  }
  markAdvice();
}

/** The server simulates two what-ifs at a time and refuses a third (503): the page never asks for more. */
const simulations = new Limiter(2);

/** POST /v1/whatif: the hour ahead with `actions` (none: as things stand). */
function simulate(actions: WhatIfAction[]): Promise<WhatIfReply> {
  return simulations.run(async () => {
    const res = await fetch(apiUrl('v1/whatif'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ actions, runs: WHATIF_RUNS }),
    });
    if (!res.ok) throw new Error(await failure(res));
    return (await res.json()) as WhatIfReply;
  });
}

/**
 * What if the staffing advice `id` were followed? The hour ahead simulated twice, as things stand and with
 * the item's action; the answer (or why there is none) is shown under the item.
 */
async function whatIf(id: string): Promise<void> {
  const item = advice.items.get(id);
  const action = item ? whatIfActionOf(item) : null;
  if (!action) return;
  const ticket = whatIfs.start(id);
  if (ticket === null) return;
  markAdvice();
  let result: { answer: WhatIfAnswer } | { error: string };
  try {
    const [asIs, withAction] = await Promise.all([simulate([]), simulate([action])]);
    const base = whatIfStreamOf(asIs, action.queue, action.channel);
    const changed = whatIfStreamOf(withAction, action.queue, action.channel);
    if (!base || !changed) throw new Error(`the simulation has no ${action.queue} ${channelLabel(action.channel)} (no longer on the live board?)`);
    result = { answer: { action, base, withAction: changed, at: withAction.at, runs: withAction.runs } };
  } catch (err) {
    const why = err instanceof TypeError ? 'the server did not answer' : err instanceof Error ? err.message : String(err);
    result = { error: `Could not simulate: ${why}` };
  }
  if (whatIfs.finish(id, ticket, result)) markAdvice();
}

function markAdvice(): void {
  adviceDirty = true;
  schedule();
}

async function loadInitial(): Promise<void> {
  try {
    const res = await fetch(apiUrl('v1/live'), { headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`GET /v1/live: HTTP ${res.status}`);
    const snap = (await res.json()) as LiveSnapshot;
    // The stream's own snapshot may have arrived first; only take this one if it is not older.
    setDisplayTimeZone(snap.timeZone);
    apply(store.applySnapshot(snap, Date.now(), true));
  } catch (err) {
    console.warn('ccpulse: initial snapshot failed; waiting for the stream', err);
  }
}

/** The tiles' trend lines get the hour before the page opened from history (a minute a point). */
async function seedTileTrends(): Promise<void> {
  const now = Date.now() + clockOffset;
  const from = now - SPARK_SPAN_MS;
  try {
    const res = await fetch(apiUrl('v1/metrics', { from: String(from - (from % 60_000)), to: String(now), interval: '1m', groupBy: 'queue,channel' }), { headers: { accept: 'application/json' } });
    if (!res.ok) return;
    const rows = ((await res.json()) as { rows?: TrendRow[] }).rows ?? [];
    const points = sparkPoints(rows, from, now, tileKey);
    // the tiles of the first snapshot are made at the next frame
    requestAnimationFrame(() => requestAnimationFrame(() => board.seedTrends(points)));
  } catch {
    /* the lines start with the page instead */
  }
}

/**
 * The storage tier's quiet notice (GET /v1/tier): shown, small, below the board when the center has
 * outgrown, or is nearing, what its store is made for. Checked at load and every 5 minutes; a server that
 * does not answer it (with API keys it is server-wide, not for every key) shows nothing.
 */
async function checkTier(): Promise<void> {
  const el = document.getElementById('tier-notice')!;
  try {
    const res = await fetch(apiUrl('v1/tier'), { headers: { accept: 'application/json' } });
    const notice = res.ok ? ((await res.json()) as { current?: { notice?: unknown } }).current?.notice : null;
    el.textContent = typeof notice === 'string' ? `${notice} Run "ccpulse tier" for the reasons.` : '';
    el.hidden = typeof notice !== 'string';
  } catch {
    el.hidden = true; // the notice is a courtesy: the stream's own state shows a server that is away
  }
}

setConn('connecting');
void loadInitial().then(() => {
  trends.start();
  operatorsView.start();
  campaignsView.start();
  void seedTileTrends();
});
void checkTier();
setInterval(() => void checkTier(), 5 * 60_000);
openStream(apiUrl('v1/stream'), {
  onSnapshot: (s) => {
    clockOffset = s.at - Date.now();
    setDisplayTimeZone(s.timeZone);
    apply(store.applySnapshot(s, Date.now()));
  },
  onUpdate: (u) => {
    clockOffset = u.at - Date.now();
    apply(store.applyUpdate(u, Date.now()));
  },
  onAdviceBoard: (b) => {
    advice.replace(b);
    markAdvice();
  },
  onAdvice: (t) => {
    const at = Date.parse(t.at);
    if (Number.isFinite(at)) clockOffset = at - Date.now();
    advice.apply(t);
    markAdvice();
  },
  onState: setConn,
});

// ---- clock and ticking waits -------------------------------------------------------------------

const SAMPLE_EVERY_SEC = 5;

function tick(): void {
  const d = new Date();
  clockEl.textContent = formatClock(d);
  clockEl.dateTime = d.toISOString();
  // Longest waits grow between messages: refresh the tiles where someone waits.
  const now = Date.now();
  for (const [k, t] of store.tiles) {
    if (t.waiting > 0) dirty.add(k);
  }
  // Ages of advice grow every second.
  if (advice.items.size) {
    adviceDirty = true;
    schedule();
  }
  if (store.hasData) {
    headerDirty = true;
    schedule();
    // Trend lines: one sample every 5 s (taken after this frame's updates are rendered).
    if (d.getSeconds() % SAMPLE_EVERY_SEC === 0) requestAnimationFrame(() => board.sample());
    if (worst && d.getSeconds() % RESORT_EVERY_SEC === 0) requestAnimationFrame(applyOrder);
  }
  // Re-align to the next wall-clock second so the clock does not drift.
  setTimeout(tick, 1000 - (now % 1000) + 5);
}
tick();

// ---- 15 / 60 minute toggle ---------------------------------------------------------------------

function setWindow(w: Window): void {
  window_ = w;
  const sixty = w === 'last60m';
  toggle.setAttribute('aria-pressed', String(sixty));
  toggle.querySelector('.opt-15')?.classList.toggle('on', !sixty);
  toggle.querySelector('.opt-60')?.classList.toggle('on', sixty);
  document.body.dataset.window = sixty ? '60m' : '15m';
  try {
    localStorage.setItem('ccpulse.window', w);
  } catch {
    /* ignore */
  }
  everything = true;
  headerDirty = true;
  schedule();
}
setWindow(window_);
toggle.addEventListener('click', () => setWindow(window_ === 'last15m' ? 'last60m' : 'last15m'));
document.addEventListener('keydown', (e) => {
  if (e.key === 'w' && !e.ctrlKey && !e.metaKey && !e.altKey && !(e.target instanceof HTMLInputElement)) {
    setWindow(window_ === 'last15m' ? 'last60m' : 'last15m');
  }
});

// ---- order (A–Z or worst first) and the compact view ----------------------------------------------

const sortToggle = $<HTMLButtonElement>('#sort-toggle');
const compactToggle = $<HTMLButtonElement>('#compact-toggle');

/** A setting from the URL (`?sort=worst`, `?compact=1`: for a wall screen's bookmark), else the last one chosen here. */
function initialFlag(param: string, on: string, key: string): boolean {
  const p = new URLSearchParams(location.search).get(param);
  if (p !== null) return p === on;
  try {
    return localStorage.getItem(key) === '1';
  } catch {
    return false;
  }
}

function remember(key: string, on: boolean): void {
  try {
    localStorage.setItem(key, on ? '1' : '0');
  } catch {
    /* ignore */
  }
}

let worst = initialFlag('sort', 'worst', 'ccpulse.worstFirst');
/** Worst first is re-sorted every few seconds, not at each event: tiles that jump about cannot be read. */
const RESORT_EVERY_SEC = 3;

function applyOrder(): void {
  board.orderBy(worst ? worstFirst(store, window_, Date.now()) : null);
}

function setWorst(on: boolean): void {
  worst = on;
  sortToggle.setAttribute('aria-pressed', String(on));
  sortToggle.querySelector('.opt-name')?.classList.toggle('on', !on);
  sortToggle.querySelector('.opt-worst')?.classList.toggle('on', on);
  document.body.dataset.sort = on ? 'worst' : 'name';
  remember('ccpulse.worstFirst', on);
  applyOrder();
}

function setCompact(on: boolean): void {
  compactToggle.setAttribute('aria-pressed', String(on));
  compactToggle.querySelector('.opt-compact')?.classList.toggle('on', on);
  document.body.classList.toggle('compact', on);
  remember('ccpulse.compact', on);
  fittedFor = -1; // the tiles' size changed: fit the wall again
  schedule();
}

setWorst(worst);
setCompact(initialFlag('compact', '1', 'ccpulse.compact'));
sortToggle.addEventListener('click', () => setWorst(!worst));
compactToggle.addEventListener('click', () => setCompact(!document.body.classList.contains('compact')));
document.addEventListener('keydown', (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey || e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
  if ($<HTMLDialogElement>('#settings').open) return; // the dialog's keys are its own
  if (e.key === ',' && who.role === 'admin') openSettings();
  if (e.key === 's') setWorst(!worst);
  if (e.key === 'c') setCompact(!document.body.classList.contains('compact'));
  if (e.key === 't') trends.setOpen(!trends.isOpen);
  if (e.key === 'o') operatorsView.setOpen(document.getElementById('operators-table')!.hidden);
});

// ---- filter by queue and channel ------------------------------------------------------------------

const filterEl = $<HTMLInputElement>('#filter');
filterEl.value = new URLSearchParams(location.search).get('q') ?? '';
const applyFilter = (): void => {
  board.filter(filterEl.value);
  operatorsView.filter(filterEl.value);
  fittedFor = -1; // fewer tiles: fit the wall again
  schedule();
};
filterEl.addEventListener('input', applyFilter);
document.addEventListener('keydown', (e) => {
  if (e.key === '/' && !(e.target instanceof HTMLInputElement)) {
    e.preventDefault();
    filterEl.focus();
  } else if (e.key === 'Escape' && e.target === filterEl) {
    filterEl.value = '';
    applyFilter();
  }
});
if (filterEl.value) applyFilter();

// ---- hover / focus peek at the other window ------------------------------------------------------

function peek(target: EventTarget | null): void {
  const el = target instanceof Element ? target.closest<HTMLElement>('.tile') : null;
  const k = el?.dataset.queue !== undefined && el.dataset.channel !== undefined ? tileKey(el.dataset.queue, el.dataset.channel) : null;
  if (k === peeked) return;
  if (peeked) board.get(peeked)?.setPeek(false);
  peeked = k;
  if (k) {
    board.get(k)?.setPeek(true);
    dirty.add(k);
    schedule();
  }
}
boardEl.addEventListener('pointerover', (e) => peek(e.target));
boardEl.addEventListener('pointerleave', () => peek(null));
boardEl.addEventListener('focusin', (e) => peek(e.target));
boardEl.addEventListener('focusout', (e) => {
  if (!(e.relatedTarget instanceof Node && boardEl.contains(e.relatedTarget))) peek(null);
});
