/**
 * The reports page: history for a range of whole days on the center's clock, grouped and sliced as
 * chosen (GET /v1/metrics), every metric in a table; exports of the same rows as background jobs
 * (POST /v1/jobs, followed until their file can be fetched); a count leads to the appeals behind it.
 */
import { channelLabel, formatDuration, formatPct, setDisplayTimeZone } from './format.js';
import { chooseLang, lang, t, translatePage } from './i18n.js';
import { apiUrl, messageOf, reason } from './http.js';
import { ensureSession, fitToRole } from './sign-in.js';
import { dayOf, DRILL_MAX_MS, PRESETS, zoneDays, presetDays, REPORT_METRICS, reportParams, type GroupKey, type Interval, type Preset, type ReportForm } from './report-query.js';
import { DrillView } from './drill.js';

const $ = <T extends HTMLElement = HTMLElement>(sel: string): T => {
  const e = document.querySelector<T>(sel);
  if (!e) throw new Error(`reports markup is missing ${sel}`);
  return e;
};

translatePage(document.body);
document.title = t(document.title);
const langToggle = $<HTMLButtonElement>('#lang-toggle');
langToggle.querySelector(`.opt-${lang()}`)?.classList.add('on');
langToggle.addEventListener('click', () => {
  chooseLang(lang() === 'ru' ? 'en' : 'ru');
  const u = new URL(location.href);
  u.searchParams.delete('lang');
  location.replace(u.toString());
});

fitToRole(await ensureSession(), [], document.querySelector('#live-link')?.parentElement ?? null);

const form = $<HTMLFormElement>('#report-form');
const status = $('#report-status');
const table = $<HTMLTableElement>('.report-table');
const jobsEl = $<HTMLUListElement>('#jobs');
const drill = new DrillView($('#drill'), apiUrl);
let timeZone = 'UTC';

function say(text: string, error = false): void {
  status.textContent = text;
  status.classList.toggle('error', error);
}


function readForm(): ReportForm {
  const d = new FormData(form);
  return {
    fromDay: String(d.get('fromDay') ?? ''),
    toDay: String(d.get('toDay') ?? ''),
    groupBy: d.getAll('groupBy').map(String) as GroupKey[],
    interval: String(d.get('interval') ?? '') as Interval,
    queue: String(d.get('queue') ?? ''),
    channel: String(d.get('channel') ?? ''),
  };
}

function applyPreset(p: Preset): void {
  const days = presetDays(p, Date.now(), timeZone);
  form.querySelector<HTMLInputElement>('[name=fromDay]')!.value = days.fromDay;
  form.querySelector<HTMLInputElement>('[name=toDay]')!.value = days.toDay;
}

const KEY_LABELS: ReadonlyMap<string, string> = new Map([['bucket', 'From'], ['queue', 'Queue'], ['channel', 'Channel'], ['operator', 'Operator'], ['team', 'Team']]);
const keyLabel = (k: string) => t(KEY_LABELS.get(k) ?? k);

function cellText(col: string, v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (col === 'channel') return channelLabel(String(v));
  if (col === 'team' && v === '') return t('No team');
  if (col === 'bucket') return new Intl.DateTimeFormat(lang() === 'ru' ? 'ru-RU' : 'en-GB', { timeZone, dateStyle: 'short', timeStyle: 'short' }).format(new Date(String(v)));
  if (col === 'slPct' || col === 'abandonPct') return formatPct(v as number);
  if (col.endsWith('Sec')) return formatDuration(v as number);
  return String(v);
}

