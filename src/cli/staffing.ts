import type { Command } from './command.js';
import { UsageError } from './errors.js';
import { staffingCalc, StaffingInputError, type StaffingCalcInput, type StaffingCalcResult } from '../recommend/staffing/index.js';

/**
 * `ccpulse staffing calc`: the staffing calculator of POST /v1/staffing/calc, computed here (the math is
 * pure; no server is needed). --json prints the answer the route would give for the same input.
 */

/** Each flag and the StaffingCalcInput field it sets; the field's name in kebab case. */
const NUMBER_FLAGS = ['calls-per-interval', 'interval-sec', 'aht-sec', 'agents', 'sl-sec', 'patience-sec', 'concurrency', 'target-sl-pct', 'max-occupancy', 'shrinkage'] as const;
const REQUIRED_FLAGS = ['model', 'calls-per-interval', 'aht-sec', 'agents'] as const;
const DEFAULTS = { 'interval-sec': 1800, 'sl-sec': 20 } as const;
const SUB_COMMANDS = ['calc'];

const fieldOf = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
/** The flag that sets a field a StaffingInputError names: ahtSec → aht-sec, slowdown[1] → slowdown. */
export const flagOf = (field: string) => field.replace(/\[\d+\]$/, '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** A decimal number, nothing else: no "12abc", no empty string, no hex, no NaN or Infinity. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A number flag's value, strictly: the text must be a decimal number and a finite one. */
export function numberFlag(name: string, text: string): number {
  const v = DECIMAL.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(v)) throw new UsageError(`--${name} must be a number, got "${text}"`);
  return v;
}

/** --slowdown: one efficiency factor (0.85), or one speed factor per concurrency level (1,0.9,0.8). */
function slowdownFlag(text: string): number | number[] {
  if (!text.includes(',')) return numberFlag('slowdown', text);
  return text.split(',').map((item) => {
    if (!DECIMAL.test(item.trim())) throw new UsageError(`--slowdown must be a number or a comma-separated list of numbers, got "${text}"`);
    return numberFlag('slowdown', item.trim());
  });
}

/** A StaffingInputError as a usage error naming the flag: "--aht-sec: must be greater than 0, got -1". */
function usageErrorOf(err: StaffingInputError): UsageError {
  const prefix = `${err.field}: `;
  const message = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
  const item = /\[(\d+)\]$/.exec(err.field);
  return new UsageError(`--${flagOf(err.field)}: ${item ? `speed factor ${Number(item[1]) + 1} ` : ''}${message}`);
}

const MODEL_NAMES: Record<string, string> = { 'erlang-c': 'Erlang C', 'erlang-a': 'Erlang A', chat: 'Chat' };
const pct = (x: number) => `${x.toFixed(1)} %`;

/** The answer for a person: what was asked, then the metrics, one a line. */
export function summary(input: StaffingCalcInput, r: StaffingCalcResult): string {
  const load = (input.callsPerInterval * input.ahtSec) / input.intervalSec;
  const who = input.model === 'chat' ? `${input.agents} operators × ${input.concurrency} chats` : `${input.agents} agents`;
  const lines = [
    `${MODEL_NAMES[input.model]}: ${input.callsPerInterval} contacts per ${input.intervalSec} s, AHT ${input.ahtSec} s (${Number(load.toPrecision(4))} Erlangs), ${who}`,
    `  P(wait)     ${pct(r.pWait * 100)}`,
    `  ASA         ${r.asaSec === null ? 'unbounded: the queue is unstable (too few agents for the load)' : `${r.asaSec.toFixed(1)} s`}`,
    `  SL          ${pct(r.slPct)} answered within ${input.slSec} s`,
    `  abandoned   ${pct(r.abandonPct)}`,
    `  occupancy   ${pct(r.occupancy * 100)}`,
  ];
  if (r.requiredAgents !== undefined) {
    lines.push(`  required    ${r.requiredAgents} for ${input.targetSlPct} % within ${input.slSec} s${input.maxOccupancy !== undefined ? ` and occupancy ≤ ${pct(input.maxOccupancy * 100)}` : ''}`);
    lines.push(`  scheduled   ${r.scheduledAgents} with ${pct((input.shrinkage ?? 0) * 100)} shrinkage`);
  }
  return lines.join('\n');
}

export const staffingCommand: Command = {
  name: 'staffing',
  summary: 'staffing calculator: service level, waits and agents needed (Erlang C, Erlang A, chat)',
  usage: `Usage: ccpulse staffing calc --model MODEL --calls-per-interval N --aht-sec S --agents N [options]

Computes a queue's P(wait), ASA, service level, abandonment and occupancy at a staffing, and with
--target-sl-pct the agents it needs. The same calculation as POST /v1/staffing/calc, done here: no
server is needed.

Options:
  --model MODEL               erlang-c, erlang-a (callers abandon) or chat (operators hold several chats)
  --calls-per-interval N      contacts offered in one interval
  --interval-sec S            interval length, seconds (default 1800)
  --aht-sec S                 mean handle time, seconds (chat: of a chat served alone)
  --agents N                  productive agents (chat: operators) to evaluate
  --sl-sec S                  service-level threshold, seconds (default 20)
  --patience-sec S            mean patience: required by erlang-a, optional for chat
  --concurrency K             chats per operator (chat; required there)
  --slowdown X|S1,S2,...      chat: one efficiency factor in (0, 1], or a speed per concurrency level
  --target-sl-pct P           service-level target in percent: also print the agents required
  --max-occupancy F           occupancy cap for the agents required, in (0, 1]
  --shrinkage F               share of paid time not available, in [0, 1): the headcount to schedule
  --json                      print the JSON the HTTP route answers
  -h, --help                  show this help

Example:
  ccpulse staffing calc --model erlang-c --calls-per-interval 100 --aht-sec 180 --agents 14 --target-sl-pct 80`,
  options: {
    model: { type: 'string' },
    ...Object.fromEntries(NUMBER_FLAGS.map((f) => [f, { type: 'string' as const }])),
    slowdown: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: true,
  async run(v, args) {
    const [action, ...rest] = args;
    if (action === undefined) throw new UsageError(`say what to do: ${SUB_COMMANDS.join(', ')}`);
    if (!SUB_COMMANDS.includes(action)) throw new UsageError(`unknown sub-command "${action}": the sub-commands are ${SUB_COMMANDS.join(', ')}`);
    if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}"`);
    for (const flag of REQUIRED_FLAGS) if (v[flag] === undefined) throw new UsageError(`--${flag} is required`);

    const input: Record<string, unknown> = { model: v.model, ...Object.fromEntries(Object.entries(DEFAULTS).map(([flag, d]) => [fieldOf(flag), d])) };
    for (const flag of NUMBER_FLAGS) if (v[flag] !== undefined) input[fieldOf(flag)] = numberFlag(flag, v[flag] as string);
    if (v.slowdown !== undefined) input.slowdown = slowdownFlag(v.slowdown as string);

    let result: StaffingCalcResult;
    try {
      result = staffingCalc(input as unknown as StaffingCalcInput);
    } catch (err) {
      if (err instanceof StaffingInputError) throw usageErrorOf(err);
      throw err;
    }
    process.stdout.write(`${v.json ? JSON.stringify(result, null, 2) : summary(input as unknown as StaffingCalcInput, result)}\n`);
    return 0;
  },
};
