import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { ecsFormat } from '@elastic/ecs-pino-format';

/** How log lines are written: pino's JSON, Elastic Common Schema JSON, or pino-pretty on a terminal. */
export type LogFormat = 'json' | 'ecs' | 'pretty';
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'ecs', 'pretty'];

/**
 * Keys whose values never reach the log, wherever they stand in a logged object (top level, or up to
 * two levels down: `req.headers.authorization`, `destination.secret`, `config.smtpUrl`). Matched by
 * exact key, as pino's redaction does; each is listed in the spellings ccpulse uses.
 */
const SECRET_KEYS = [
  'authorization', 'x-api-key', 'cookie', 'set-cookie', 'apiKey', 'apiKeys', 'api_key', 'metricsKey',
  'password', 'pass', 'secret', 'webhookSecret', 'token', 'botToken', 'accessToken',
];
/** URLs that may carry a password (user:password@host): kept, with the password masked. */
const URL_KEYS = ['smtpUrl', 'postgresUrl', 'clickhouseUrl', 'databaseUrl'];

const paths = (keys: string[]) => keys.flatMap((k) => {
  const p = /^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`;
  const dot = p.startsWith('[') ? '' : '.';
  return [p, `*${dot}${p}`, `*.*${dot}${p}`];
});

/** The redaction every logger of ccpulse applies (exported for the tests). */
export const REDACT: NonNullable<LoggerOptions['redact']> = {
  paths: [...paths(SECRET_KEYS), ...paths(URL_KEYS)],
  censor: (value: unknown, path: string[]) => (URL_KEYS.includes(path[path.length - 1]) && typeof value === 'string' ? maskUrlPassword(value) : '[redacted]'),
};

/** A URL with its password (and a token in its query) replaced by ***; text that is not a URL is hidden whole. */
export function maskUrlPassword(raw: string): string {
  // `user:secret@host` parses as a URL of scheme "user:": only scheme://… is taken for one
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) return '[redacted]';
  try {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    for (const k of [...u.searchParams.keys()]) if (/key|token|secret|pass/i.test(k)) u.searchParams.set(k, '***');
    return u.toString();
  } catch {
    return '[redacted]';
  }
}

/** A request as a log line shows it: no headers (they carry the API key), and no ?apiKey= in the URL. */
function reqSerializer(req: IncomingMessage & { id?: unknown; ip?: string }) {
  return { id: req.id, method: req.method, url: typeof req.url === 'string' ? withoutKey(req.url) : req.url, remoteAddress: req.ip ?? req.socket?.remoteAddress };
}

/**
 * A URL with the value of every apiKey parameter masked, its name read as the query parser reads it
 * (?apiKe%79= authenticates like ?apiKey=, so it is masked like it).
 */
export function withoutKey(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const hash = url.indexOf('#', q);
  const query = url.slice(q + 1, hash < 0 ? undefined : hash);
  const masked = query
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // a malformed name is kept as sent: it cannot be the key's parameter
      }
      return decoded.toLowerCase() === 'apikey' ? `${name}=***` : part;
    })
    .join('&');
  return `${url.slice(0, q + 1)}${masked}${hash < 0 ? '' : url.slice(hash)}`;
}

export interface LoggerSettings {
  level: string;
  format?: LogFormat;
  /** Where lines go (tests); stdout by default. A stream rules out pretty. */
  stream?: DestinationStream;
  /** Whether stdout is a terminal (pretty needs one); process.stdout.isTTY by default. */
  isTty?: boolean;
}

/**
 * The process logger: JSON lines to stdout (pino), ready for any log shipper, with secrets redacted.
 * `ecs` writes the Elastic Common Schema's names (`@timestamp`, `log.level`, `message`, `ecs.version`,
 * `error.*`, the request id as `http.request.id`); `pretty` is for a person at a terminal, and falls back
 * to JSON (saying why) when stdout is not one or pino-pretty is not installed.
 */
export function createLogger(settings: LoggerSettings | string): Logger {
  const { level, format = 'json', stream, isTty = process.stdout.isTTY === true } = typeof settings === 'string' ? { level: settings } : settings;
  const common: LoggerOptions = { level, redact: REDACT, serializers: { err: pino.stdSerializers.err, req: reqSerializer } };
  if (format === 'ecs') {
    const options: LoggerOptions = { ...common, ...ecsFormat({ serviceName: 'ccpulse', convertErr: true, convertReqRes: false, apmIntegration: false }) };
    const log = stream ? pino(options, stream) : pino(options);
    // Fastify binds each request's logger to { reqId }: ECS names it http.request.id (pino passes a
    // child's bindings through no formatter, so the name is changed where children are made)
    const child = log.child;
    log.child = function (this: Logger, bindings, opts) {
      const { reqId, ...rest } = bindings as Record<string, unknown>;
      return child.call(this, reqId === undefined ? bindings : { ...rest, 'http.request.id': reqId }, opts);
    } as Logger['child'];
    return log;
  }
  const options: LoggerOptions = { ...common, base: { service: 'ccpulse' } };
  let fallback: string | null = null;
  if (format === 'pretty') {
    const pretty = stream ? null : prettyTarget();
    if (stream) fallback = 'pretty logs go to a terminal only; writing JSON';
    else if (!isTty) fallback = 'logFormat pretty needs stdout to be a terminal; writing JSON';
    else if (!pretty) fallback = 'logFormat pretty needs the optional package pino-pretty (npm install pino-pretty); writing JSON';
    else return pino({ ...options, transport: { target: pretty, options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' } } });
  }
  const log = stream ? pino(options, stream) : pino(options);
  if (fallback) log.warn(fallback);
  return log;
}

/** pino-pretty's path when it is installed (it is an optional dependency), else null. */
function prettyTarget(): string | null {
  try {
    return createRequire(import.meta.url).resolve('pino-pretty');
  } catch {
    return null;
  }
}

/** The longest request id taken from a client; anything longer, or with a character outside visible ASCII, is replaced. */
export const MAX_REQUEST_ID = 128;
const SANE_REQUEST_ID = new RegExp(`^[\\x21-\\x7e]{1,${MAX_REQUEST_ID}}$`);

/**
 * Fastify's genReqId: the client's (or the proxy's) `x-request-id` when it is sane (1–128 visible ASCII
 * characters, no spaces or controls: it goes into every log line of the request and back out in the
 * response header), else a new UUID.
 */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}
