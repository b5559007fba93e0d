/**
 * Proof that the advice helps: a scenario runs through the simulator into a real engine (the embedded
 * store in memory, the live view, the recommender), in simulated time, minute by minute. After each
 * minute the recommender evaluates the board as of that minute, and a policy acts on the simulated
 * center:
 *
 * - `ignore`: nothing is done (the scenario's own staffing);
 * - `follow`: every staffing item the engine has open and current is applied as it says (move N between
 *   queues × channels, add N, release N), the moment it opens or its numbers change;
 * - `oracle`: at the start of every 15 minutes, each queue × channel is staffed to what the same
 *   staffing math (the same safety margin, recommend.planQuantile) requires for the arrivals that will
 *   actually come in those 15 minutes (counted in a
 *   first pass of the same scenario and seed), with everything else as the engine measured it (handle
 *   time, patience, concurrency, operators at work): workforce planning with perfect knowledge of the load.
 *
 * What is reported comes from ccpulse's own metrics over the run (15-minute rows per queue × channel)
 * and the simulator's count of operators online: the share of intervals meeting the SL target, abandon %,
 * mean wait, operator-hours.
 */
import { DEFAULT_CONFIG, type Config } from '../../config/config.js';
import type { MetricsRow } from '../../contract/api.js';
import type { CcEvent } from '../../contract/event.js';
import { createSimulation, type ScenarioDef } from '../../sim/index.js';
import { openPgliteStorage } from '../../storage/pglite/index.js';
import { Engine } from '../../stream/engine.js';
import { staffingFor, type LoadPlan } from '../advisor/rules.js';

export type Policy = 'follow' | 'ignore' | 'oracle';
export const POLICIES: readonly Policy[] = ['follow', 'ignore', 'oracle'];

const MINUTE = 60_000;
const INTERVAL = 15 * MINUTE;
const TENANT = 'default';

export interface EvaluateOptions {
  scenario: string | ScenarioDef;
  seed?: number;
  policy: Policy;
  /** Simulated run length; default the scenario's. */
  durationMs?: number;
  /** The server settings the run uses (recommend.*, sl.*); the defaults when absent. */
  config?: Config;
  /** Told of every staffing action taken (sim time, what, where (for a move: where to), how many, why). */
  onAction?: (a: { at: number; action: 'add' | 'release' | 'move'; queue: string; channel: string; n: number; reason: string }) => void;
}

export interface PolicyResult {
  policy: Policy;
  scenario: string;
  seed: number;
  /** 15-minute intervals × queue × channel with traffic, and the share of them meeting the SL target. */
  intervals: number;
  intervalsMeetingSlPct: number;
  abandonPct: number;
  meanWaitSec: number;
  operatorHours: number;
  /** Staffing actions taken: operators added, released and moved between queues × channels. */
  added: number;
  released: number;
  moved: number;
  offered: number;
  /** The intervals that missed the target: where the advice fell short. */
  missed: Array<{ queue: string; channel: string; bucket: string; slPct: number; offered: number }>;
}

