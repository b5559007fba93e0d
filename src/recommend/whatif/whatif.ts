/**
 * Live what-if: from the center's state now (per queue × channel: the forecast, the measured handle time,
 * patience and chat concurrency, the operators at work and who is waiting), the next hour is simulated
 * several times over with the actions applied (add, release or move operators), and the SL, waiting and
 * abandon curves come back in 5-minute steps with a band (10th–90th percentile of the runs). Pure: the
 * simulator (src/sim) in memory, no I/O; the server runs it on a thread of its own.
 *
 * An outbound campaign is modelled at its pace of the last 15 minutes (answered calls an hour), or that
 * pace times an action's factor: its answered calls arrive at random (Poisson) on the operators of its
 * queue × channel, alongside the inbound contacts, and one that finds nobody free is dropped (as a
 * dialer's is).
 * A predictive dialer times its calls to the operators it expects to be free, so it drops fewer than this
 * model at the same pace: the drop rate answered is the cautious side.
 *
 * What the model leaves out, so that the answer is read for what it is: the contacts in handling now are
 * not carried over (operators start free: the first minutes are a little optimistic), the people waiting
 * now arrive in the first minute (as many as wait on average, Poisson, their waits counted from then), and
 * operators take no breaks within the hour.
 */
import type { CcEvent } from '../../contract/event.js';
import { createSimulation, type OperatorGroup, type ScenarioDef, type StreamDef } from '../../sim/index.js';

export const STEP_MINUTES = 5;
const MINUTE = 60_000;

/** One queue × channel as it stands now, and what the model needs of it. */
export interface WhatIfStream {
  queue: string;
  channel: string;
  /** Expected arrivals per hour, per 15-minute slot of the hour ahead (4 values). */
  perHourBySlot: number[];
  ahtSec: number;
  /** Mean patience; absent: nobody abandons. */
  patienceSec?: number;
  /** Chats an operator holds at once; absent: one contact at a time. */
  concurrency?: number;
  operators: number;
  waiting: number;
  sl: { targetSec: number; shortAbandonSec: number; abandonsCount: boolean };
}

/** An outbound campaign as it runs now. */
export interface WhatIfCampaign {
  id: string;
  queue: string;
  /** The channel its calls (or messages) go out on. */
  channel: string;
  /** Answered calls an hour over the last 15 minutes: the pace now. */
  answeredPerHour: number;
  /** Handle time of its calls (its queue × channel's AHT). */
  ahtSec: number;
  dropCapPct: number;
  /** A registered campaign: answered calls still to make, and its deadline (epoch ms). */
  remaining?: number;
  deadline?: number;
}

export type WhatIfAction =
  | { action: 'add' | 'release'; queue: string; channel: string; n: number }
  | { action: 'move'; from: { queue: string; channel: string }; to: { queue: string; channel: string }; n: number }
  /** A campaign's pace times `factor` (0.8: a fifth slower; 0: paused). */
  | { action: 'pace'; campaign: string; factor: number };

export interface Band {
  p10: number;
  p50: number;
  p90: number;
}

export interface WhatIfStep {
  /** Minutes from now at the step's end. */
  minute: number;
  /** SL of the waits that ended in the step (null: none ended). */
  slPct: Band | null;
  /** Waiting at the step's end. */
  waiting: Band;
  abandonPct: Band | null;
}

export interface WhatIfStreamResult {
  queue: string;
  channel: string;
  operators: { now: number; withActions: number };
  steps: WhatIfStep[];
}

export interface WhatIfCampaignResult {
  id: string;
  queue: string;
  channel: string;
  /** The pace simulated: answered calls an hour now, and the factor applied. */
  pace: { answeredPerHour: number; factor: number };
  /** Over the hour: answered calls, and the share of them dropped, against the cap. */
  answered: Band;
  dropPct: Band | null;
  dropCapPct: number;
  steps: Array<{ minute: number; answered: Band; dropPct: Band | null }>;
  /** A registered campaign: when it finishes at the pace simulated (the median run), against its deadline. */
  finish?: { remaining: number; eta: number | null; deadline: number; onTime: boolean };
}

