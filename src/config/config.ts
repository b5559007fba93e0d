import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { isBinEdge } from '../metrics/wait-histogram.js';
import { parseArchiveAge } from '../archive/duration.js';
import type { ArchiveDestination } from '../archive/target.js';
import { checkSlowPathNiceness } from '../runtime/thread-priority.js';
import { DEFAULT_TIMESCALE_SETTINGS } from '../storage/postgres/timescale/policies.js';
import { parseSmtpUrl } from '../notify/channels/smtp-url.js';

export const SlPolicySchema = Type.Object(
  {
    targetSec: Type.Number({ minimum: 1 }),
    shortAbandonSec: Type.Number({ minimum: 0 }),
    abandonsCount: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const ThresholdsSchema = Type.Object(
  {
    longWaitSec: Type.Number({ exclusiveMinimum: 0 }),
    abandonPct: Type.Number({ minimum: 0, maximum: 100 }),
    forecastDeviation: Type.Number({ exclusiveMinimum: 0 }),
    silentExpected: Type.Number({ exclusiveMinimum: 0 }),
    maxOccupancy: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
    stuckAhtMultiple: Type.Number({ exclusiveMinimum: 0 }),
    stuckMinSec: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);

const RecommendSchema = Type.Object(
  {
    /** Off: no advice or alerts are computed (the staffing calculator still answers). */
    enabled: Type.Boolean(),
    /** The SL target, % answered within the SL policy's targetSec: per queue, "default" for the rest. */
    slTargetPct: Type.Record(Type.String(), Type.Number({ minimum: 1, maximum: 99.9 })),
    /** Alert thresholds: per queue, each field over "default"'s. */
    thresholds: Type.Record(Type.String(), Type.Partial(ThresholdsSchema)),
    /**
     * Chats an operator may hold at once, per channel. A channel not named here is measured: the most
     * chats busy operators were seen holding on it over the last hour (3 until anything is seen). Voice
     * and email are one contact at a time.
     */
    chatConcurrency: Type.Record(Type.String(), Type.Integer({ minimum: 1, maximum: 20 })),
    /**
     * Staff for the arrivals of a 15-minute interval at this quantile, not their mean: at the mean the
     * SL target holds in about half the intervals. 0.5 plans for the mean.
     */
    planQuantile: Type.Number({ minimum: 0.5, maximum: 0.999 }),
    /**
     * Chat slowdown per extra chat held (staffing/chat.ts). The measured AHT already holds the slowdown
     * operators had; the default 0.85 also covers the pooled chat model's optimism (it assumes chats
     * spread evenly over operators), which ccpulse evaluate measured: with 1, following the advice met
     * SL in 63–90 % of intervals, with 0.85 in 87–99 % (docs/RECOMMENDATIONS.md).
     */
    chatEfficiency: Type.Number({ minimum: 0.01, maximum: 1 }),
    /** Outbound campaigns: the most dropped calls (answered, no agent free) allowed, % of answered. */
    campaignDropCapPct: Type.Number({ exclusiveMinimum: 0, maximum: 100 }),
    /** What to assume for a queue × channel with no history: per "queue:channel" or per channel. */
    priors: Type.Record(Type.String(), Type.Object({ arrivalsPerHour: Type.Number({ minimum: 0 }), ahtSec: Type.Number({ exclusiveMinimum: 0 }) }, { additionalProperties: false })),
    /**
     * Hysteresis: a condition must hold `raiseAfterSec` before its item opens (a critical one opens at
     * once), and be gone `clearAfterSec` before it resolves, `minOpenSec` after it opened at the earliest.
     */
    lifecycle: Type.Object(
      { raiseAfterSec: Type.Number({ minimum: 0, maximum: 86_400 }), clearAfterSec: Type.Number({ minimum: 0, maximum: 86_400 }), minOpenSec: Type.Number({ minimum: 0, maximum: 86_400 }) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/** A budget of requests per fixed window (rateLimit.perKey, rateLimit.perTenant). */
const RateWindowSchema = Type.Object(
  {
    max: Type.Integer({ minimum: 1, maximum: 100_000_000 }),
    windowSec: Type.Integer({ minimum: 1, maximum: 86_400 }),
  },
  { additionalProperties: false },
);

export const ConfigSchema = Type.Object(
  {
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    host: Type.String(),
    dataDir: Type.String({ minLength: 1 }),
    demo: Type.Boolean(),
    /**
     * API keys required (issue #14; the default for `ccpulse start`). false (--no-auth, CCPULSE_NO_AUTH=1):
     * every request is the default tenant's admin, and the server listens on 127.0.0.1 only.
     */
    auth: Type.Boolean(),
    storage: Type.Union([Type.Literal('pglite'), Type.Literal('postgres'), Type.Literal('clickhouse')]),
    postgresUrl: Type.String(),
    /** Set from `storage` when it is a clickhouse:// URL (the only way to name that backend). */
    clickhouseUrl: Type.String(),
    logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))),
    /**
     * How log lines are written (src/observe/logger.ts): `json` (pino's), `ecs` (Elastic Common Schema
     * names: @timestamp, log.level, message), or `pretty` for a person at a terminal (JSON when stdout is
     * not one, or the optional pino-pretty is not installed).
     */
    logFormat: Type.Union([Type.Literal('json'), Type.Literal('ecs'), Type.Literal('pretty')]),
    /** Events timed further ahead of the server clock than this are clamped to arrival time and flagged. */
    maxFutureSkewSec: Type.Number({ minimum: 0 }),
    /** The center's time zone (IANA, e.g. Europe/Moscow): the dashboard's times, and where "today" begins for the operators table. */
    timeZone: Type.String({ minLength: 1 }),
    /** The dashboard's address as people reach it, for the links in notifications. Empty: http://host:port/. */
    publicUrl: Type.String(),
    /**
     * The bearer token GET /metrics asks for when API keys are configured: its figures span every tenant,
     * so no tenant's key opens it. Without keys (one center) /metrics is open, as /healthz is.
     */
    metricsKey: Type.String(),
    /**
     * Origins whose pages may call the API from a browser (CORS): `https://wall.example`, or `*`. Empty (the
     * default): none but the dashboard's own, which needs no CORS.
     */
    corsOrigins: Type.Array(Type.String({ minLength: 1 })),
    /**
     * The SMTP relay email notifications go through: `smtp://USER:PASSWORD@HOST:587` (STARTTLS required;
     * `?starttls=opportunistic|off` on a local relay), `smtps://…:465`. Empty: email destinations cannot send.
     * A secret: give it in the environment (CCPULSE_SMTP_URL) or the file, never on the command line.
     */
    smtpUrl: Type.String(),
    /** The sender of notification emails. */
    smtpFrom: Type.String({ minLength: 3 }),
    /** Telegram's Bot API (a local Bot API server may stand in). */
    telegramApiUrl: Type.String({ minLength: 1 }),
    /**
     * Where spans go (OpenTelemetry over OTLP/HTTP): the collector's traces URL, `/v1/traces` added when
     * the URL has no path (http://collector:4318). Empty: no tracing, and the tracing SDK is not even
     * loaded (src/observe/tracing.ts). Also read from OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and
     * OTEL_EXPORTER_OTLP_ENDPOINT, with their standard meanings, when CCPULSE_OTLP_ENDPOINT is not set.
     */
    otlpEndpoint: Type.String(),
    /** The spans' service.name (OTEL_SERVICE_NAME, as every OpenTelemetry SDK reads it). */
    serviceName: Type.String({ minLength: 1 }),
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
    recommend: RecommendSchema,
    /** The archive of raw events past the hot retention (docs/STORAGE.md "Archive"): the server's hourly job. */
    archive: Type.Object(
      {
        /** Off: the server does not archive (`ccpulse archive` still does, by hand). */
        enabled: Type.Boolean(),
        /** Where the day files go. Empty: `<dataDir>/archive` on the embedded store; on PostgreSQL none, and the job stays off. */
        dir: Type.String(),
        /**
         * A ClickHouse database to archive into instead (`clickhouse://USER:PASSWORD@HOST:8123/DB`, table
         * `archived_events`): the analytic store, where old events stay queryable. Empty: files in `dir`.
         */
        clickhouse: Type.String(),
        /** Days that ended longer ago than this are archived: a whole number and m, h, d or w, at least 1d. */
        olderThan: Type.String(),
      },
      { additionalProperties: false },
    ),
    /**
     * TimescaleDB's policies, where the PostgreSQL server has it (storage/postgres/timescale/policies.ts):
     * days (by event time) after which the log and the minute rollups are compressed, and after which the
     * log's raw days are dropped (0: never; the archive moves them instead).
     */
    timescale: Type.Object(
      {
        compressLogAfterDays: Type.Number({ exclusiveMinimum: 0, maximum: 3650 }),
        compressRollupsAfterDays: Type.Number({ exclusiveMinimum: 0, maximum: 3650 }),
        dropLogAfterDays: Type.Number({ minimum: 0, maximum: 36500 }),
      },
      { additionalProperties: false },
    ),
    /**
     * When GET /readyz answers 503 (besides storage that does not answer its ping, failing log writes and a
     * shutdown): the last successful checkpoint commit older than `maxCheckpointAgeSec`, or the stream
     * processor more than `maxLagEvents` log positions behind the log, or the last checkpoint that far
     * behind the processor.
     */
    readiness: Type.Object(
      {
        maxCheckpointAgeSec: Type.Number({ minimum: 1, maximum: 86_400 }),
        maxLagEvents: Type.Integer({ minimum: 1 }),
      },
      { additionalProperties: false },
    ),
    /**
     * Per-client fairness (src/api/rate-limit.ts): requests to /v1 routes per API key and per tenant, each
     * within its own fixed window; over either, 429 CCP_RATE_LIMITED with Retry-After. Only with API keys
     * configured: in open mode (one center, no keys) there is no one to be fair between, and the ingest
     * admission control (503) already protects the server.
     */
    rateLimit: Type.Object(
      {
        enabled: Type.Boolean(),
        perKey: RateWindowSchema,
        perTenant: RateWindowSchema,
      },
      { additionalProperties: false },
    ),
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
  auth: true,
  storage: 'pglite',
  postgresUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
  clickhouseUrl: '',
  logLevel: 'info',
  logFormat: 'json',
  checkpointIntervalMs: 1000,
  maxFutureSkewSec: 300,
  timeZone: 'UTC',
  publicUrl: '',
  metricsKey: '',
  corsOrigins: [],
  smtpUrl: '',
  smtpFrom: 'ccpulse@localhost',
  telegramApiUrl: 'https://api.telegram.org',
  otlpEndpoint: '',
  serviceName: 'ccpulse',
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
  timescale: { ...DEFAULT_TIMESCALE_SETTINGS },
  readiness: { maxCheckpointAgeSec: 60, maxLagEvents: 1_000_000 },
  ingest: { maxEvents: 50_000, maxBytes: 16 * 1024 * 1024, maxQueueDelayMs: 1_000 },
  // Requests, not events: a batch (up to ingest.maxEvents) counts once, and the event rate is the
  // admission control's to bound. 6,000 a minute per key is 100 requests/s: an integration batching
  // as the README asks (a post every 100 ms–1 s, even at the ~700 events/s of a dialer campaign), a
  // wallboard polling every few seconds or the dashboard's calls use a few percent of it, while a
  // retry loop without backoff or a script posting event by event at full speed is stopped. 12,000
  // per tenant: two keys at full rate, so one runaway key leaves its tenant's other keys room, and a
  // tenant with many keys still cannot take more than 200 requests/s from the others.
  rateLimit: { enabled: true, perKey: { max: 6_000, windowSec: 60 }, perTenant: { max: 12_000, windowSec: 60 } },
  archive: { enabled: true, dir: '', clickhouse: '', olderThan: '7d' },
  recommend: {
    enabled: true,
    slTargetPct: { default: 80 },
    thresholds: { default: { longWaitSec: 120, abandonPct: 10, forecastDeviation: 0.5, silentExpected: 10, maxOccupancy: 0.9, stuckAhtMultiple: 4, stuckMinSec: 600 } },
    chatConcurrency: {},
    planQuantile: 0.95,
    campaignDropCapPct: 3,
    chatEfficiency: 0.85,
    priors: {},
    lifecycle: { raiseAfterSec: 30, clearAfterSec: 120, minOpenSec: 300 },
  },
};

/** Environment variables and the config keys they set. */
export const ENV_VARS: Record<string, keyof Config> = {
  CCPULSE_PORT: 'port',
  CCPULSE_HOST: 'host',
  CCPULSE_DATA: 'dataDir',
  CCPULSE_STORAGE: 'storage',
  CCPULSE_POSTGRES_URL: 'postgresUrl',
  CCPULSE_LOG_LEVEL: 'logLevel',
  CCPULSE_LOG_FORMAT: 'logFormat',
  CCPULSE_CHECKPOINT_MS: 'checkpointIntervalMs',
  CCPULSE_TIME_ZONE: 'timeZone',
  CCPULSE_PUBLIC_URL: 'publicUrl',
  CCPULSE_METRICS_KEY: 'metricsKey',
  CCPULSE_CORS_ORIGINS: 'corsOrigins',
  CCPULSE_SMTP_URL: 'smtpUrl',
  CCPULSE_SMTP_FROM: 'smtpFrom',
  CCPULSE_TELEGRAM_API_URL: 'telegramApiUrl',
  CCPULSE_OTLP_ENDPOINT: 'otlpEndpoint',
  OTEL_SERVICE_NAME: 'serviceName',
};

/**
 * OpenTelemetry's own variables for the traces endpoint, below CCPULSE_OTLP_ENDPOINT: the signal's own
 * URL is used as it is, the general one is a base that `v1/traces` is appended to (the OTLP exporter
 * specification's rules, so a deployment set up for other services works unchanged).
 */
/** `v1/traces` appended to a base URL's path (before its query, if it has one); a text that is no URL as given, for the check to name. */
function withTracesPath(v: string): string {
  try {
    const u = new URL(v);
    u.pathname = `${u.pathname.endsWith('/') ? u.pathname : `${u.pathname}/`}v1/traces`;
    return u.toString();
  } catch {
    return `${v.endsWith('/') ? v : `${v}/`}v1/traces`;
  }
}

const OTEL_TRACES_ENDPOINT_VARS = [
  { name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', toUrl: (v: string) => v },
  { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', toUrl: withTracesPath },
] as const;

/** Command-line flags of `ccpulse start` and the config keys they set. */
export const FLAGS: Partial<Record<keyof Config, string>> = {
  port: '--port',
  host: '--host',
  dataDir: '--data',
  demo: '--demo',
  auth: '--no-auth',
  storage: '--storage',
  postgresUrl: '--postgres-url',
  logLevel: '--log-level',
  logFormat: '--log-format',
  timeZone: '--time-zone',
  otlpEndpoint: '--otlp-endpoint',
};

/** Environment variables and flags of the archive section's fields (`archive.dir`, `archive.olderThan`). */
export const ARCHIVE_SOURCES = {
  dir: { env: 'CCPULSE_ARCHIVE_DIR', flag: '--archive-dir' },
  clickhouse: { env: 'CCPULSE_ARCHIVE_CLICKHOUSE', flag: '--archive-clickhouse' },
  olderThan: { env: 'CCPULSE_ARCHIVE_OLDER_THAN', flag: '--archive-older-than' },
} as const;

/**
 * Environment variables of the rateLimit section's fields, by their path (no flags: a deployment's
 * setting, not a run's). `true`/`false` for enabled, whole numbers for the rest.
 */
export const RATE_LIMIT_ENV: ReadonlyMap<string, string> = new Map([
  ['CCPULSE_RATE_LIMIT_ENABLED', '/rateLimit/enabled'],
  ['CCPULSE_RATE_LIMIT_PER_KEY_MAX', '/rateLimit/perKey/max'],
  ['CCPULSE_RATE_LIMIT_PER_KEY_WINDOW_SEC', '/rateLimit/perKey/windowSec'],
  ['CCPULSE_RATE_LIMIT_PER_TENANT_MAX', '/rateLimit/perTenant/max'],
  ['CCPULSE_RATE_LIMIT_PER_TENANT_WINDOW_SEC', '/rateLimit/perTenant/windowSec'],
]);

/** A backend named by one URL: `pglite:DIR`, `postgres://…` or `clickhouse://…` (see parseStorageUrl). */
export type StorageTarget = { storage: 'pglite'; dataDir: string } | { storage: 'postgres'; postgresUrl: string } | { storage: 'clickhouse'; clickhouseUrl: string };

const FORMS = 'pglite:DIR, postgres://… or clickhouse://…';

/**
 * A backend as one URL: `pglite:DIR` is the embedded store in DIR, `postgres://…` (or `postgresql://…`) a
 * PostgreSQL server, `clickhouse://USER:PASSWORD@HOST:PORT/DATABASE` a ClickHouse server's HTTP interface. Returns what it names, or what is wrong with it (a URL it does not know is named by
 * its scheme, never echoed: it may hold a password).
 */
export function parseStorageUrl(raw: string): StorageTarget | { error: string } {
  if (raw.startsWith('pglite:')) {
    const dir = raw.slice('pglite:'.length);
    return dir === '' ? { error: 'pglite: needs a data directory after it (pglite:./data)' } : { storage: 'pglite', dataDir: dir };
  }
  if (/^postgres(ql)?:\/\//i.test(raw)) return { storage: 'postgres', postgresUrl: raw };
  if (/^clickhouse:\/\//i.test(raw)) {
    try {
      const u = new URL(raw);
      if (!u.hostname) return { error: 'clickhouse:// needs a host (clickhouse://USER:PASSWORD@HOST:8123/DATABASE)' };
      if (!/^\/?([A-Za-z_][A-Za-z0-9_]*)?$/.test(decodeURIComponent(u.pathname))) return { error: 'the ClickHouse database name must be letters, digits and _' };
    } catch {
      return { error: 'clickhouse:// is not a URL (clickhouse://USER:PASSWORD@HOST:8123/DATABASE)' };
    }
    return { storage: 'clickhouse', clickhouseUrl: raw };
  }
  if (/^timescale(db)?:/i.test(raw)) return { error: 'TimescaleDB is named by its postgres:// URL: ccpulse uses it when that server has the extension' };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1];
  // never echoed when it could hold a password (user:secret@host with the scheme forgotten)
  const shown = scheme ? `a ${scheme}:// URL` : /[@:]/.test(raw) ? 'a value that is not a URL (not shown: it may hold a password)' : JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}…` : raw);
  return { error: `must be ${FORMS}, got ${shown}` };
}

/**
 * `storage` in the configuration (`--storage`, CCPULSE_STORAGE, the file's `storage`): one URL (see
 * parseStorageUrl), or the plain names `pglite` and `postgres`, which take `dataDir` and `postgresUrl` as
 * before. Rewrites `merged` to the plain form; returns what is wrong, or null.
 */
function resolveStorageUrl(merged: Config, given: (key: keyof Config) => boolean): string | null {
  const raw = merged.storage as unknown;
  if (typeof raw !== 'string') return `must be ${FORMS}, got ${JSON.stringify(raw)}`;
  if (raw === 'pglite' || raw === 'postgres') return null;
  if (raw === 'clickhouse') return 'clickhouse is named by its URL: clickhouse://USER:PASSWORD@HOST:8123/DATABASE';
  const t = parseStorageUrl(raw);
  if ('error' in t) return t.error.startsWith('must be') ? t.error.replace(`must be ${FORMS}`, `must be ${FORMS} (or pglite, postgres)`) : t.error;
  if (t.storage === 'clickhouse') {
    merged.storage = 'clickhouse';
    merged.clickhouseUrl = t.clickhouseUrl;
    return null;
  }
  if (t.storage === 'pglite') {
    if (given('dataDir') && merged.dataDir !== t.dataDir) return `names the data directory "${t.dataDir}" and the data directory is also set to "${merged.dataDir}": give it once`;
    merged.storage = 'pglite';
    merged.dataDir = t.dataDir;
    return null;
  }
  if (given('postgresUrl') && merged.postgresUrl !== t.postgresUrl) return 'names a PostgreSQL URL and the PostgreSQL URL is also set (--postgres-url, CCPULSE_POSTGRES_URL or postgresUrl): give it once';
  merged.storage = 'postgres';
  merged.postgresUrl = t.postgresUrl;
  return null;
}

/** The configuration is not valid; the message names each mistake and where it comes from (flag, variable, file). */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A value as given on the command line or in the environment: text, converted here. */
export type ConfigFlags = { [K in Exclude<keyof Config, 'archive' | 'rateLimit'>]?: Config[K] | string } & { archive?: Partial<Config['archive']> };

/**
 * Builds the typed config. Precedence: flags → environment → file → defaults.
 * The file is `--config PATH`, or CCPULSE_CONFIG, or `ccpulse.config.json` in the working directory if present.
 * Every mistake is reported at once, each with where the value came from: `--port`, `CCPULSE_PORT`,
 * or the config file and the path of the field in it.
 */
export function loadConfig(opts: { flags?: ConfigFlags; env?: NodeJS.ProcessEnv; configPath?: string } = {}): Config {
  const env = opts.env ?? process.env;
  const path = opts.configPath ?? env.CCPULSE_CONFIG ?? (existsSync('ccpulse.config.json') ? 'ccpulse.config.json' : undefined);
  const fileName = path && (opts.configPath !== undefined ? path : env.CCPULSE_CONFIG !== undefined ? `${path} (CCPULSE_CONFIG)` : path);
  const fromFile = path ? readConfigFile(path, fileName!) : {};
  const fromEnv: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_VARS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    // a list (CCPULSE_CORS_ORIGINS) is given comma-separated
    fromEnv[key] = typeof DEFAULT_CONFIG[key] === 'number' ? toNumber(raw) : Array.isArray(DEFAULT_CONFIG[key]) ? raw.split(',').map((x) => x.trim()).filter(Boolean) : raw;
  }
  // CCPULSE_NO_AUTH=1 (or true) turns keys off; 0, false or empty leaves them on
  const noAuth = (env.CCPULSE_NO_AUTH ?? '').trim().toLowerCase();
  if (noAuth !== '' && noAuth !== '0' && noAuth !== 'false') fromEnv.auth = false;
  // the standard OpenTelemetry variables, turned into the traces URL here (see OTEL_TRACES_ENDPOINT_VARS)
  const otelEndpointVar = fromEnv.otlpEndpoint === undefined ? OTEL_TRACES_ENDPOINT_VARS.find((v) => (env[v.name] ?? '') !== '') : undefined;
  if (otelEndpointVar) fromEnv.otlpEndpoint = otelEndpointVar.toUrl(env[otelEndpointVar.name]!);
  const fromFlags: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(opts.flags ?? {})) {
    if (value === undefined || key === 'archive') continue;
    fromFlags[key] = typeof DEFAULT_CONFIG[key as keyof Config] === 'number' ? toNumber(value) : value;
  }
  // the archive section's fields, each from its own flag or variable (see ARCHIVE_SOURCES)
  const archiveFrom = { flags: new Map<string, string>(), env: new Map<string, string>() };
  for (const [field, { env: name }] of Object.entries(ARCHIVE_SOURCES)) {
    const flag = (opts.flags?.archive as Record<string, unknown> | undefined)?.[field];
    if (typeof flag === 'string') archiveFrom.flags.set(field, flag);
    const raw = env[name];
    if (raw !== undefined && raw !== '') archiveFrom.env.set(field, raw);
  }
  const merged = { ...DEFAULT_CONFIG, ...fromFile, ...fromEnv, ...fromFlags } as Config;
  // Sections of the file are merged over the defaults key by key (a file may set one SL policy alone).
  // A section that is not an object is kept as given, for the validation below to name it.
  merged.sl = mergeSection(DEFAULT_CONFIG.sl, fromFile.sl);
  if (isObject(merged.sl)) merged.sl.channels = mergeSection(DEFAULT_CONFIG.sl.channels, (fromFile.sl as Partial<Config['sl']> | undefined)?.channels);
  merged.inactivityTimeoutSec = mergeSection(DEFAULT_CONFIG.inactivityTimeoutSec, fromFile.inactivityTimeoutSec);
  merged.ingest = mergeSection(DEFAULT_CONFIG.ingest, fromFile.ingest);
  merged.readiness = mergeSection(DEFAULT_CONFIG.readiness, fromFile.readiness);
  merged.archive = mergeSection(DEFAULT_CONFIG.archive, fromFile.archive);
  if (isObject(merged.archive)) Object.assign(merged.archive, Object.fromEntries(archiveFrom.env), Object.fromEntries(archiveFrom.flags));
  merged.timescale = mergeSection(DEFAULT_CONFIG.timescale, fromFile.timescale);
  // the rate limits: the file's over the defaults field by field, then each variable over its field
  const rateLimitFromEnv = new Map<string, string>(); // path → variable, for the messages
  merged.rateLimit = mergeSection(DEFAULT_CONFIG.rateLimit, fromFile.rateLimit);
  if (isObject(merged.rateLimit)) {
    const file = (fromFile.rateLimit ?? {}) as Partial<Config['rateLimit']>;
    merged.rateLimit.perKey = mergeSection(DEFAULT_CONFIG.rateLimit.perKey, file.perKey);
    merged.rateLimit.perTenant = mergeSection(DEFAULT_CONFIG.rateLimit.perTenant, file.perTenant);
    for (const [name, path] of RATE_LIMIT_ENV) {
      const raw = env[name];
      if (raw === undefined || raw === '') continue;
      const [, , part, field] = path.split('/') as [string, string, string, string | undefined];
      const section: unknown = field === undefined ? merged.rateLimit : (merged.rateLimit as Record<string, unknown>)[part];
      if (!isObject(section)) continue; // the file's section is not an object: named below as the file's
      const value = field === undefined ? toBoolean(raw) : toNumber(raw);
      section[field ?? part] = value;
      rateLimitFromEnv.set(path, name);
    }
  }
  merged.recommend = mergeSection(DEFAULT_CONFIG.recommend, fromFile.recommend);
  if (isObject(merged.recommend)) {
    const file = (fromFile.recommend ?? {}) as Partial<Config['recommend']>;
    merged.recommend.slTargetPct = mergeSection(DEFAULT_CONFIG.recommend.slTargetPct, file.slTargetPct);
    merged.recommend.thresholds = mergeSection(DEFAULT_CONFIG.recommend.thresholds, file.thresholds);
    merged.recommend.lifecycle = mergeSection(DEFAULT_CONFIG.recommend.lifecycle, file.lifecycle);
  }
  merged.knownQueues = (fromFile.knownQueues as Config['knownQueues'] | undefined) ?? DEFAULT_CONFIG.knownQueues;

  /** Where the value at a path came from, for the message. */
  const source = (path: string): string => {
    const [, key, field] = path.split('/') as [string, keyof Config, string | undefined];
    const rateLimitVar = rateLimitFromEnv.get(path);
    if (rateLimitVar !== undefined) return rateLimitVar;
    if (key === 'archive' && field !== undefined) {
      const named = (Object.entries(ARCHIVE_SOURCES) as Array<[string, { env: string; flag: string }]>).find(([f]) => f === field)?.[1];
      if (named && archiveFrom.flags.has(field)) return named.flag;
      if (named && archiveFrom.env.has(field)) return named.env;
    }
    if (Object.hasOwn(fromFlags, key)) return (Object.hasOwn(FLAGS, key) ? FLAGS[key] : undefined) ?? key;
    if (key === 'otlpEndpoint' && otelEndpointVar) return otelEndpointVar.name;
    if (Object.hasOwn(fromEnv, key)) return Object.keys(ENV_VARS).find((n) => ENV_VARS[n] === key)!;
    return `config file ${fileName}: ${path}`;
  };
  const errors: string[] = [];
  const seen = new Set<string>();
  const given = (key: keyof Config) => Object.hasOwn(fromFlags, key) || Object.hasOwn(fromEnv, key) || Object.hasOwn(fromFile, key);
  const storageError = resolveStorageUrl(merged, given);
  if (storageError) {
    errors.push(`${source('/storage')}: ${storageError}`);
    seen.add('/storage');
  }
  for (const e of Value.Errors(ConfigSchema, merged)) {
    if (seen.has(e.path)) continue; // one message per field
    seen.add(e.path);
    errors.push(`${source(e.path)}: ${describeError(e)}`);
  }
  // Each policy by its own path: a queue and a channel of the same name (or a queue named "default") are
  // different policies, and each must be checked.
  const policies: Array<[string, unknown]> = [['/sl/default', isObject(merged.sl) ? merged.sl.default : undefined]];
  for (const part of ['queues', 'channels'] as const) {
    const named = isObject(merged.sl) ? merged.sl[part] : undefined;
    if (isObject(named)) for (const [name, p] of Object.entries(named)) policies.push([`/sl/${part}/${escapePointer(name)}`, p]);
  }
  for (const [at, p] of policies) {
    for (const field of ['targetSec', 'shortAbandonSec'] as const) {
      const v = isObject(p) ? p[field] : undefined;
      if (typeof v === 'number' && !isBinEdge(v)) {
        errors.push(`${source(`${at}/${field}`)}: ${v} s is not a wait-histogram edge (whole seconds below 120, multiples of 5 below 600, whole minutes below 3600, quarter hours beyond)`);
      }
    }
  }
  const olderThan = isObject(merged.archive) ? merged.archive.olderThan : undefined;
  if (typeof olderThan === 'string') {
    const age = parseArchiveAge(olderThan);
    if (typeof age !== 'number') errors.push(`${source('/archive/olderThan')}: ${age.error}`);
  }
  const archiveCh = isObject(merged.archive) ? merged.archive.clickhouse : undefined;
  if (typeof archiveCh === 'string' && archiveCh !== '') {
    const t = parseStorageUrl(archiveCh);
    if ('error' in t || t.storage !== 'clickhouse') errors.push(`${source('/archive/clickhouse')}: must be a clickhouse:// URL${'error' in t ? ` (${t.error})` : ''}`);
    else if (isObject(merged.archive) && merged.archive.dir) errors.push(`${source('/archive/clickhouse')}: the archive goes to a ClickHouse database or to a directory (${source('/archive/dir')} is set too): give one`);
  }
  if (typeof merged.timeZone === 'string' && merged.timeZone !== '' && !isTimeZone(merged.timeZone)) {
    errors.push(`${source('/timeZone')}: ${JSON.stringify(merged.timeZone.slice(0, 60))} is not a time zone this server knows (IANA names such as UTC, Europe/Moscow, Asia/Yekaterinburg)`);
  }
  // notifications: the relay's URL is checked here (its password never in the message), the links' base and the Bot API must be URLs
  if (typeof merged.smtpUrl === 'string' && merged.smtpUrl !== '') {
    try {
      parseSmtpUrl(merged.smtpUrl, 'x@y');
    } catch (err) {
      errors.push(`${source('/smtpUrl')}: ${(err as Error).message}`);
    }
  }
  for (const key of ['publicUrl', 'telegramApiUrl'] as const) {
    const v = merged[key];
    if (typeof v === 'string' && v !== '' && !/^https?:\/\/[^\s]+$/.test(v)) errors.push(`${source(`/${key}`)}: must be an http:// or https:// URL`);
  }
  // an origin is a scheme, a host and a port, no more: a path or a typo would never match a browser's Origin header
  if (Array.isArray(merged.corsOrigins)) {
    for (const o of merged.corsOrigins) {
      if (typeof o === 'string' && o !== '*' && !/^https?:\/\/[^/\s?#]+$/i.test(o)) errors.push(`${source('/corsOrigins')}: "${o.slice(0, 80)}" is not an origin (e.g. https://wall.example or http://10.0.0.5:8080, or *)`);
    }
  }
  // a checkpoint is committed every checkpointIntervalMs: a smaller allowed age would call a healthy server not ready
  const maxAge = isObject(merged.readiness) ? merged.readiness.maxCheckpointAgeSec : undefined;
  if (typeof maxAge === 'number' && typeof merged.checkpointIntervalMs === 'number' && maxAge * 1000 < 2 * merged.checkpointIntervalMs) {
    errors.push(`${source('/readiness/maxCheckpointAgeSec')}: ${maxAge} s is less than two checkpoint intervals (checkpointIntervalMs ${merged.checkpointIntervalMs}): a server committing on time would not be ready`);
  }
  // the traces URL, checked here (a typo would otherwise only show as spans that never arrive); never echoed: it may carry a token
  if (typeof merged.otlpEndpoint === 'string' && merged.otlpEndpoint !== '') {
    const url = otlpTracesUrl(merged.otlpEndpoint, otelEndpointVar !== undefined && !Object.hasOwn(fromFlags, 'otlpEndpoint'));
    if (url === null) errors.push(`${source('/otlpEndpoint')}: must be an http:// or https:// URL (the OTLP/HTTP collector, e.g. http://localhost:4318)`);
    else merged.otlpEndpoint = url;
  }
  // read by the slow-path threads themselves (runtime/thread-priority.ts), checked here so a typo stops the start
  const niceness = checkSlowPathNiceness(env);
  if (niceness) errors.push(niceness);
  if (errors.length === 1) throw new ConfigError(`invalid configuration: ${errors[0]}`);
  if (errors.length) throw new ConfigError(`invalid configuration:\n  ${errors.join('\n  ')}`);
  return merged;
}

/**
 * The URL spans are posted to, from `otlpEndpoint` as given: `/v1/traces` on a URL with no path (the
 * collector's address, as people usually give it), the URL itself otherwise, and as it is when it came
 * from OpenTelemetry's variables (`asIs`, already a traces URL by their rules). Null if it is no http(s) URL.
 */
export function otlpTracesUrl(raw: string, asIs = false): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return null;
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || !u.hostname) return null;
  if (asIs) return raw;
  if (u.pathname === '/') u.pathname = '/v1/traces';
  return u.toString();
}

/** Whether the runtime's time zone data knows `tz`. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

function readConfigFile(path: string, name: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(resolve(path), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new ConfigError(`cannot read the config file ${name}: ${why}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`the config file ${name} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(parsed)) throw new ConfigError(`the config file ${name} must hold a JSON object ({"port": 8080, …}), not ${parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed}`);
  return parsed;
}

function describeError(e: ValueError): string {
  const got = e.value === undefined || typeof e.value === 'object' ? '' : `, got ${JSON.stringify(e.value)}`;
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return 'required';
    case ValueErrorType.ObjectAdditionalProperties:
      return 'unknown field';
    case ValueErrorType.StringMinLength:
      return 'must not be empty';
    case ValueErrorType.Union: {
      const literals = (e.schema.anyOf as { const?: unknown }[] | undefined)?.map((s) => s.const);
      if (literals?.every((l) => typeof l === 'string')) return `must be one of ${literals.join(', ')}${got}`;
      return `${e.message}${got}`;
    }
    default: {
      const { type, minimum, maximum, exclusiveMinimum } = e.schema as { type?: string; minimum?: number; maximum?: number; exclusiveMinimum?: number };
      if (type === 'integer' || type === 'number') {
        const range = minimum !== undefined && maximum !== undefined ? ` from ${minimum} to ${maximum}` : minimum !== undefined ? ` of at least ${minimum}` : exclusiveMinimum !== undefined ? ` above ${exclusiveMinimum}` : '';
        return `must be a ${type === 'integer' ? 'whole number' : 'number'}${range}${got}`;
      }
      return `${e.message.replace(/^Expected/, 'expected')}${got}`;
    }
  }
}

/** Numbers given as text: a number when the text is one, else the text itself (validation then names it). */
function toNumber(v: unknown): unknown {
  return typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v;
}

/** `true` or `false` given as text (any case), else the text itself (validation then names it). */
function toBoolean(v: string): boolean | string {
  const t = v.trim().toLowerCase();
  return t === 'true' ? true : t === 'false' ? false : v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mergeSection<T extends object>(defaults: T, fromFile: unknown): T {
  if (fromFile === undefined) return { ...defaults };
  return (isObject(fromFile) ? { ...defaults, ...fromFile } : fromFile) as T;
}

/**
 * A queue's own policy, else its channel's (email is answered in hours, not seconds), else the default.
 * Queue and channel names come from events: they are looked up in Maps of the configured entries, never
 * as property names (a queue named `constructor` or `__proto__` has the default policy, not Object's).
 */
export const slPolicyOf = (cfg: Config) => {
  const queues = new Map(Object.entries(cfg.sl.queues));
  const channels = new Map(Object.entries(cfg.sl.channels));
  return (queue: string, channel: string) => queues.get(queue) ?? channels.get(channel) ?? cfg.sl.default;
};

/** Inactivity timeout of a channel in ms: its own, else "default", else a day. Looked up as slPolicyOf is. */
export const inactivityTimeoutOf = (cfg: Config) => {
  const { channels, defaultMs } = inactivityTimeouts(cfg);
  return (channel: string) => channels.get(channel) ?? defaultMs;
};

/** The inactivity timeouts in ms: the channels given their own, and the one of every other channel. */
export const inactivityTimeouts = (cfg: Pick<Config, 'inactivityTimeoutSec'>) => {
  const t = new Map(Object.entries(cfg.inactivityTimeoutSec));
  const defaultMs = (t.get('default') ?? 86_400) * 1000;
  t.delete('default');
  return { channels: new Map([...t].map(([c, s]) => [c, s * 1000] as [string, number])), defaultMs };
};

/**
 * The archive the server keeps, as configured: where it goes (a ClickHouse database when one is named, else a directory) and its age, or why there is none. The
 * embedded store archives to `<dataDir>/archive` unless told otherwise; a PostgreSQL store has no
 * directory of its own to offer, so its archive runs only where one is named.
 */
export function archiveSettings(cfg: Pick<Config, 'archive' | 'storage' | 'dataDir'>): { to: ArchiveDestination; olderThanMs: number } | { off: string } {
  if (!cfg.archive.enabled) return { off: 'archive.enabled is false' };
  const olderThanMs = parseArchiveAge(cfg.archive.olderThan);
  if (typeof olderThanMs !== 'number') return { off: `archive.olderThan ${olderThanMs.error}` };
  if (cfg.archive.clickhouse) return { to: { clickhouseUrl: cfg.archive.clickhouse }, olderThanMs };
  if (cfg.archive.dir) return { to: { dir: resolve(cfg.archive.dir) }, olderThanMs };
  if (cfg.storage === 'pglite') return { to: { dir: resolve(cfg.dataDir, 'archive') }, olderThanMs };
  return { off: 'no archive directory or ClickHouse database is set for a server store (archive.dir, CCPULSE_ARCHIVE_DIR or --archive-dir; archive.clickhouse, CCPULSE_ARCHIVE_CLICKHOUSE or --archive-clickhouse)' };
}
