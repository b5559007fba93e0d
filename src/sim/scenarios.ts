import { Rng, type Dist } from './rng.js';
import type { OperatorGroup, ScenarioDef, StreamDef } from './types.js';

/**
 * Named scenarios. Each is plain data built by a small function, so variants (morning-peak,
 * understaffed, …) reuse the demo center and change only what makes them different.
 */

const SEC = 1_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;

const voice = (perHour: number, extra: Partial<StreamDef> = {}): Omit<StreamDef, 'queue'> => ({
  channel: 'voice',
  perHour,
  handle: { logn: 60 * SEC, cv: 0.7 },
  patience: { logn: 75 * SEC, cv: 1 },
  routeDelay: { uniform: [2 * SEC, 6 * SEC] }, // IVR menu before the call is queued
  acw: { uniform: [3 * SEC, 10 * SEC] },
  ...extra,
});

const chat = (channel: string, perHour: number, extra: Partial<StreamDef> = {}): Omit<StreamDef, 'queue'> => ({
  channel,
  perHour,
  handle: { logn: 80 * SEC, cv: 0.8 },
  patience: { logn: 4 * MIN, cv: 1 },
  returns: { p: 0.06, after: { exp: 10 * MIN } }, // "one more question" in the same chat
  ...extra,
});

const email = (perHour: number, extra: Partial<StreamDef> = {}): Omit<StreamDef, 'queue'> => ({
  channel: 'email',
  perHour,
  handle: { logn: 4 * MIN, cv: 0.6 },
  routeDelay: { uniform: [1 * SEC, 30 * SEC] },
  returns: { p: 0.15, after: { exp: 30 * MIN } },
  ...extra,
});

const q = (queue: string, ...streams: Array<Omit<StreamDef, 'queue'>>): StreamDef[] => streams.map((s) => ({ queue, ...s }));

const BREAKS = { every: { exp: 70 * MIN }, length: { uniform: [5 * MIN, 12 * MIN] } as Dist };
const CHAT4 = { telegram: 4, whatsapp: 4, webchat: 4 };

/** The demo center's traffic: 9 queue × channel streams over 3 queues and 5 channels. */
function centerStreams(scale = 1): StreamDef[] {
  const s = (n: number): number => n * scale;
  return [
    ...q('sales', voice(s(320), { transfer: { p: 0.04, to: ['support', 'billing'] } }), chat('webchat', s(500)), chat('telegram', s(400))),
    ...q('support', voice(s(280), { transfer: { p: 0.05, to: ['billing'] } }), chat('telegram', s(700)), chat('whatsapp', s(640)), email(s(36))),
    // billing/voice is the short-staffed queue: 3 agents at ρ ≈ 0.8, so every upswing hurts its SL.
    ...q('billing', voice(s(110)), chat('webchat', s(170))),
  ];
}

/** 43 operators; a few floaters cover two voice queues. */
function centerStaff(scale = 1): OperatorGroup[] {
  const n = (k: number): number => Math.max(1, Math.round(k * scale));
  const g = (k: number, skills: string[], extra: Partial<OperatorGroup> = {}): OperatorGroup => ({ n: n(k), skills, breaks: BREAKS, concurrency: CHAT4, ...extra });
  return [
    g(7, ['sales/voice'], { prefix: 'sv' }),
    g(3, ['sales/voice', 'support/voice'], { prefix: 'fv' }),
    g(6, ['support/voice'], { prefix: 'pv' }),
    g(3, ['billing/voice'], { prefix: 'bv' }),
    g(8, ['sales/webchat', 'sales/telegram'], { prefix: 'sc' }),
    g(11, ['support/telegram', 'support/whatsapp'], { prefix: 'pc' }),
    g(2, ['billing/webchat'], { prefix: 'bc', concurrency: { webchat: 3 } }),
    g(3, ['support/email'], { prefix: 'pe' }),
  ];
}

const DEMO_LOAD = {
  sine: { amplitude: 0.3, periodMs: 20 * MIN },
  bursts: { everyMs: 15 * MIN, length: { uniform: [1 * MIN, 3 * MIN] } as Dist, factor: [1.5, 2.5] as [number, number] },
};

/** The demo loses about 1% of the events the metrics must repair: SENT_DISTRIBUTION, APPOINTED, CLOSED. */
const DEMO_LOSS = { drop: 0.01, dropTypes: ['APPEAL_SENT_DISTRIBUTION', 'APPEAL_APPOINTED', 'APPEAL_CLOSED'] };

const demo = (): ScenarioDef => ({
  name: 'demo',
  description: 'Mid-size center: 3 queues × 5 channels (9 streams), 43 operators with breaks, ~4.5 events/s, slow sine + bursts, short-staffed billing/voice, ~1% lost events.',
  streams: centerStreams(),
  operators: centerStaff(),
  load: DEMO_LOAD,
  faults: DEMO_LOSS,
});

