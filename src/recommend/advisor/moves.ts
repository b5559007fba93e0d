/**
 * Moving operators between queues × channels they were seen handling (skills as practised): the skills
 * learned from the contacts in operators' hands, the operators each pair of streams shares, and the
 * moves that cover one stream's gap from another's comfortable surplus. Pure.
 */
import { streamKey } from '../../contract/api.js';
import type { Condition } from '../lifecycle/lifecycle.js';
import { keyPart } from './key-part.js';
import type { QueueSituation, Staffing } from './rules.js';

const MINUTE_MS = 60_000;

/** Per ordered pair of queues × channels (`from\u0002to`), the operators seen handling both: how many, and the first 20. */
export type SharedSkills = ReadonlyMap<string, { count: number; operators: string[] }>;

/**
 * An operator's queues × channels paired up at most: the pairs grow with the square of them, and one
 * operator id seen on every queue (a bot, an integration's generic id) on a board of a thousand queues
 * would make a million pairs, seconds of the main thread. The ones seen last are kept.
 */
const PAIRED_SKILLS_PER_OPERATOR = 20;

/** The operators shared by each pair of queues × channels, in one pass over the operators (each serves a few). */
export function sharedSkills(skills: ReadonlyMap<string, ReadonlyMap<string, number>>): SharedSkills {
  const out = new Map<string, { count: number; operators: string[] }>();
  for (const [operator, seen] of skills) {
    if (seen.size < 2) continue;
    const keys =
      seen.size <= PAIRED_SKILLS_PER_OPERATOR
        ? [...seen.keys()]
        : [...seen].sort((a, b) => b[1] - a[1]).slice(0, PAIRED_SKILLS_PER_OPERATOR).map(([k]) => k);
    for (const a of keys)
      for (const b of keys) {
        if (a === b) continue;
        let p = out.get(`${a}\u0002${b}`);
        if (!p) out.set(`${a}\u0002${b}`, (p = { count: 0, operators: [] }));
        p.count++;
        if (p.operators.length < 20) p.operators.push(operator);
      }
  }
  return out;
}

/** Skills are remembered this long after an operator was last seen handling the queue × channel (a shift). */
const SKILL_MEMORY_MS = 8 * 60 * MINUTE_MS;

export function learnSkills(skills: Map<string, Map<string, number>>, streamsOf: ReadonlyMap<string, ReadonlySet<string>>, minute: number): void {
  for (const [operator, streams] of streamsOf) {
    let seen = skills.get(operator);
    if (!seen) skills.set(operator, (seen = new Map()));
    for (const k of streams) seen.set(k, minute);
  }
  for (const [operator, seen] of skills) {
    for (const [k, at] of seen) if (at <= minute - SKILL_MEMORY_MS) seen.delete(k);
    if (seen.size === 0) skills.delete(operator);
  }
}

/**
 * Moving operators instead of adding them: where one queue × channel is short and another has a
 * comfortable surplus (its SL 5 points over target, nobody waiting, arrivals not rising above its
 * forecast), and operators were seen handling both in the last 8 hours, move the fewest of gap, surplus
 * and such operators. Shortest first.
 */
export function moves(situations: readonly QueueSituation[], staffingOf: (s: QueueSituation) => Staffing | null, shared: SharedSkills): Condition[] {
  const keyOf = (s: QueueSituation) => streamKey(s.queue, s.channel);
  const need = new Map<string, number>();
  for (const s of situations) {
    const st = staffingOf(s);
    if (st) need.set(keyOf(s), st.required - s.available);
  }
  const short = situations.filter((s) => (need.get(keyOf(s)) ?? 0) > 0).sort((a, b) => need.get(keyOf(b))! - need.get(keyOf(a))!);
  const spare = new Map(
    situations
      .filter((s) => (need.get(keyOf(s)) ?? 0) < 0 && s.waiting === 0 && (s.recent.slPct === null || s.recent.slPct >= s.sl.targetPct + 5) && !risingAboveForecast(s))
      .map((s) => [keyOf(s), { s, left: -need.get(keyOf(s))! }]),
  );
  // per short queue × channel, the spare ones it shares operators with, in the order of spare: from the
  // pairs seen (a few per operator), not from every pair of short and spare (a board of thousands of
  // queues made millions of them, a second of the main thread per evaluation)
  const order = new Map([...spare.keys()].map((k, i) => [k, i]));
  const sharing = new Map<string, string[]>();
  for (const pair of shared.keys()) {
    const cut = pair.indexOf('\u0002');
    const fromKey = pair.slice(0, cut);
    const toKey = pair.slice(cut + 1);
    if (!order.has(fromKey) || !((need.get(toKey) ?? 0) > 0)) continue;
    let list = sharing.get(toKey);
    if (!list) sharing.set(toKey, (list = []));
    list.push(fromKey);
  }
  for (const list of sharing.values()) list.sort((a, b) => order.get(a)! - order.get(b)!);
  const out: Condition[] = [];
  for (const to of short) {
    let gap = need.get(keyOf(to))!;
    for (const fromKey of sharing.get(keyOf(to)) ?? []) {
      const from = spare.get(fromKey)!;
      if (gap <= 0) break;
      if (from.left <= 0) continue;
      const pair = shared.get(`${fromKey}\u0002${keyOf(to)}`);
      const both = pair?.operators ?? [];
      const n = Math.min(gap, from.left, pair?.count ?? 0);
      if (n <= 0) continue;
      gap -= n;
      from.left -= n;
      out.push({
        key: `staffing-move:${keyPart(from.s.queue)}:${keyPart(from.s.channel)}>${keyPart(to.queue)}:${keyPart(to.channel)}`,
        kind: 'staffing-move',
        active: true,
        severity: 'warning',
        reason: `move ${n} operator${n === 1 ? '' : 's'} from ${from.s.queue} ${from.s.channel} to ${to.queue} ${to.channel} — ${to.queue} ${to.channel} is ${need.get(keyOf(to))} short, ${from.s.queue} ${from.s.channel} has ${-need.get(fromKey)!} to spare, and ${pair!.count} operator${pair!.count === 1 ? ' was' : 's were'} seen handling both in the last 8 hours`,
        data: { from: { queue: from.s.queue, channel: from.s.channel }, to: { queue: to.queue, channel: to.channel }, move: n, operators: both },
      });
    }
  }
  return out;
}

/**
 * Arrivals of the last 15 minutes more than 20 % over what the forecast expected then (or no forecast
 * made then to compare with): the stream's surplus may be gone before the operators moved away are
 * missed, as when every queue surges at once.
 */
const risingAboveForecast = (s: QueueSituation) => s.expectedLast15 <= 0 || s.recent.offered > 1.2 * s.expectedLast15;