export async function evaluatePolicy(o: EvaluateOptions): Promise<PolicyResult> {
  const seed = o.seed ?? 1;
  const config = o.config ?? DEFAULT_CONFIG;
  const arrivals = o.policy === 'oracle' ? await arrivalsByMinute(o.scenario, seed, o.durationMs) : null;
  const sim = createSimulation({ scenario: o.scenario, seed, durationMs: o.durationMs, faults: {} });
  let now = sim.startTime;
  const storage = await openPgliteStorage({});
  const engine = await Engine.start({ storage, config, now: () => now, recommendOnChange: false });
  const result = { added: 0, released: 0, moved: 0, operatorMinutes: 0 };
  const targets = new Map(Object.entries(config.recommend.slTargetPct));
  const targetOf = (queue: string) => targets.get(queue) ?? targets.get('default') ?? 80;
  try {
    const applied = new Map<string, number>();
    for (now = sim.startTime + MINUTE; ; now += MINUTE) {
      const end = Math.min(now, sim.endTime);
      await appendAll(engine, sim.next(end));
      now = end;
      const r = engine.recommender!;
      r.evaluate();
      if (r.situations(TENANT).length === 0) {
        // the tenant's board was being loaded (its first events): evaluate once it is
        await r.loaded();
        r.evaluate();
      }
      if (o.policy === 'follow') {
        // an item acts when it opens and whenever its numbers are renewed (its condition still holds);
        // moves first: a stream that got operators moved to it (or from it) this minute waits for the
        // next evaluation before adding (or releasing) more
        const current = r.board(TENANT).filter((item) => item.updatedAt === now && applied.get(item.id) !== now);
        const touched = new Set<string>();
        for (const item of current.filter((i) => i.kind === 'staffing-move')) {
          applied.set(item.id, now);
          const { from, to, move } = item.data as { from: { queue: string; channel: string }; to: { queue: string; channel: string }; move: number };
          const moved = sim.actions.moveOperators(from, to, move).length;
          result.moved += moved;
          touched.add(`${from.queue}\u0001${from.channel}`).add(`${to.queue}\u0001${to.channel}`);
          o.onAction?.({ at: now, action: 'move', queue: to.queue, channel: to.channel, n: moved, reason: item.reason });
        }
        for (const item of current) {
          if (item.kind !== 'staffing-add' && item.kind !== 'staffing-release') continue;
          const [queue, channel] = item.key.slice(item.kind.length + 1).split(':');
          if (touched.has(`${queue}\u0001${channel}`)) continue;
          applied.set(item.id, now);
          const n = Number(item.data.add ?? item.data.release ?? 0);
          if (!(n > 0)) continue;
          if (item.kind === 'staffing-add') result.added += sim.actions.addOperators(queue, channel, n).length;
          else result.released += sim.actions.removeOperators(queue, channel, n).length;
          o.onAction?.({ at: now, action: item.kind === 'staffing-add' ? 'add' : 'release', queue, channel, n, reason: item.reason });
        }
      }
      // at every interval's start, and at the first minute (the center's first events: nothing to see before)
      if (arrivals && ((now - sim.startTime) % INTERVAL === 0 || now === sim.startTime + MINUTE) && now < sim.endTime) {
        for (const situation of r.situations(TENANT)) {
          const { queue, channel } = situation;
          let known = 0;
          for (let m = now; m < now + INTERVAL; m += MINUTE) known += arrivals.get(`${queue}/${channel}`)?.get(m) ?? 0;
          // the arrivals known, nothing read from the last minutes (no surge, no backlog): the plan is the future itself
          const staffing = known > 0 ? staffingOrNull(situation, { perHour: known * 4, basis: 'forecast', backlog: 0 }) : null;
          const need = staffing?.required ?? 0;
          const have = situation.available;
          if (need > have) result.added += sim.actions.addOperators(queue, channel, need - have).length;
          if (need < have) result.released += sim.actions.removeOperators(queue, channel, have - need).length;
          if (need !== have) o.onAction?.({ at: now, action: need > have ? 'add' : 'release', queue, channel, n: Math.abs(need - have), reason: `oracle: ${known} arrivals in the next 15 min need ${need}` });
        }
      }
      result.operatorMinutes += sim.stats().operatorsOnline;
      if (now >= sim.endTime) break;
    }
    await appendAll(engine, sim.next(sim.endTime + 6 * 3_600_000)); // what was still open drains
    const rows = JSON.parse(
      await engine.historyJson({ tenant: TENANT }, { from: sim.startTime, to: sim.endTime, groupBy: ['queue', 'channel'], intervalMs: INTERVAL, level: 'queue' }),
    ).rows as MetricsRow[];
    return summarize(o, seed, rows, result, targetOf);
  } finally {
    await engine.stop();
    await storage.close();
  }
}

function staffingOrNull(s: Parameters<typeof staffingFor>[0], plan: LoadPlan): ReturnType<typeof staffingFor> {
  try {
    return staffingFor(s, plan);
  } catch {
    return null; // beyond what any staffing carries
  }
}

async function appendAll(engine: Engine, events: CcEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 5_000) await engine.append(TENANT, events.slice(i, i + 5_000));
}

/** A first pass, nothing done: arrivals (queued appeals) per minute, by `queue/channel`. */
async function arrivalsByMinute(scenario: string | ScenarioDef, seed: number, durationMs?: number): Promise<Map<string, Map<number, number>>> {
  const sim = createSimulation({ scenario, seed, durationMs, faults: {} });
  const out = new Map<string, Map<number, number>>();
  for (const e of sim.next(sim.endTime)) {
    if (e.type !== 'APPEAL_SENT_DISTRIBUTION') continue;
    const key = `${e.queue}/${e.channel}`;
    let m = out.get(key);
    if (!m) out.set(key, (m = new Map()));
    const minute = e.ts - (e.ts % MINUTE);
    m.set(minute, (m.get(minute) ?? 0) + 1);
  }
  return out;
}

function summarize(o: EvaluateOptions, seed: number, rows: MetricsRow[], acts: { added: number; released: number; moved: number; operatorMinutes: number }, targetOf: (queue: string) => number): PolicyResult {
  let intervals = 0;
  let meeting = 0;
  let offered = 0;
  let aa = 0;
  let missed = 0;
  let waitSum = 0;
  const missedRows: PolicyResult['missed'] = [];
  for (const r of rows) {
    if (r.offered === 0 && r.aa === 0 && r.missed === 0) continue;
    offered += r.offered;
    aa += r.aa;
    missed += r.missed;
    if (r.awtSec !== null) waitSum += r.awtSec * r.aa;
    if (r.slPct === null) continue;
    intervals++;
    if (r.slPct >= targetOf(r.queue!)) meeting++;
    else missedRows.push({ queue: r.queue!, channel: r.channel!, bucket: r.bucket!, slPct: r.slPct, offered: r.offered });
  }
  const round1 = (x: number) => Math.round(x * 10) / 10;
  return {
    policy: o.policy,
    scenario: typeof o.scenario === 'string' ? o.scenario : o.scenario.name,
    seed,
    intervals,
    intervalsMeetingSlPct: intervals ? round1((100 * meeting) / intervals) : 0,
    abandonPct: aa + missed ? round1((100 * missed) / (aa + missed)) : 0,
    meanWaitSec: aa ? round1(waitSum / aa) : 0,
    operatorHours: round1(acts.operatorMinutes / 60),
    added: acts.added,
    released: acts.released,
    moved: acts.moved,
    offered,
    missed: missedRows,
  };
}