/**
 * Small and hand-checkable: every time that is not random is a constant, so each event can be checked
 * by hand (SENT_DISTRIBUTION = NEW + 1 s, CLOSED = APPOINTED + 3 min or 6 min).
 * support/voice: Poisson 60/h, handle exactly 3 min → 3 Erlangs on 4 agents (ρ = 0.75); patience exp(2 min).
 * support/webchat: Poisson 30/h, exactly 6 min → 3 Erlangs on one agent with 3 slots (ρ = 1: long waits,
 * up to minutes, which exercises the coarser wait resolutions); no abandons.
 * No breaks, transfers, returns or faults. Arrivals for 1 h (~60 calls, ~30 chats), then 1 h in which
 * nothing arrives and the last appeals are answered or abandoned and closed (the queues drain in well under
 * an hour), so the run ends with no open appeal: its metrics are final, with no repair or expiry involved.
 * This is what src/sim/reference-expected.ts turns into the fixture ccpulse is checked against.
 */
const reference = (): ScenarioDef => ({
  name: 'reference',
  description: 'One queue, voice (4 agents, 60/h, 3 min) + webchat (1 agent × 3 chats, 30/h, 6 min); constant times; arrivals for 1 h, then 1 h to drain; no faults.',
  durationMs: 2 * HOUR,
  streams: [
    { queue: 'support', channel: 'voice', perHour: 60, handle: 3 * MIN, patience: { exp: 2 * MIN }, routeDelay: SEC },
    { queue: 'support', channel: 'webchat', perHour: 30, handle: 6 * MIN, routeDelay: SEC },
  ],
  operators: [
    { n: 4, skills: ['support/voice'], prefix: 'rv' },
    { n: 1, skills: ['support/webchat'], prefix: 'rc', concurrency: { webchat: 3 } },
  ],
  // Nothing arrives after the first hour (factor 0): the second hour only drains the queues.
  load: { windows: [{ from: HOUR, to: Infinity, factor: 0 }] },
});

/** 07:00–11:00: traffic ramps to 1.6× by 09:00 while a third of the staff only logs in at 09:00. */
const morningPeak = (): ScenarioDef => {
  const staff = centerStaff().flatMap((g) => {
    const late = Math.floor(g.n / 3);
    return late ? [{ ...g, n: g.n - late }, { ...g, n: late, prefix: `${g.prefix}l`, shift: [2 * HOUR, Infinity] as [number, number] }] : [g];
  });
  const profile = Array.from({ length: 24 }, () => 0.5);
  Object.assign(profile, { 6: 0.1, 7: 0.25, 8: 0.8, 9: 1.6, 10: 1.6, 11: 1.0 });
  return {
    name: 'morning-peak',
    description: '07:00–11:00 simulated clock: load ramps 0.25 → 1.6× at 09:00–10:00; a third of the operators only start at 09:00.',
    durationMs: 4 * HOUR,
    streams: centerStreams(),
    operators: staff,
    load: { timeOfDay: profile, startHour: 7 },
  };
};

/** Nothing arrives for 10 minutes (an outage upstream), then everyone who could not get through comes at once. */
const flashCrowd = (): ScenarioDef => ({
  name: 'flash-crowd',
  description: 'Normal load; at 20–30 min an outage stops all arrivals; then 3× for 10 min and 1.8× for 10 min; 90 min.',
  durationMs: 90 * MIN,
  streams: centerStreams(),
  operators: centerStaff(),
  load: {
    windows: [
      { from: 20 * MIN, to: 30 * MIN, factor: 0 },
      { from: 30 * MIN, to: 40 * MIN, factor: 3 },
      { from: 40 * MIN, to: 50 * MIN, factor: 1.8 },
    ],
  },
});

/**
 * The WhatsApp integration breaks for 30 minutes: customers keep writing and operators keep answering,
 * but no WhatsApp event reaches ccpulse (the "channel went silent" alert). When it comes back, the
 * appeals that started in the gap show up half-way through their lifecycle (repairs).
 */
const silentChannel = (): ScenarioDef => ({
  name: 'silent-channel',
  description: 'Demo center; no whatsapp event is delivered from 20 to 50 min (broken integration); 90 min.',
  durationMs: 90 * MIN,
  streams: centerStreams(),
  operators: centerStaff(),
  load: { sine: DEMO_LOAD.sine },
  faults: { silence: [{ from: 20 * MIN, to: 50 * MIN, channel: 'whatsapp' }] },
});

