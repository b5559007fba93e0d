import { adviseTier, type Backend, type TierAdvice } from '../storage/tier/advice.js';
import type { Command } from './command.js';
import { UsageError } from './errors.js';
import { serverClient } from './server-client.js';

const BACKENDS: readonly Backend[] = ['pglite', 'postgres', 'timescaledb', 'clickhouse'];

function numberFlag(name: string, text: string): number {
  const x = /^[0-9]+(\.[0-9]+)?$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isFinite(x)) throw new UsageError(`--${name} must be a number ≥ 0, got "${text}"`);
  return x;
}

function print(a: TierAdvice, measured?: { minutes: number }): void {
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`tier ${a.tier}: ${a.database}`);
  for (const r of a.reasons) out(`  - ${r}`);
  if (measured) out(`  (measured over the last ${measured.minutes} minute${measured.minutes === 1 ? '' : 's'} the server has run, up to a day)`);
  if (a.note) out(a.note);
  out(a.current.notice ?? `${a.current.backend} (tier ${a.current.tier}) is right for it.`);
}

export const tierCommand: Command = {
  name: 'tier',
  summary: 'which storage tier (PostgreSQL, TimescaleDB, ClickHouse) a center needs',
  usage: `Usage: ccpulse tier [--url URL]                        what a running server measured
       ccpulse tier --operators N [--events-per-sec R] [--events-per-week W] [--backend B]

The three tiers of the requirements: 1–60 operators working at once (up to 10 events a second,
6M a week) on PostgreSQL; 61–240 (40 a second, 24M a week) on TimescaleDB; more on ClickHouse. An
operator makes at most ~10 events a minute. The tier is the highest any measure calls for.

Without --operators it asks a running server (GET /v1/tier): the most operators working at once, the
busiest minute's events a second and the events a week at the mean rate, over the last day (since it
started), against the backend it runs on.

Options:
  --operators N          operators working at once
  --events-per-sec R     events a second at the busiest (default: 10 a minute per operator, the most)
  --events-per-week W    events a week (default: the rate above, around the clock)
  --backend B            the backend now: pglite, postgres, timescaledb or clickhouse (default postgres)
  --url URL              the ccpulse server (default http://127.0.0.1:8080, env CCPULSE_URL)
  --api-key KEY          when the server has API keys
  --json                 print the advice as JSON
  -h, --help             show this help`,
  options: {
    operators: { type: 'string' },
    'events-per-sec': { type: 'string' },
    'events-per-week': { type: 'string' },
    backend: { type: 'string' },
    url: { type: 'string' },
    'api-key': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(v) {
    const offline = ['operators', 'events-per-sec', 'events-per-week', 'backend'].filter((k) => v[k] !== undefined);
    if (offline.length && v.operators === undefined) throw new UsageError(`--${offline[0]} goes with --operators (or leave them all out to ask a running server)`);
    if (offline.length && (v.url !== undefined || v['api-key'] !== undefined)) throw new UsageError('give either the figures (--operators …) or a server (--url), not both');
    if (v.operators !== undefined) {
      const operators = numberFlag('operators', v.operators as string);
      const rate = v['events-per-sec'] === undefined ? (operators * 10) / 60 : numberFlag('events-per-sec', v['events-per-sec'] as string);
      const week = v['events-per-week'] === undefined ? rate * 7 * 24 * 3600 : numberFlag('events-per-week', v['events-per-week'] as string);
      const backend = (v.backend ?? 'postgres') as string;
      if (!(BACKENDS as readonly string[]).includes(backend)) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}, got "${backend}"`);
      const a = adviseTier({ operators, peakEventsPerSec: rate, eventsPerWeek: week }, backend as Backend);
      if (v.json) process.stdout.write(`${JSON.stringify(a, null, 2)}\n`);
      else print(a);
      return 0;
    }
    const body = await serverClient(v)('/v1/tier');
    if (v.json) process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    else print(body, body.measured);
    return 0;
  },
};