export interface WhatIfResult {
  horizonMinutes: number;
  runs: number;
  streams: WhatIfStreamResult[];
  campaigns: WhatIfCampaignResult[];
}

const keyOf = (queue: string, channel: string) => `${queue}/${channel}`;

/** Operators per stream after the actions (never below 0). Throws on an action naming no stream of `streams`. */
export function operatorsAfter(streams: readonly WhatIfStream[], actions: readonly WhatIfAction[]): Map<string, number> {
  const n = new Map(streams.map((s) => [keyOf(s.queue, s.channel), s.operators]));
  const bump = (q: string, c: string, d: number) => n.set(keyOf(q, c), Math.max(0, n.get(keyOf(q, c))! + d));
  for (const a of actions) {
    if (a.action === 'pace') continue;
    if (a.action === 'move') {
      const moved = Math.min(a.n, n.get(keyOf(a.from.queue, a.from.channel))!);
      bump(a.from.queue, a.from.channel, -moved);
      bump(a.to.queue, a.to.channel, moved);
    } else bump(a.queue, a.channel, a.action === 'add' ? a.n : -a.n);
  }
  return n;
}

/** Each campaign's pace after the actions (the last `pace` action on it wins). */
export function pacesAfter(campaigns: readonly WhatIfCampaign[], actions: readonly WhatIfAction[]): Map<string, number> {
  const out = new Map(campaigns.map((c) => [c.id, 1]));
  for (const a of actions) if (a.action === 'pace' && out.has(a.campaign)) out.set(a.campaign, a.factor);
  return out;
}

/** The simulator's channel of a campaign's calls: by position, so that no campaign id reaches a skill name. */
const campaignChannel = (i: number) => `campaign#${i}`;

/**
 * The hour ahead as a simulator scenario: one stream and one operator group per queue × channel; each
 * campaign a stream of its own on the operators of its queue × channel, its calls taken out of that
 * stream's forecast (which counts them). A campaign on a queue × channel not on the board has nobody to
 * take its calls: all are dropped, which is what would happen.
 */
export function scenarioOf(streams: readonly WhatIfStream[], operators: ReadonlyMap<string, number>, horizonMinutes: number, campaigns: readonly WhatIfCampaign[] = [], paces: ReadonlyMap<string, number> = new Map()): ScenarioDef {
  const defs: StreamDef[] = [];
  const groups: OperatorGroup[] = [];
  const windows: NonNullable<ScenarioDef['load']>['windows'] = [];
  const outboundOn = new Map<string, number>();
  const campaignSkills = new Map<string, string[]>();
  campaigns.forEach((c, i) => {
    outboundOn.set(keyOf(c.queue, c.channel), (outboundOn.get(keyOf(c.queue, c.channel)) ?? 0) + c.answeredPerHour);
    const perHour = c.answeredPerHour * (paces.get(c.id) ?? 1);
    if (!(perHour > 0)) return;
    defs.push({ queue: c.queue, channel: campaignChannel(i), perHour, handle: { logn: c.ahtSec * 1000, cv: 0.8 }, patience: 0, routeDelay: 0 });
    const skills = campaignSkills.get(keyOf(c.queue, c.channel)) ?? [];
    campaignSkills.set(keyOf(c.queue, c.channel), [...skills, campaignChannel(i)]);
  });
  streams.forEach((s, i) => {
    const outbound = outboundOn.get(keyOf(s.queue, s.channel)) ?? 0;
    const slots = s.perHourBySlot.map((r) => Math.max(0, r - outbound));
    const base = Math.max(...slots, 1e-9);
    defs.push({
      queue: s.queue,
      channel: s.channel,
      perHour: base,
      handle: { logn: s.ahtSec * 1000, cv: 0.8 },
      ...(s.patienceSec ? { patience: { exp: s.patienceSec * 1000 } } : {}),
      routeDelay: 0,
    });
    // the forecast's 15-minute slots as load factors, and the people waiting now as extra arrivals in the
    // first minute (spread over a minute, not a second: the simulator's thinning draws candidates at the
    // highest rate for the whole run, so a one-second burst would cost 60× more)
    slots.forEach((r, k) => windows.push({ from: k * 15 * MINUTE + (k === 0 ? MINUTE : 0), to: (k + 1) * 15 * MINUTE, factor: r / base, queue: s.queue, channel: s.channel }));
    windows.push({ from: 0, to: MINUTE, factor: (slots[0] + s.waiting * 60) / base, queue: s.queue, channel: s.channel });
    const n = operators.get(keyOf(s.queue, s.channel)) ?? 0;
    // the campaign's pseudo-channels are worked like the channel itself (as many at once, for chats)
    const outChannels = campaignSkills.get(keyOf(s.queue, s.channel)) ?? [];
    const skills = [keyOf(s.queue, s.channel), ...outChannels.map((ch) => keyOf(s.queue, ch))];
    const concurrency = s.concurrency ? Object.fromEntries([s.channel, ...outChannels].map((ch) => [ch, s.concurrency!])) : undefined;
    if (n > 0) groups.push({ n, skills, prefix: `w${i}-`, ...(concurrency ? { concurrency } : {}) });
  });
  return { name: 'whatif', description: 'the hour ahead from now', durationMs: horizonMinutes * MINUTE, streams: defs, operators: groups, load: { windows } };
}