async function show(): Promise<void> {
  const q = reportParams(readForm(), timeZone);
  if ('problem' in q) return say(t('Not shown: {why}', { why: q.problem }), true);
  say(t('Loading…'));
  try {
    const rows = await fetchRows(q.params);
    const keys = [...(q.params.interval ? ['bucket'] : []), ...(q.params.groupBy ? q.params.groupBy.split(',') : [])];
    const head = table.tHead!.rows[0];
    head.replaceChildren(...[...keys.map(keyLabel), ...REPORT_METRICS.map(([, label]) => t(label))].map((text, i) => {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = text;
      if (i >= keys.length) th.className = 'num';
      return th;
    }));
    const body = table.tBodies[0];
    body.replaceChildren(
      ...rows.map((r) => {
        const tr = document.createElement('tr');
        for (const k of keys) {
          const th = document.createElement('th');
          th.scope = 'row';
          th.textContent = cellText(k, r[k]);
          tr.append(th);
        }
        for (const [col] of REPORT_METRICS) {
          const td = document.createElement('td');
          td.className = 'num';
          td.dataset.col = col;
          const text = cellText(col, r[col]);
          const n = r[col];
          const scope = drill.canOpen(col, n) ? rowScope(r, keys, q.params) : null;
          if (scope) {
            // a count leads to the appeals behind it
            const b = document.createElement('button');
            b.type = 'button';
            b.className = 'drill-link';
            b.textContent = text;
            b.title = t('Show the appeals behind this number');
            b.addEventListener('click', () => void drill.open(col, n, scope));
            td.append(b);
          } else td.textContent = text;
          tr.append(td);
        }
        return tr;
      }),
    );
    say(rows.length ? t('{n} rows', { n: rows.length }) : t('Nothing in this range'));
  } catch (err) {
    say(t('Not shown: {why}', { why: reason(err) }), true);
  }
}

/** GET /v1/metrics's rows; by day, each day of the center's clock asked for apart (the API's days are UTC days). */
async function fetchRows(params: Record<string, string>): Promise<Array<Record<string, unknown>>> {
  const get = async (p: Record<string, string>) => {
    const res = await fetch(apiUrl('v1/metrics', p), { headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(await messageOf(res));
    return ((await res.json()) as { rows: Array<Record<string, unknown>> }).rows;
  };
  if (params.interval !== '1d') return get(params);
  const { interval: _day, ...whole } = params;
  const days = zoneDays(Date.parse(params.from), Date.parse(params.to), timeZone);
  const out: Array<Record<string, unknown>> = [];
  // a few days at a time: a month is 31 small questions
  for (let i = 0; i < days.length; i += 4) {
    const answers = await Promise.all(days.slice(i, i + 4).map(([from, to]) => get({ ...whole, from: new Date(from).toISOString(), to: new Date(to).toISOString() })));
    answers.forEach((rows, k) => out.push(...rows.map((r) => ({ ...r, bucket: new Date(days[i + k][0]).toISOString() }))));
  }
  return out;
}

/**
 * What one row covers: its interval (else the whole range) and its group's names, with the filters; null
 * when it spans more than the day the appeals can be listed for (slice by day or hour to reach them).
 */
function rowScope(r: Record<string, unknown>, keys: readonly string[], p: Record<string, string>): Record<string, string> | null {
  const scope: Record<string, string> = { from: p.from, to: p.to };
  if (p.queue) scope.queue = p.queue;
  if (p.channel) scope.channel = p.channel;
  if (typeof r.bucket === 'string') {
    const start = Date.parse(r.bucket);
    const end = p.interval === '1d' ? zoneDays(start, start + 86_400_000, timeZone)[0][1] : start + (p.interval === '1h' ? 3_600_000 : 900_000);
    scope.from = new Date(Math.max(start, Date.parse(p.from))).toISOString();
    scope.to = new Date(Math.min(end, Date.parse(p.to))).toISOString();
  }
  // an operator's or a team's row: the appeals behind that operator's (the team's operators') numbers;
  // the operators in no team are no team to ask for
  // (by operator and team: the operator's, the narrower; by team alone, a row of those in none has no team to ask for)
  const byOperator = keys.includes('operator');
  if (keys.includes('team') && !byOperator && r.team === '') return null;
  for (const k of keys) if (k !== 'bucket' && !(k === 'team' && byOperator) && typeof r[k] === 'string') scope[k] = r[k] as string;
  return Date.parse(scope.to) - Date.parse(scope.from) <= DRILL_MAX_MS ? scope : null;
}

// ---- exports: background jobs ----------------------------------------------------------------

interface JobView {
  id: string;
  format: string;
  state: string;
  progress: { percent: number; rows: number };
  error: string | null;
  download: string | null;
  bytes: number | null;
  params: Record<string, string>;
}
const followed = new Map<string, JobView>();

async function startExport(format: 'csv' | 'xlsx'): Promise<void> {
  const q = reportParams(readForm(), timeZone);
  if ('problem' in q) return say(t('Not exported: {why}', { why: q.problem }), true);
  const params: Record<string, string> = Object.fromEntries(Object.entries(q.params).filter(([k, v]) => !(k === 'groupBy' && v === '')));
  if (params.interval === '1d') params.timeZone = timeZone; // days on the center's clock, as on screen
  try {
    const res = await fetch(apiUrl('v1/jobs'), { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ kind: 'export', format, ...params }) });
    if (!res.ok) throw new Error(await messageOf(res));
    const job = (await res.json()) as JobView;
    followed.set(job.id, job);
    renderJobs();
    void follow(job.id);
  } catch (err) {
    say(t('Not exported: {why}', { why: reason(err) }), true);
  }
}