/** The demo's traffic with 60% of its staff: long waits and many abandons everywhere. */
const understaffed = (): ScenarioDef => ({
  name: 'understaffed',
  description: 'Demo traffic, 60% of the operators: SL collapses, abandons rise; 2 h.',
  durationMs: 2 * HOUR,
  streams: centerStreams(),
  operators: centerStaff(0.6),
  load: { sine: DEMO_LOAD.sine },
});

/** Email arrives faster than it is answered all morning; the backlog peaks at midday and drains in the afternoon. */
const emailBacklog = (): ScenarioDef => {
  const profile = Array.from({ length: 24 }, () => 0.2);
  Object.assign(profile, { 8: 1.5, 9: 2.5, 10: 2.5, 11: 1.5, 12: 0.8, 13: 0.5, 14: 0.4, 15: 0.3, 16: 0.2 });
  return {
    name: 'email-backlog',
    description: '08:00–16:00: email peaks at ~1.9× what 9 agents answer; the backlog grows until ~11:00, then drains.',
    durationMs: 8 * HOUR,
    streams: [
      ...q('support', email(50), chat('webchat', 120)),
      ...q('billing', email(25, { handle: { logn: 6 * MIN, cv: 0.6 } })),
    ],
    operators: [
      { n: 7, skills: ['support/email', 'billing/email'], prefix: 'em' },
      { n: 2, skills: ['billing/email'], prefix: 'eb' },
      { n: 2, skills: ['support/webchat'], prefix: 'wc' },
    ],
    load: { timeOfDay: profile, startHour: 8 },
  };
};

/** A center drawn from the seed: queues, channels, rates and staffing (0.8–1.3× the offered load). */
const random = (seed: number): ScenarioDef => {
  const rng = new Rng(seed ^ 0x5eed);
  const queues = ['sales', 'support', 'billing', 'retention', 'tech', 'vip'].slice(0, 2 + rng.int(4));
  const channels = ['voice', 'telegram', 'vk', 'whatsapp', 'webchat', 'cabinet', 'email'];
  const streams: StreamDef[] = [];
  const operators: OperatorGroup[] = [];
  for (const queue of queues) {
    for (const channel of channels) {
      if (!rng.chance(channel === 'voice' ? 0.8 : 0.4)) continue;
      const perHour = Math.round(rng.uniform(20, 300));
      const base = channel === 'voice' ? voice(perHour) : channel === 'email' ? email(perHour / 5) : chat(channel, perHour);
      const handle = { logn: rng.uniform(0.5, 2) * (typeof base.handle === 'object' && 'logn' in base.handle ? base.handle.logn : MIN), cv: rng.uniform(0.4, 1) };
      const def = { queue, ...base, handle };
      streams.push(def);
      const conc = channel === 'voice' || channel === 'email' ? 1 : 2 + rng.int(3);
      const erlangs = (def.perHour * handle.logn) / HOUR / conc;
      operators.push({ n: Math.max(1, Math.round(erlangs * rng.uniform(0.8, 1.3))), skills: [`${queue}/${channel}`], concurrency: { [channel]: conc }, breaks: BREAKS, prefix: `${queue.slice(0, 2)}${channel.slice(0, 2)}` });
    }
  }
  if (!streams.length) return random(seed + 1);
  return {
    name: 'random',
    description: `Randomized center from seed ${seed}: ${streams.length} streams, ${operators.reduce((a, g) => a + g.n, 0)} operators.`,
    durationMs: 2 * HOUR,
    streams,
    operators,
    load: { sine: { amplitude: rng.uniform(0, 0.4), periodMs: rng.uniform(10, 60) * MIN, phase: rng.uniform(0, 6) }, bursts: DEMO_LOAD.bursts },
  };
};

/**
 * A large center for load tests: the demo center replicated over 8 regions (72 streams) at 20× the
 * traffic and staff per stream → ~6,900 operators and ~700 events/s.
 */
const highLoad = (): ScenarioDef => {
  const regions = ['north', 'south', 'east', 'west', 'center', 'volga', 'ural', 'siberia'];
  const scale = 20;
  const streams: StreamDef[] = [];
  const operators: OperatorGroup[] = [];
  for (const r of regions) {
    for (const s of centerStreams(scale)) streams.push({ ...s, queue: `${s.queue}-${r}` });
    for (const g of centerStaff(scale)) operators.push({ ...g, prefix: `${r.slice(0, 2)}-${g.prefix}`, skills: g.skills.map((k) => k.replace('/', `-${r}/`)) });
  }
  return {
    name: 'high-load',
    description: `8 regions × the demo center at ${scale}× (72 streams, ~${operators.reduce((a, g) => a + g.n, 0)} operators), ~700 events/s; 1 h.`,
    durationMs: HOUR,
    streams,
    operators,
    load: DEMO_LOAD,
  };
};

