/**
 * The forecast bench's data: per-minute cells of every queue × channel of a `center-300-week` run,
 * made with the real simulator and the project's own metric definitions (recomputeCells), and cached
 * under bench/.cache (same scenario, seed, start and length → same cells).
 *
 * A 4-week run holds ~8M events; they are not kept. Appeal events are grouped by appeal as they come,
 * and an appeal is told (recomputeCells) once it has been closed or missed and quiet for 3 hours: a
 * later event of it opens a new segment whatever came before (appeal-story.ts, splitSegments), so
 * telling the rest as a story of its own adds the same offered and handle counts as the whole story.
 * The total offered is checked against the simulator's own count of segments.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG, inactivityTimeoutOf } from '../../src/config/config.js';
import type { LoggedEvent } from '../../src/contract/event.js';
import { recomputeCells } from '../../src/metrics/recompute.js';
import { createSimulation, getScenario } from '../../src/sim/index.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

export interface DataSpec {
  scenario: string;
  seed: number;
  /** Epoch ms of sim time 0 (a Monday 00:00 UTC). */
  start: number;
  /** Minutes simulated. */
  minutes: number;
}

/** One queue × channel, minute i covering [start + i min, start + (i + 1) min). */
export interface StreamSeries {
  key: string;
  queue: string;
  channel: string;
  offered: number[];
  handleSec: number[];
  handled: number[];
}

export interface Data extends DataSpec {
  streams: StreamSeries[];
  /** The simulator's counts, for the cross-check and the report. */
  sim: { events: number; segments: number; sentDistribution: number; wallSec: number };
}

const QUIET_MS = 3 * HOUR;

export function loadData(spec: DataSpec, log: (s: string) => void): Data {
  const dir = path.join(ROOT, 'bench', '.cache');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `forecast-${spec.scenario}-seed${spec.seed}-${new Date(spec.start).toISOString().slice(0, 10)}-${spec.minutes}min.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Data;
  log(`simulating ${spec.scenario} seed ${spec.seed} for ${(spec.minutes / 1440).toFixed(2)} days (cached as ${path.relative(ROOT, file)})`);
  const data = simulate(spec, log);
  writeFileSync(`${file}.partial`, JSON.stringify(data));
  renameSync(`${file}.partial`, file);
  return data;
}

function simulate(spec: DataSpec, log: (s: string) => void): Data {
  const t0 = performance.now();
  const scenario = getScenario(spec.scenario, spec.seed);
  const sim = createSimulation({ scenario, seed: spec.seed, startTime: spec.start, durationMs: spec.minutes * MIN });
  const streams = new Map<string, StreamSeries>();
  for (const s of scenario.streams) {
    const key = `${s.queue}/${s.channel}`;
    const zeros = () => new Array<number>(spec.minutes).fill(0);
    streams.set(key, { key, queue: s.queue, channel: s.channel, offered: zeros(), handleSec: zeros(), handled: zeros() });
  }
  const timeout = inactivityTimeoutOf(DEFAULT_CONFIG);
  const open = new Map<string, { events: LoggedEvent[]; lastTs: number; ended: boolean }>();
  let seq = 0;
  let events = 0;
  let sentDistribution = 0;

  const tell = (batch: LoggedEvent[]) => {
    for (const cell of recomputeCells(batch, timeout).values()) {
      if (cell.operator !== '') continue; // the queue-level cell is the stream's
      const s = streams.get(`${cell.queue}/${cell.channel}`);
      const i = (cell.bucket - spec.start) / MIN;
      // Appeals still open at the end expire later (QA and repair counts only): nothing to forecast there.
      if (s && (i < 0 || i >= spec.minutes) && cell.counters.offered === 0 && cell.counters.handleCount === 0) continue;
      if (!s || i < 0 || i >= spec.minutes) throw new Error(`cell outside the run: ${cell.queue}/${cell.channel} @ ${new Date(cell.bucket).toISOString()}`);
      s.offered[i] += cell.counters.offered;
      s.handleSec[i] += cell.counters.handleSumMs / 1000;
      s.handled[i] += cell.counters.handleCount;
    }
  };
  const flush = (before: number) => {
    const batch: LoggedEvent[] = [];
    for (const [id, a] of open) {
      if (a.ended && a.lastTs < before) {
        for (const e of a.events) batch.push(e);
        open.delete(id);
      }
    }
    tell(batch);
  };

  const end = spec.start + spec.minutes * MIN;
  for (let t = spec.start; t < end; ) {
    t = Math.min(end, t + HOUR);
    for (const e of sim.next(t)) {
      events++;
      if (e.type === 'OPERATOR_STATUS' || e.appealId === undefined) continue;
      if (e.type === 'APPEAL_SENT_DISTRIBUTION') sentDistribution++;
      let a = open.get(e.appealId);
      if (!a) open.set(e.appealId, (a = { events: [], lastTs: e.ts, ended: false }));
      a.events.push({ ...e, tenant: 't', seq: seq++ });
      a.lastTs = Math.max(a.lastTs, e.ts);
      a.ended = e.type === 'APPEAL_CLOSED' || e.type === 'APPEAL_MISSED';
    }
    if ((t - spec.start) % (6 * HOUR) === 0) flush(t - QUIET_MS);
    if ((t - spec.start) % DAY === 0) log(`  day ${(t - spec.start) / DAY} simulated, ${events.toLocaleString('en-US')} events, ${open.size} appeals held`);
  }
  // The rest, ended or not: nothing comes after the run's end.
  tell([...open.values()].flatMap((a) => a.events));

  const stats = sim.stats();
  const offered = [...streams.values()].reduce((acc, s) => acc + s.offered.reduce((x, y) => x + y, 0), 0);
  // Every segment (APPEAL_NEW or APPEAL_RETURNED) is offered once: at its SENT_DISTRIBUTION, or at its start
  // for the few that the run's end caught before they were queued.
  if (offered !== stats.segments) throw new Error(`offered ${offered} ≠ the simulator's segments ${stats.segments}`);
  return { ...spec, streams: [...streams.values()], sim: { events, segments: stats.segments, sentDistribution, wallSec: (performance.now() - t0) / 1000 } };
}