/** Runs the hour ahead `runs` times (seeds 1…runs) and summarizes each stream's and each campaign's steps. */
export function whatIf(streams: readonly WhatIfStream[], actions: readonly WhatIfAction[], opts: { runs: number; horizonMinutes: number; startTime: number }, campaigns: readonly WhatIfCampaign[] = []): WhatIfResult {
  const after = operatorsAfter(streams, actions);
  const paces = pacesAfter(campaigns, actions);
  const scenario = scenarioOf(streams, after, opts.horizonMinutes, campaigns, paces);
  const steps = opts.horizonMinutes / STEP_MINUTES;
  // per stream, per step, per run
  const per = new Map(streams.map((s) => [keyOf(s.queue, s.channel), Array.from({ length: steps }, () => ({ sl: [] as number[], waiting: [] as number[], abandon: [] as number[] }))]));
  const perCampaign = campaigns.map(() => ({ steps: Array.from({ length: steps }, () => ({ answered: [] as number[], drop: [] as number[] })), answered: [] as number[], drop: [] as number[] }));
  for (let run = 1; run <= opts.runs; run++) {
    const sim = createSimulation({ scenario, seed: run, startTime: opts.startTime, faults: {}, runId: `whatif${run}` });
    const events = sim.next(sim.endTime);
    for (const s of streams) tally(events, s, opts.startTime, steps, per.get(keyOf(s.queue, s.channel))!);
    campaigns.forEach((c, i) => tallyCampaign(events, c.queue, campaignChannel(i), opts.startTime, steps, perCampaign[i]));
  }
  return {
    horizonMinutes: opts.horizonMinutes,
    runs: opts.runs,
    streams: streams.map((s) => ({
      queue: s.queue,
      channel: s.channel,
      operators: { now: s.operators, withActions: after.get(keyOf(s.queue, s.channel))! },
      steps: per.get(keyOf(s.queue, s.channel))!.map((x, k) => ({
        minute: (k + 1) * STEP_MINUTES,
        slPct: band(x.sl),
        waiting: band(x.waiting)!,
        abandonPct: band(x.abandon),
      })),
    })),
    campaigns: campaigns.map((c, i) => {
      const t = perCampaign[i];
      const answered = band(t.answered)!;
      const perHour = (answered.p50 * 60) / opts.horizonMinutes;
      const finish =
        c.remaining !== undefined && c.deadline !== undefined
          ? (() => {
              const eta = c.remaining === 0 ? opts.startTime : perHour > 0 ? opts.startTime + (c.remaining / perHour) * 3_600_000 : null;
              return { remaining: c.remaining, eta, deadline: c.deadline, onTime: eta !== null && eta <= c.deadline };
            })()
          : undefined;
      return {
        id: c.id,
        queue: c.queue,
        channel: c.channel,
        pace: { answeredPerHour: Math.round(c.answeredPerHour * 10) / 10, factor: paces.get(c.id) ?? 1 },
        answered,
        dropPct: band(t.drop),
        dropCapPct: c.dropCapPct,
        steps: t.steps.map((x, k) => ({ minute: (k + 1) * STEP_MINUTES, answered: band(x.answered)!, dropPct: band(x.drop) })),
        ...(finish ? { finish } : {}),
      };
    }),
  };
}

