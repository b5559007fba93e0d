/** The history queries of issue #8, timed against ccpulse (GET /v1/metrics) and the raw-scan baseline alike. */
import { getJson } from '../http.js';
import { sampleProc } from '../server.js';
import { summarize, type Summary } from '../stats.js';
import type { QueryShape } from './pg-raw.js';

export interface QueryDef {
  key: 'lastHour' | 'rangeByQueue' | 'rangeByOperator';
  label: string;
  shape: QueryShape;
  /** ccpulse's interval parameter for the same buckets. */
  interval?: string;
  range(startMs: number, endMs: number): [number, number];
}

export const QUERIES: QueryDef[] = [
  {
    key: 'lastHour',
    label: 'last hour, groupBy queue,channel, interval 1m',
    shape: { groupBy: ['queue', 'channel'], interval: '1 minute' },
    interval: '1m',
    range: (_s, e) => [e - 3_600_000, e],
  },
  { key: 'rangeByQueue', label: 'whole range, groupBy queue, interval 1h', shape: { groupBy: ['queue'], interval: '1 hour' }, interval: '1h', range: (s, e) => [s, e] },
  { key: 'rangeByOperator', label: 'whole range, groupBy operator', shape: { groupBy: ['operator'] }, range: (s, e) => [s, e] },
];

export function metricsPath(q: QueryDef, fromMs: number, toMs: number): string {
  const p = new URLSearchParams({ from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), groupBy: q.shape.groupBy.join(',') });
  if (q.interval) p.set('interval', q.interval);
  return `/v1/metrics?${p}`;
}

export interface Timing {
  ms: Summary;
  runs: number;
  warmup: number;
  rows: number;
  /** Offered appeals summed over the answer's rows: a check that both sides counted the same thing. */
  offered: number;
  /** Appointed (AA) summed over the rows: the same check for the by-operator rows, which carry no offered. */
  appointed: number;
  /** Why the runs stopped before the asked number (time budget, an error). */
  note?: string;
  error?: string;
}

/**
 * Runs fn warmup + runs times, one at a time, and summarizes the timed runs; stops early (with a note)
 * when the time budget is spent after at least 3 timed runs, or at the first error.
 */
export async function timeRuns(fn: () => Promise<Array<Record<string, unknown>>>, warmup: number, runs: number, budgetSec: number): Promise<Timing> {
  const samples: number[] = [];
  let rows = 0;
  let offered = 0;
  let appointed = 0;
  const t0 = performance.now();
  let note: string | undefined;
  let error: string | undefined;
  for (let i = 0; i < warmup + runs; i++) {
    const s = performance.now();
    try {
      const r = await fn();
      rows = r.length;
      offered = r.reduce((n, x) => n + Number(x.offered ?? 0), 0);
      appointed = r.reduce((n, x) => n + Number(x.aa ?? 0), 0);
    } catch (err) {
      error = (err as Error).message.slice(0, 200);
      break;
    }
    if (i >= warmup) samples.push(performance.now() - s);
    if (samples.length >= 3 && samples.length < runs && (performance.now() - t0) / 1000 > budgetSec) {
      note = `stopped after ${samples.length} of ${runs} runs: the ${budgetSec} s budget was spent`;
      break;
    }
  }
  return { ms: summarize(samples, 1), runs: samples.length, warmup, rows, offered, appointed, note, error };
}

export async function ccpulseMetrics(port: number, q: QueryDef, fromMs: number, toMs: number, timeoutMs: number): Promise<Array<Record<string, unknown>>> {
  return (await getJson<{ rows: Array<Record<string, unknown>> }>(port, metricsPath(q, fromMs, toMs), timeoutMs)).rows;
}

/** Polls a process's RSS every 250 ms; peak() is the highest seen since start (VmHWM is the whole life's). */
export function rssWatcher(pid: number) {
  let peakKb = 0;
  let lastKb = 0;
  const timer = setInterval(() => {
    const s = sampleProc(pid);
    // A process that has just died (a zombie) has a status file without VmRSS: NaN, not a sample.
    if (s && Number.isFinite(s.rssKb)) {
      lastKb = s.rssKb;
      peakKb = Math.max(peakKb, s.rssKb);
    }
  }, 250);
  return {
    peakMb: () => Math.round(peakKb / 1024),
    lastMb: () => Math.round(lastKb / 1024),
    stop: () => clearInterval(timer),
  };
}

export const rssMb = (pid: number): number => {
  const s = sampleProc(pid);
  return s ? Math.round(s.rssKb / 1024) : NaN;
};
