/** The scale bench's Markdown report (the issue's table: what | ccpulse | baseline | ratio | target | met?) and its SVG plot. */
import type { BaselineResult } from './baseline-run.js';
import type { CurvePoint, ModeResult, RecoveryResult } from './ccpulse-run.js';
import type { Timing } from './queries.js';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  os: string;
  node: string;
  postgres: string;
  commit: string;
  date: string;
  loadavgAtStart: number[];
}

type Row = [what: string, ccpulse: string, baseline: string, ratio: string, target: string, met: string];

const fmt = (v: number, d = 0) => (Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: d }) : 'n/a');
const met = (ok: boolean | undefined) => (ok === undefined ? '—' : ok ? 'yes' : '**no**');
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${fmt(a / b, a / b < 10 ? 2 : 0)}×` : 'n/a');

function timingCell(t: Timing | undefined): string {
  if (!t) return 'n/a';
  if (t.error && !t.runs) return `failed: ${t.error}`;
  return `p50 ${fmt(t.ms.p50)} · p95 ${fmt(t.ms.p95)} · max ${fmt(t.ms.max)} ms (n=${t.runs}${t.note ? ', budget' : ''}${t.error ? ', then an error' : ''})`;
}

const TARGETS: Record<string, { p95: number; ratio?: number }> = {
  lastHour: { p95: 50 },
  rangeByQueue: { p95: 150, ratio: 20 },
  rangeByOperator: { p95: 300, ratio: 20 },
};

export function modeRows(m: ModeResult, b: BaselineResult | undefined, rangeLabel: string): Row[] {
  const name = m.mode === 'embedded' ? 'embedded (PGlite)' : m.mode === 'clickhouse' ? 'ClickHouse mode' : 'PostgreSQL mode';
  const rows: Row[] = [];
  const labels: Record<string, string> = {
    lastHour: '`/v1/metrics` last hour, groupBy queue,channel, interval 1m',
    rangeByQueue: `${rangeLabel}, groupBy queue, interval 1h`,
    rangeByOperator: `${rangeLabel}, groupBy operator`,
  };
  for (const key of ['lastHour', 'rangeByQueue', 'rangeByOperator']) {
    const c = m.queries[key];
    const base = b?.queries[key];
    const t = TARGETS[key];
    const speedup = base && c ? base.ms.p50 / c.ms.p50 : NaN;
    const ok = c && c.runs > 0 && !c.error ? c.ms.p95 <= t.p95 && (t.ratio === undefined || speedup >= t.ratio) : false;
    rows.push([
      `${labels[key]} — ${name}`,
      timingCell(c),
      timingCell(base),
      speedup >= 1 ? `${ratio(speedup, 1)} faster (p50)` : `${ratio(1, speedup)} slower (p50)`,
      `p95 ≤ ${t.p95} ms${t.ratio ? `, ≥ ${t.ratio}× faster` : ''}`,
      met(ok),
    ]);
  }
  const l = m.live;
  const lat = l.latency;
  rows.push([
    `event → SSE p99 at ${lat?.params.rate ?? '?'} events/s, heaviest queries + whole-range verify alongside — ${name}`,
    lat ? `p99 ${fmt(lat.eventToSseMs.p99)} ms (p50 ${fmt(lat.eventToSseMs.p50)}, max ${fmt(lat.eventToSseMs.max)}); POST p99 ${fmt(lat.postRoundTripMs.p99)} ms; ${l.heavyQueries.count} heavy queries completed meanwhile` : `failed: ${l.latencyError}`,
    '—',
    '—',
    'p99 ≤ 50 ms',
    met(lat ? lat.eventToSseMs.p99 <= 50 && lat.unresolved === 0 : false),
  ]);
  const v = l.verifyWholeRange;
  rows.push([
    `\`/v1/verify\` over ${rangeLabel} (during the row above) — ${name}`,
    v.ok ? `${fmt(v.seconds, 1)} s, ${fmt(v.events ?? NaN)} events, ${v.differences} differences` : `${l.survived ? 'failed' : `**the server died (${l.exit})**`} after ${fmt(v.seconds, 1)} s: ${v.error}`,
    '—',
    '—',
    'completes in minutes, RSS growth ≤ 256 MB',
    met(v.ok && l.peakRssMb - l.rssBeforeMb <= 256),
  ]);
  rows.push([`server survived that phase — ${name}`, l.survived ? 'yes' : `**no** (${l.exit})`, '—', '—', 'never dies from a query', met(l.survived)]);
  rows.push([
    `\`/v1/verify\`, last hour of the data — ${name}`,
    m.verifyLastHour.ok ? `${fmt(m.verifyLastHour.seconds, 1)} s, ${fmt(m.verifyLastHour.events ?? NaN)} events read, ${m.verifyLastHour.differences} differences` : `failed after ${m.verifyLastHour.seconds} s: ${m.verifyLastHour.error}`,
    '—',
    '—',
    '—',
    '—',
  ]);
  const ing = m.load;
  const ingTarget = m.mode === 'embedded' ? 25_000 : 50_000;
  rows.push([
    `ingest, ${rangeLabel} through POST /v1/events (4 clients × 500), durable before the 202 — ${name}`,
    `${fmt(ing.eventsPerSec)} events/s${ing.retries503 ? ` (${ing.retries503} batches refused with 503 and resent, included)` : ''}${ing.rejected || Object.keys(ing.errors).length ? ` · rejected ${ing.rejected}, errors ${JSON.stringify(ing.errors)}` : ''}`,
    b ? `INSERT unnest ${fmt(b.insert.eventsPerSec)}/s · COPY ${fmt(b.copy.eventsPerSec)}/s` : 'n/a',
    b ? `${ratio(ing.eventsPerSec, b.insert.eventsPerSec)} of INSERT · ${ratio(ing.eventsPerSec, b.copy.eventsPerSec)} of COPY` : 'n/a',
    `≥ ${fmt(ingTarget)} events/s`,
    met(ing.eventsPerSec >= ingTarget),
  ]);
  rows.push([
    `CPU per event while loading — ${name}`,
    `${fmt(ing.cpuUsPerEvent, 1)} µs process${ing.pgBackendsUsPerEvent !== undefined ? ` + ${fmt(ing.pgBackendsUsPerEvent, 1)} µs its PostgreSQL backends` : ''}; main thread ${fmt(ing.mainThreadUsPerEvent, 1)} µs`,
    b ? `INSERT ${fmt(b.insert.backendCpuUsPerEvent, 1)} µs · COPY ${fmt(b.copy.backendCpuUsPerEvent, 1)} µs (backends)` : 'n/a',
    b ? `${ratio(ing.cpuUsPerEvent + (ing.pgBackendsUsPerEvent ?? 0), b.insert.backendCpuUsPerEvent)} of INSERT` : 'n/a',
    'main thread ≤ 10 µs',
    met(ing.mainThreadUsPerEvent <= 10),
  ]);
  const rssCap = m.mode === 'embedded' ? 512 : 256;
  rows.push([`RSS idle after start — ${name}`, `${fmt(m.idleRssMb)} MB`, '—', '—', `≤ ${rssCap} MB`, met(m.idleRssMb <= rssCap)]);
  rows.push([`RSS after loading — ${name}`, `${fmt(m.rssAfterLoadMb)} MB`, '—', '—', `≤ ${rssCap} MB`, met(m.rssAfterLoadMb <= rssCap)]);
  rows.push([`RSS peak during the history queries — ${name}`, `${fmt(m.peakRssQueriesMb)} MB`, '—', '—', '≤ 1,024 MB', met(m.peakRssQueriesMb <= 1024)]);
  rows.push([`RSS peak during the live phase (queries + verify) — ${name}`, `${fmt(l.peakRssMb)} MB (${fmt(l.rssBeforeMb)} MB before)`, '—', '—', '≤ 1,024 MB', met(l.peakRssMb <= 1024)]);
  rows.push([`start on an empty data dir (until /healthz answers) — ${name}`, `${fmt(m.startupMs / 1000, 2)} s`, '—', '—', '≤ 3 s', met(m.startupMs <= 3000)]);
  if ('error' in m.recovery) {
    rows.push([`recovery after kill -9 at full ingest — ${name}`, `failed: ${m.recovery.error}`, '—', '—', '≤ 3 s', met(false)]);
  } else {
    const r: RecoveryResult = m.recovery;
    rows.push([
      `recovery after kill -9 at full ingest (restart → processor at the last acknowledged position) — ${name}`,
      `${fmt(r.restartToCaughtUpMs / 1000, 2)} s (/healthz after ${fmt(r.restartToHealthzMs / 1000, 2)} s; ingest was ${fmt(r.ingestEventsPerSec)} events/s)`,
      '—',
      '—',
      '≤ 3 s',
      met(r.restartToCaughtUpMs <= 3000),
    ]);
    rows.push([`every acknowledged event there after kill -9 (durable before the 202) — ${name}`, r.allAcknowledgedRecovered ? 'yes' : `**no**: position ${r.recoveredPosition} < acknowledged ${r.ackedPosition}`, '—', '—', 'yes', met(r.allAcknowledgedRecovered)]);
  }
  return rows;
}