/** One run's answered and dropped calls of a campaign, per step and over the hour. */
function tallyCampaign(
  events: readonly CcEvent[],
  queue: string,
  channel: string,
  start: number,
  steps: number,
  into: { steps: Array<{ answered: number[]; drop: number[] }>; answered: number[]; drop: number[] },
): void {
  const answered = new Array<number>(steps).fill(0);
  const dropped = new Array<number>(steps).fill(0);
  for (const e of events) {
    if (e.queue !== queue || e.channel !== channel) continue;
    const k = Math.min(steps - 1, Math.floor((e.ts - start) / (STEP_MINUTES * MINUTE)));
    if (e.type === 'APPEAL_SENT_DISTRIBUTION') answered[k]++;
    else if (e.type === 'APPEAL_MISSED') dropped[k]++;
  }
  let a = 0;
  let d = 0;
  for (let k = 0; k < steps; k++) {
    into.steps[k].answered.push(answered[k]);
    if (answered[k]) into.steps[k].drop.push((100 * dropped[k]) / answered[k]);
    a += answered[k];
    d += dropped[k];
  }
  into.answered.push(a);
  if (a) into.drop.push((100 * d) / a);
}

/** One run's steps for one stream: SL and abandons of the waits that ended in each step, and who waits at its end. */
function tally(events: readonly CcEvent[], s: WhatIfStream, start: number, steps: number, into: Array<{ sl: number[]; waiting: number[]; abandon: number[] }>): void {
  const queuedAt = new Map<string, number>();
  const ended: Array<{ at: number; waitMs: number; answered: boolean }> = [];
  for (const e of events) {
    if (e.queue !== s.queue || e.channel !== s.channel || !e.appealId) continue;
    if (e.type === 'APPEAL_SENT_DISTRIBUTION') queuedAt.set(e.appealId, e.ts);
    else if ((e.type === 'APPEAL_APPOINTED' || e.type === 'APPEAL_MISSED') && queuedAt.has(e.appealId)) {
      const q = queuedAt.get(e.appealId)!;
      queuedAt.delete(e.appealId);
      ended.push({ at: e.ts, waitMs: e.ts - q, answered: e.type === 'APPEAL_APPOINTED' });
    }
  }
  const stillWaiting = [...queuedAt.values()];
  for (let k = 0; k < steps; k++) {
    const from = start + k * STEP_MINUTES * MINUTE;
    const to = from + STEP_MINUTES * MINUTE;
    let within = 0;
    let counted = 0;
    let answered = 0;
    let abandoned = 0;
    for (const x of ended) {
      if (x.at < from || x.at >= to) continue;
      if (x.answered) {
        answered++;
        counted++;
        if (x.waitMs < s.sl.targetSec * 1000) within++;
      } else {
        abandoned++;
        if (s.sl.abandonsCount && x.waitMs >= s.sl.shortAbandonSec * 1000) counted++;
      }
    }
    if (counted) into[k].sl.push((100 * within) / counted);
    if (answered + abandoned) into[k].abandon.push((100 * abandoned) / (answered + abandoned));
    // waiting at the step's end: queued before it, and not ended by it
    let waiting = stillWaiting.filter((q) => q < to).length;
    for (const x of ended) if (x.at >= to && x.at - x.waitMs < to) waiting++;
    into[k].waiting.push(waiting);
  }
}

function band(xs: number[]): Band | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => Math.round(s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] * 10) / 10;
  return { p10: at(0.1), p50: at(0.5), p90: at(0.9) };
}
