/**
 * The rules a tenant's queues are judged by: the config file's, with the tenant's saved settings over
 * them (entry by entry). Pure: no I/O. Names come from events and from the API: looked up in Maps, never
 * as property names (a queue called `__proto__` or `constructor` is just a queue).
 */
import type { Config } from '../config/config.js';
import type { SlPolicy } from '../metrics/finalize.js';
import { targetsOf, type CellTargets } from '../metrics/targets.js';
import type { SlPolicies } from '../storage/storage.js';
import type { TenantSettings } from './schema.js';

/** The sections of the config a tenant's settings can override. */
export interface RuleSettings {
  sl: Config['sl'];
  slTargetPct: Config['recommend']['slTargetPct'];
  thresholds: Config['recommend']['thresholds'];
  chatConcurrency: Config['recommend']['chatConcurrency'];
}

export type Thresholds = Config['recommend']['thresholds'][string];

export interface CellRules {
  /** A queue's own policy, else its channel's, else the default. */
  slPolicyOf(queue: string, channel: string): SlPolicy;
  /** What "good" means on a queue × channel (metrics/targets.ts). */
  targetsOf(queue: string, channel: string): CellTargets;
  /** The alert thresholds given for a queue: the default's fields, the queue's own over them. */
  thresholdsOf(queue: string): Thresholds;
  /** Chats at once on a channel, where set; undefined leaves it to the measurement. */
  concurrencyOf(channel: string): number | undefined;
  /** The SL policies as data, for storage that judges SL in the database. */
  slPolicies: SlPolicies;
  /** Operator → team pairs from the saved teams (each operator once), for history grouped by team. */
  teams: ReadonlyArray<readonly [string, string]>;
}

const entries = <T>(o: Readonly<Record<string, T>> | undefined): Array<[string, T]> => (o ? Object.entries(o) : []);

/** `base`'s entries with `over`'s in their place, in a Map. */
function overlay<T>(base: Readonly<Record<string, T>>, over: Readonly<Record<string, T>> | undefined, merge?: (a: T, b: T) => T): Map<string, T> {
  const m = new Map(entries(base));
  for (const [k, v] of entries(over)) {
    const had = m.get(k);
    m.set(k, had !== undefined && merge ? merge(had, v) : v);
  }
  return m;
}

/** The config's rules with a tenant's saved settings over them, as plain data (what GET /v1/settings shows as `effective`). */
export function effectiveSettings(base: RuleSettings, saved: TenantSettings): RuleSettings {
  const obj = <T>(m: Map<string, T>) => Object.fromEntries(m) as Record<string, T>;
  return {
    sl: {
      default: saved.sl?.default ?? base.sl.default,
      queues: obj(overlay(base.sl.queues, saved.sl?.queues)),
      channels: obj(overlay(base.sl.channels, saved.sl?.channels)),
    },
    slTargetPct: obj(overlay(base.slTargetPct, saved.slTargetPct)),
    thresholds: obj(overlay(base.thresholds, saved.thresholds, (a, b) => ({ ...a, ...b }))),
    chatConcurrency: obj(overlay(base.chatConcurrency, saved.chatConcurrency)),
  };
}

/** `teams`: the tenant's saved teams (the config file has none). */
export function cellRules(s: RuleSettings, teams?: TenantSettings['teams']): CellRules {
  const queues = new Map(entries(s.sl.queues));
  const channels = new Map(entries(s.sl.channels));
  const thresholds = new Map(entries(s.thresholds));
  const concurrency = new Map(entries(s.chatConcurrency));
  const defaultThresholds = thresholds.get('default') ?? {};
  const slPolicyOf = (queue: string, channel: string) => queues.get(queue) ?? channels.get(channel) ?? s.sl.default;
  return {
    slPolicyOf,
    targetsOf: targetsOf(s, slPolicyOf),
    thresholdsOf: (queue) => ({ ...defaultThresholds, ...(queue === 'default' ? undefined : thresholds.get(queue)) }),
    concurrencyOf: (channel) => concurrency.get(channel),
    slPolicies: { default: s.sl.default, queues: [...queues], channels: [...channels] },
    teams: entries(teams).flatMap(([team, operators]) => operators.map((op) => [op, team] as const)),
  };
}

/** The config file's sections the settings cover. */
export const ruleSettingsOf = (cfg: Pick<Config, 'sl'> & { recommend: Pick<Config['recommend'], 'slTargetPct' | 'thresholds' | 'chatConcurrency'> }): RuleSettings => ({
  sl: cfg.sl,
  slTargetPct: cfg.recommend.slTargetPct,
  thresholds: cfg.recommend.thresholds,
  chatConcurrency: cfg.recommend.chatConcurrency,
});

/** What a history query takes of a tenant's rules: the SL policies, and the teams when grouping by team. */
export const historyRules = (rules: CellRules, groupBy: readonly string[]): { sl: SlPolicies; teams?: CellRules['teams'] } =>
  groupBy.includes('team') ? { sl: rules.slPolicies, teams: rules.teams } : { sl: rules.slPolicies };
