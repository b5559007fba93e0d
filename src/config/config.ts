import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { isBinEdge } from '../metrics/wait-histogram.js';

const SlPolicySchema = Type.Object(
  {
    targetSec: Type.Number({ minimum: 1 }),
    shortAbandonSec: Type.Number({ minimum: 0 }),
    abandonsCount: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const ConfigSchema = Type.Object(
  {
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    host: Type.String(),
    dataDir: Type.String({ minLength: 1 }),
    demo: Type.Boolean(),
    storage: Type.Union([Type.Literal('pglite'), Type.Literal('postgres')]),
    postgresUrl: Type.String(),
    logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))),
    /** Events timed further ahead of the server clock than this are clamped to arrival time and flagged. */
    maxFutureSkewSec: Type.Number({ minimum: 0 }),
    /** Bounded out-of-orderness: the watermark trails the highest event time seen by this much. */
    watermarkDelaySec: Type.Number({ minimum: 0 }),
    /** How far behind the watermark an event may be and still correct its appeal exactly (see README). */
    allowedLatenessSec: Type.Number({ minimum: 0 }),
    /** How often the stream processor's state, rollups and log position are committed together. */
    checkpointIntervalMs: Type.Integer({ minimum: 50 }),
    /** API key → tenant. Empty: no authentication, everything belongs to tenant "default". */
    apiKeys: Type.Record(Type.String(), Type.String({ minLength: 1 })),
    /**
     * Strict mode: only these queues are processed; an event for another queue is valid but goes to the
     * dead-letter queue (replay it once the queue is added). Empty: every queue is accepted.
     */
    knownQueues: Type.Array(Type.String({ minLength: 1 })),
    /** Channels accepted besides the built-in ones. */
    customChannels: Type.Array(Type.String({ minLength: 1 })),
    sl: Type.Object(
      { default: SlPolicySchema, queues: Type.Record(Type.String(), SlPolicySchema), channels: Type.Record(Type.String(), SlPolicySchema) },
      { additionalProperties: false },
    ),
    /** Seconds without any event after which an open appeal leaves QA, per channel ("default" for the rest). */
    inactivityTimeoutSec: Type.Record(Type.String(), Type.Number({ exclusiveMinimum: 0 })),
    ingest: Type.Object(
      {
        maxEvents: Type.Integer({ minimum: 1 }),
        maxBytes: Type.Integer({ minimum: 1024 }),
        /**
         * Admission deadline: a batch is admitted only if it and everything admitted before it can be made
         * durable within this many ms at the rate the log is measured to drain; otherwise 503 + Retry-After.
         */
        maxQueueDelayMs: Type.Integer({ minimum: 50, maximum: 60_000 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;

export const DEFAULT_CONFIG: Config = {
  port: 8080,
  host: '127.0.0.1',
  dataDir: './data',
  demo: false,
  storage: 'pglite',
  postgresUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
  logLevel: 'info',
  checkpointIntervalMs: 1000,
  maxFutureSkewSec: 300,
  watermarkDelaySec: 5,
  allowedLatenessSec: 300,
  apiKeys: {},
  customChannels: [],
  knownQueues: [],
  sl: {
    default: { targetSec: 20, shortAbandonSec: 5, abandonsCount: true },
    queues: {},
    channels: { email: { targetSec: 3600, shortAbandonSec: 0, abandonsCount: false } },
  },
  inactivityTimeoutSec: {
    default: 24 * 3600,
    voice: 2 * 3600,
    email: 7 * 24 * 3600,
  },
  ingest: { maxEvents: 50_000, maxBytes: 16 * 1024 * 1024, maxQueueDelayMs: 1_000 },
};

/** Environment variables and the config keys they set. */
export const ENV_VARS: Record<string, keyof Config> = {
  CCPULSE_PORT: 'port',
  CCPULSE_HOST: 'host',
  CCPULSE_DATA: 'dataDir',
  CCPULSE_STORAGE: 'storage',
  CCPULSE_POSTGRES_URL: 'postgresUrl',
  CCPULSE_LOG_LEVEL: 'logLevel',
  CCPULSE_CHECKPOINT_MS: 'checkpointIntervalMs',
};

export class ConfigError extends Error {}

/**
 * Builds the typed config. Precedence: flags → environment → file → defaults.
 * The file is `--config PATH`, or CCPULSE_CONFIG, or `ccpulse.config.json` in the working directory if present.
 */
export function loadConfig(opts: { flags?: Partial<Config>; env?: NodeJS.ProcessEnv; configPath?: string } = {}): Config {
  const env = opts.env ?? process.env;
  const path = opts.configPath ?? env.CCPULSE_CONFIG ?? (existsSync('ccpulse.config.json') ? 'ccpulse.config.json' : undefined);
  let fromFile: Partial<Config> = {};
  if (path) {
    try {
      fromFile = JSON.parse(readFileSync(resolve(path), 'utf8'));
    } catch (err) {
      throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
    }
  }
  const fromEnv: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_VARS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    fromEnv[key] = typeof DEFAULT_CONFIG[key] === 'number' ? Number(raw) : raw;
  }
  const merged = { ...DEFAULT_CONFIG, ...fromFile, ...fromEnv, ...stripUndefined(opts.flags ?? {}) } as Config;
  merged.sl = { ...DEFAULT_CONFIG.sl, ...(fromFile.sl ?? {}) };
  merged.sl.channels = { ...DEFAULT_CONFIG.sl.channels, ...(fromFile.sl?.channels ?? {}) };
  merged.inactivityTimeoutSec = { ...DEFAULT_CONFIG.inactivityTimeoutSec, ...(fromFile.inactivityTimeoutSec ?? {}) };
  merged.ingest = { ...DEFAULT_CONFIG.ingest, ...(fromFile.ingest ?? {}) };
  merged.knownQueues = fromFile.knownQueues ?? DEFAULT_CONFIG.knownQueues;

  const errors = [...Value.Errors(ConfigSchema, merged)].map((e) => `${e.path || '/'}: ${e.message}`);
  for (const [queue, p] of Object.entries({ default: merged.sl.default, ...merged.sl.queues, ...merged.sl.channels })) {
    for (const field of ['targetSec', 'shortAbandonSec'] as const) {
      if (typeof p?.[field] === 'number' && !isBinEdge(p[field])) {
        errors.push(`/sl/${queue}/${field}: ${p[field]} s is not a wait-histogram edge (whole seconds below 120, multiples of 5 below 600, whole minutes below 3600, quarter hours beyond)`);
      }
    }
  }
  if (errors.length) throw new ConfigError(`invalid configuration:\n  ${errors.join('\n  ')}`);
  return merged;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A queue's own policy, else its channel's (email is answered in hours, not seconds), else the default. */
export const slPolicyOf = (cfg: Config) => (queue: string, channel: string) => cfg.sl.queues[queue] ?? cfg.sl.channels[channel] ?? cfg.sl.default;

export const inactivityTimeoutOf = (cfg: Config) => {
  const t = cfg.inactivityTimeoutSec;
  return (channel: string) => (t[channel] ?? t.default ?? 86_400) * 1000;
};