export function table(rows: Row[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return ['| what | ccpulse | baseline | ratio | target | met? |', '|---|---|---|---|---|---|', ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

export interface Series {
  label: string;
  color: string;
  dash: string;
  points: Array<{ x: number; y: number }>;
}

export function curveSeries(name: string, color: string, curve: CurvePoint[]): Series[] {
  const pts = (k: 'lastHour' | 'rangeByQueue') => curve.filter((p) => p[k] && p[k].runs > 0).map((p) => ({ x: p.events, y: p[k].ms.p50 }));
  return [
    { label: `${name}: last hour by queue,channel (1m)`, color, dash: '', points: pts('lastHour') },
    { label: `${name}: whole range by queue (1h)`, color, dash: '6 4', points: pts('rangeByQueue') },
  ];
}

export function curveTable(named: Array<[string, CurvePoint[]]>): string {
  const head = `| hours loaded | events | ${named.map(([n]) => `${n}: last hour p50 | ${n}: whole range by queue p50`).join(' | ')} |`;
  const sep = `|---|---|${named.map(() => '---|---|').join('')}`;
  const base = named[0][1];
  const lines = base.map((p, i) => {
    const cells = named.flatMap(([, c]) => [c[i] ? `${fmt(c[i].lastHour.ms.p50)} ms` : 'n/a', c[i] ? `${fmt(c[i].rangeByQueue.ms.p50)} ms` : 'n/a']);
    return `| ${p.hours} | ${fmt(p.events)} | ${cells.join(' | ')} |`;
  });
  return [head, sep, ...lines].join('\n');
}

/** A log-scale line plot of query latency against events loaded, as a standalone SVG (no dependency). */
export function svgPlot(title: string, series: Series[]): string {
  const W = 860;
  const H = 440;
  const L = 70;
  const R = 370;
  const T = 40;
  const B = 50;
  const all = series.flatMap((s) => s.points).filter((p) => p.y > 0 && Number.isFinite(p.y));
  const xMax = Math.max(1, ...all.map((p) => p.x));
  const yMin = 10 ** Math.floor(Math.log10(Math.max(0.1, Math.min(...all.map((p) => p.y)))));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(1, ...all.map((p) => p.y))));
  const px = (x: number) => L + ((W - L - R) * x) / xMax;
  const py = (y: number) => H - B - ((H - T - B) * (Math.log10(y) - Math.log10(yMin))) / (Math.log10(yMax) - Math.log10(yMin) || 1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="22" font-size="14">${escapeXml(title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
  ];
  for (let e = Math.log10(yMin); e <= Math.log10(yMax); e++) {
    const y = py(10 ** e);
    out.push(`<line x1="${L}" y1="${y}" x2="${W - R}" y2="${y}" stroke="#ddd"/>`, `<text x="${L - 6}" y="${y + 4}" text-anchor="end">${fmt(10 ** e, 1)} ms</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const x = (xMax * i) / 4;
    out.push(`<text x="${px(x)}" y="${H - B + 18}" text-anchor="middle">${fmt(x / 1000)}k</text>`);
  }
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 10}" text-anchor="middle">events loaded</text>`);
  out.push(`<text x="16" y="${(T + H - B) / 2}" transform="rotate(-90 16 ${(T + H - B) / 2})" text-anchor="middle">p50 latency (log scale)</text>`);
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => p.y > 0);
    if (pts.length) {
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}" points="${pts.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ')}"/>`);
      for (const p of pts) out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${s.color}"/>`);
    }
    const ly = T + 10 + i * 20;
    out.push(`<line x1="${W - R + 16}" y1="${ly}" x2="${W - R + 46}" y2="${ly}" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}"/>`, `<text x="${W - R + 52}" y="${ly + 4}">${escapeXml(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

const escapeXml = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

/** Whether ccpulse and the baseline counted the same appeals (offered; appointed for the by-operator rows). */
export function crossCheck(modes: ModeResult[], b: BaselineResult | undefined): string {
  if (!b) return 'No baseline in this run.';
  const lines = ['| query | baseline rows · offered · appointed | ' + modes.map((m) => `ccpulse ${m.mode} rows · offered · appointed`).join(' | ') + ' |', `|---|---|${modes.map(() => '---|').join('')}`];
  for (const key of ['lastHour', 'rangeByQueue', 'rangeByOperator']) {
    const cell = (t: Timing | undefined) => (t ? `${fmt(t.rows)} · ${fmt(t.offered)} · ${fmt(t.appointed)}` : 'n/a');
    lines.push(`| ${key} | ${cell(b.queries[key])} | ${modes.map((m) => cell(m.queries[key])).join(' | ')} |`);
  }
  return lines.join('\n');
}