/**
 * A 300-operator center over a week of event time, ~2M events: the data set of issue #8's scale benchmark
 * (bench/scale). The demo center at 7× its staff (301 operators) and traffic, shaped by a working day
 * (quiet nights, a plateau 09:00–18:00 UTC) and a working week (weekends lighter); no faults, so a raw-SQL
 * baseline over the same events needs no repair logic.
 */
const center300Week = (): ScenarioDef => {
  const scale = 7;
  // Most of a 300-operator center's events are operator statuses (each appeal flips ready ↔ busy), so
  // appeals arrive at ~18% of the 7× demo's rate on average: ~330k events on a weekday.
  const day = [0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.03, 0.06, 0.12, 0.17, 0.19, 0.19, 0.17, 0.17, 0.19, 0.19, 0.17, 0.16, 0.12, 0.09, 0.06, 0.05, 0.03, 0.02];
  return {
    name: 'center-300-week',
    description: `The demo center at ${scale}× (9 streams, ~${centerStaff(scale).reduce((a, g) => a + g.n, 0)} operators), working-day and working-week profile (UTC), ~2M events a week (start it on a Monday 00:00 UTC), no faults; 7 days.`,
    durationMs: 7 * 24 * HOUR,
    streams: centerStreams(scale),
    operators: centerStaff(scale),
    load: { timeOfDay: day, weekday: [1, 1, 1, 1, 1, 0.6, 0.45] },
  };
};

/** 1.5M-contact predictive outbound campaign (seed 003): 1,500 agents, 2,500 lines, 30% answer. */
const campaign = (): ScenarioDef => ({
  name: 'campaign',
  description: 'Outbound: 1.5M contacts, 1,500 agents, 2,500 lines, 30% answer, talk ~60 s; predictive pacing, drops < 3% of answered. Runs until the list is done.',
  streams: [],
  operators: [],
  campaigns: [
    {
      id: 'spring-promo',
      queue: 'outbound',
      contacts: 1_500_000,
      agents: 1_500,
      lines: 2_500,
      answerRate: 0.3,
      ringAnswered: { logn: 8 * SEC, cv: 0.5 },
      ringNoAnswer: { uniform: [20 * SEC, 30 * SEC] },
      talk: { logn: 60 * SEC, cv: 0.8 },
      wrap: { uniform: [3 * SEC, 8 * SEC] },
    },
  ],
});

/**
 * A messenger-first center: four of five contacts come by chat, where an operator holds up to three
 * conversations and each slows the others down. Load rises to 1.5× in the second hour; a little short
 * on chat operators for it.
 */
const chatHeavy = (): ScenarioDef => ({
  name: 'chat-heavy',
  description: 'Chat-first center: 2 queues, telegram/whatsapp/webchat 1,600/h and voice 200/h; 22 chat operators × 3 chats, 5 voice; 1.5× in the second hour; 3 h.',
  durationMs: 3 * HOUR,
  streams: [
    ...q('orders', chat('telegram', 500), chat('whatsapp', 400), chat('webchat', 200), voice(120)),
    ...q('returns', chat('telegram', 300), chat('whatsapp', 200), voice(80)),
  ],
  operators: [
    { n: 12, skills: ['orders/telegram', 'orders/whatsapp', 'orders/webchat'], prefix: 'oc', concurrency: { telegram: 3, whatsapp: 3, webchat: 3 }, breaks: BREAKS },
    { n: 7, skills: ['returns/telegram', 'returns/whatsapp'], prefix: 'rc', concurrency: { telegram: 3, whatsapp: 3 }, breaks: BREAKS },
    { n: 3, skills: ['orders/webchat', 'returns/telegram'], prefix: 'xc', concurrency: { webchat: 3, telegram: 3 }, breaks: BREAKS },
    { n: 3, skills: ['orders/voice'], prefix: 'ov', breaks: BREAKS },
    { n: 2, skills: ['returns/voice'], prefix: 'rv', breaks: BREAKS },
  ],
  load: { windows: [{ from: HOUR, to: 2 * HOUR, factor: 1.5 }], sine: { amplitude: 0.15, periodMs: 40 * MIN } },
});

export const SCENARIOS: Record<string, (seed: number) => ScenarioDef> = {
  demo,
  reference,
  'morning-peak': morningPeak,
  'flash-crowd': flashCrowd,
  'silent-channel': silentChannel,
  understaffed,
  'chat-heavy': chatHeavy,
  'email-backlog': emailBacklog,
  random,
  'high-load': highLoad,
  'center-300-week': center300Week,
  campaign,
};

export function getScenario(name: string, seed = 1): ScenarioDef {
  const make = Object.hasOwn(SCENARIOS, name) ? SCENARIOS[name] : undefined;
  if (!make) throw new Error(`unknown scenario "${name}"; known: ${Object.keys(SCENARIOS).join(', ')}`);
  return make(seed);
}
