/**
 * Summarizes V8 .cpuprofile files (from `node --cpu-prof`): self time by function and by
 * category, hottest first. Usage: node --import tsx bench/profile-top.ts FILE_OR_DIR... [--top N]
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface CpuNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: CpuNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  /** What the summary covers, e.g. "ingest window, main thread". */
  label?: string;
  totalMs: number;
  idleMs: number;
  gcMs: number;
  top: Array<{ fn: string; where: string; selfMs: number; pct: number }>;
  /** Self time by where the code lives (ccpulse module, a dependency, node internals, native/GC). */
  byArea: Array<{ area: string; selfMs: number; pct: number }>;
}

/**
 * @param window only samples taken in [fromUs, toUs] of CLOCK_MONOTONIC (the profile's own clock; in Node
 *   that is process.hrtime() / 1000), e.g. a benchmark's measured window without the startup.
 */
export function summarizeProfile(file: string, topN = 15, window?: { fromUs: number; toUs: number }): ProfileSummary {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let t = prof.startTime;
  for (let i = 0; i < prof.samples.length; i++) {
    t += prof.timeDeltas[i] ?? 0;
    if (window && (t < window.fromUs || t > window.toUs)) continue;
    const dt = (prof.timeDeltas[i + 1] ?? prof.timeDeltas[i] ?? 0) / 1000;
    self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + dt);
  }
  const fnSelf = new Map<string, { fn: string; where: string; ms: number }>();
  const areaSelf = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let gc = 0;
  for (const [id, ms] of self) {
    const n = byId.get(id)!;
    const { functionName, url, lineNumber } = n.callFrame;
    total += ms;
    if (functionName === '(idle)') {
      idle += ms;
      continue;
    }
    if (functionName === '(garbage collector)') gc += ms;
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
    const key = `${functionName}|${where}`;
    const e = fnSelf.get(key) ?? { fn: functionName || '(anonymous)', where, ms: 0 };
    e.ms += ms;
    fnSelf.set(key, e);
    const area = areaOf(functionName, url);
    areaSelf.set(area, (areaSelf.get(area) ?? 0) + ms);
  }
  const busy = total - idle || 1;
  return {
    file,
    totalMs: Math.round(total),
    idleMs: Math.round(idle),
    gcMs: Math.round(gc),
    top: [...fnSelf.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, topN)
      .map((e) => ({ fn: e.fn, where: e.where, selfMs: Math.round(e.ms), pct: Math.round((e.ms / busy) * 1000) / 10 })),
    byArea: [...areaSelf.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([area, ms]) => ({ area, selfMs: Math.round(ms), pct: Math.round((ms / busy) * 1000) / 10 })),
  };
}

function shortUrl(url: string): string {
  const i = url.lastIndexOf('/node_modules/');
  if (i >= 0) return url.slice(i + '/node_modules/'.length);
  const d = url.indexOf('/dist/');
  if (d >= 0) return url.slice(d + 1);
  const s = url.indexOf('/src/');
  if (s >= 0) return url.slice(s + 1);
  return url.replace(/^file:\/\//, '');
}

function areaOf(fn: string, url: string): string {
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(program)' || (!url && fn.startsWith('('))) return 'native / V8 (program)';
  if (!url) return `native: ${fn || '(anonymous)'}`;
  const nm = /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `dep: ${nm[1]}`;
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/')[0]}`;
  const m = /\/(?:dist|src)\/([^/]+(?:\/[^/]+)?)\.[jt]s$/.exec(url);
  if (m) return `ccpulse: ${m[1]}`;
  return url;
}

export function listProfiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p)) if (f.endsWith('.cpuprofile')) out.push(path.join(p, f));
    } else if (p.endsWith('.cpuprofile')) {
      out.push(p);
    }
  }
  return out.sort();
}

export function formatProfile(s: ProfileSummary, areas = 12): string {
  const lines = [
    `#### ${s.label ? `${s.label} — ` : ''}${path.basename(s.file)}: ${s.totalMs} ms sampled, ${s.idleMs} ms idle, busy ${s.totalMs - s.idleMs} ms (GC ${s.gcMs} ms)`,
    '',
    '| self ms | % busy | function | where |',
    '|---:|---:|---|---|',
    ...s.top.map((e) => `| ${e.selfMs} | ${e.pct} | ${e.fn} | ${e.where} |`),
    '',
    '| self ms | % busy | area |',
    '|---:|---:|---|',
    ...s.byArea.slice(0, areas).map((e) => `| ${e.selfMs} | ${e.pct} | ${e.area} |`),
  ];
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const ti = args.indexOf('--top');
  const top = ti >= 0 ? Number(args.splice(ti, 2)[1]) : 25;
  const files = listProfiles(args.length ? args : ['.']);
  if (!files.length) {
    process.stderr.write('no .cpuprofile files given\n');
    process.exit(1);
  }
  for (const f of files) process.stdout.write(`${formatProfile(summarizeProfile(f, top), 20)}\n\n`);
}