async function follow(id: string): Promise<void> {
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    try {
      const res = await fetch(apiUrl(`v1/jobs/${encodeURIComponent(id)}`), { headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(await messageOf(res));
      const job = (await res.json()) as JobView;
      followed.set(id, job);
      renderJobs();
      if (job.state !== 'queued' && job.state !== 'running') return;
    } catch (err) {
      const j = followed.get(id);
      if (j) followed.set(id, { ...j, state: 'failed', error: reason(err) });
      renderJobs();
      return;
    }
  }
}

function renderJobs(): void {
  jobsEl.replaceChildren(
    ...[...followed.values()].reverse().map((j) => {
      const li = document.createElement('li');
      li.dataset.state = j.state;
      li.dataset.job = j.id;
      const what = document.createElement('span');
      // the days on the center's clock, the last one included (`to` is the next day's start)
      const day = (iso: string | undefined, back = 0) => (iso ? dayOf(Date.parse(iso) - back, timeZone) : '');
      what.textContent = `${j.format.toUpperCase()} · ${day(j.params.from)} – ${day(j.params.to, 1)}`;
      li.append(what);
      if (j.state === 'done' && j.download) {
        const a = document.createElement('a');
        a.className = 'button small primary';
        a.href = apiUrl(j.download.replace(/^\//, ''));
        a.textContent = t('Download ({kb} KB, {rows} rows)', { kb: Math.max(1, Math.round((j.bytes ?? 0) / 1024)), rows: j.progress.rows });
        li.append(a);
      } else if (j.state === 'failed') {
        const e = document.createElement('span');
        e.className = 'error';
        e.textContent = t('Failed: {why}', { why: j.error ?? '' });
        li.append(e);
      } else {
        const bar = document.createElement('progress');
        bar.max = 100;
        bar.value = j.progress.percent;
        bar.setAttribute('aria-label', t('Export progress'));
        const pct = document.createElement('span');
        pct.textContent = j.state === 'queued' ? t('queued') : `${j.progress.percent} %`;
        li.append(bar, pct);
      }
      return li;
    }),
  );
}

// ---- start ------------------------------------------------------------------------------------

form.addEventListener('submit', (e) => {
  e.preventDefault();
  void show();
});
for (const b of form.querySelectorAll<HTMLButtonElement>('[data-preset]')) {
  b.addEventListener('click', () => {
    const p = b.dataset.preset as Preset;
    if (PRESETS.includes(p)) applyPreset(p);
  });
}
for (const b of form.querySelectorAll<HTMLButtonElement>('[data-export]')) b.addEventListener('click', () => void startExport(b.dataset.export === 'xlsx' ? 'xlsx' : 'csv'));

// the center's time zone comes with the live snapshot; days are whole days on its clock
void (async () => {
  try {
    const res = await fetch(apiUrl('v1/live'), { headers: { accept: 'application/json' } });
    if (res.ok) {
      const snap = (await res.json()) as { timeZone?: string };
      if (snap.timeZone) timeZone = snap.timeZone;
    }
  } catch {
    /* the page still works in UTC */
  }
  setDisplayTimeZone(timeZone);
  $('.rf-zone').textContent = t('Days on the center\'s clock ({tz})', { tz: timeZone });
  applyPreset('today');
  void show();
})();
