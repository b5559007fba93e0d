import net from 'node:net';
import type { Command } from './command.js';
import { archiveSettings, loadConfig, type Config } from '../config/config.js';
import type { Storage } from '../storage/storage.js';
import type { Logger } from 'pino';
import { CliError } from './errors.js';
import { DataDirError } from '../storage/pglite/data-dir.js';
import { DataDirInUseError } from '../storage/pglite/data-dir-lock.js';

/**
 * Is the port free? Checked before the storage is opened (which takes seconds), so a port in use fails
 * at once. Port 0 (any free port) needs no check.
 */
export async function checkPort(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', (err) => reject(listenError(err, host, port)));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve()));
  });
}

/** Why the server cannot listen, as a CliError naming the port or the host and the flag that sets it. */
export function listenError(err: unknown, host: string, port: number): unknown {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return new CliError(`port ${port} on ${host} is already in use (by another program, or another ccpulse)`, {
        hint: 'Stop it, or choose another port with --port N (or CCPULSE_PORT); --port 0 picks a free one.',
      });
    case 'EACCES':
    case 'EPERM':
      return new CliError(`not allowed to listen on port ${port}${port < 1024 ? ' (ports below 1024 need privileges)' : ''}`, {
        hint: 'Choose another port with --port N (or CCPULSE_PORT).',
      });
    case 'EADDRNOTAVAIL':
      return new CliError(`cannot listen on ${host}: it is not an address of this machine`, { hint: 'Set the address with --host (or CCPULSE_HOST), e.g. 127.0.0.1 or 0.0.0.0.' });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new CliError(`cannot listen on ${host}: unknown host name`, { hint: 'Set the address with --host (or CCPULSE_HOST), e.g. 127.0.0.1 or 0.0.0.0.' });
    default:
      return err;
  }
}

/** A PostgreSQL URL without its password, for messages and the banner. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(the database URL)';
  }
}

export const startCommand: Command = {
  name: 'start',
  summary: 'run ccpulse: ingest, stream processing, storage, API and dashboard in one process',
  usage: `Usage: ccpulse start [options]

Runs everything in one process: the HTTP API, the stream processor, the embedded database and the
dashboard (at http://HOST:PORT/).

Options:
  --port N            HTTP port (default 8080; 0 picks a free one)            env CCPULSE_PORT
  --host H            address to listen on (default 127.0.0.1)                env CCPULSE_HOST
  --data DIR          data directory (default ./data)                         env CCPULSE_DATA
  --demo              feed realistic demo traffic (simulated contact center)
  --no-auth           no API keys: every request is the default tenant's admin; listens on
                      127.0.0.1 only (a laptop)                               env CCPULSE_NO_AUTH=1
  --storage URL       where the data lives: pglite:DIR (the embedded store in DIR, default
                      pglite:./data), postgres://USER@HOST:PORT/DB (TimescaleDB when the server
                      has it) or clickhouse://USER:PASSWORD@HOST:8123/DB      env CCPULSE_STORAGE
                      (the plain names pglite and postgres take --data and --postgres-url)
  --postgres-url URL  PostgreSQL connection string for --storage postgres      env CCPULSE_POSTGRES_URL
  --config FILE       JSON config file (default ./ccpulse.config.json if present) env CCPULSE_CONFIG
  --log-level L       fatal, error, warn, info, debug, trace, silent          env CCPULSE_LOG_LEVEL
  --log-format F      json (default), ecs (Elastic Common Schema) or pretty
                      (a terminal only; needs pino-pretty)                    env CCPULSE_LOG_FORMAT
  --time-zone TZ      the center's time zone, IANA (default UTC): the dashboard's times and
                      where "today" begins for the operators table            env CCPULSE_TIME_ZONE
  --archive-dir DIR   where the hourly archive puts days past the hot retention (default
                      DIR/archive for the embedded store; none, so no archive, for PostgreSQL)
                                                                              env CCPULSE_ARCHIVE_DIR
  --archive-clickhouse URL  archive into this ClickHouse database instead (table archived_events,
                      clickhouse://USER:PASSWORD@HOST:8123/DB)          env CCPULSE_ARCHIVE_CLICKHOUSE
  --archive-older-than AGE  days that ended longer ago are archived (default 7d) env CCPULSE_ARCHIVE_OLDER_THAN
  --otlp-endpoint URL OpenTelemetry tracing: the OTLP/HTTP collector spans are sent to, e.g.
                      http://localhost:4318 (default none: no tracing)        env CCPULSE_OTLP_ENDPOINT
                      (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_ENDPOINT;
                      OTEL_SERVICE_NAME names the service, default ccpulse)
  -h, --help          show this help

API keys: on the first start with no key, an admin key is made and printed once with the dashboard URL
to open; CCPULSE_ADMIN_KEY=ccp_<id>_<secret> (environment only) presets it instead. More keys:
ccpulse keys --help.

Precedence: flags, then environment, then the config file, then defaults.`,
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    data: { type: 'string' },
    demo: { type: 'boolean' },
    'no-auth': { type: 'boolean' },
    storage: { type: 'string' },
    'postgres-url': { type: 'string' },
    config: { type: 'string' },
    'log-level': { type: 'string' },
    'log-format': { type: 'string' },
    'time-zone': { type: 'string' },
    'archive-dir': { type: 'string' },
    'archive-clickhouse': { type: 'string' },
    'archive-older-than': { type: 'string' },
    'otlp-endpoint': { type: 'string' },
  },
  longRunning: true,
  async run(v) {
    const config = loadConfig({
      flags: {
        port: v.port as string | undefined,
        host: v.host as string | undefined,
        dataDir: v.data as string | undefined,
        demo: v.demo as boolean | undefined,
        auth: v['no-auth'] ? false : undefined,
        storage: v.storage as string | undefined,
        postgresUrl: v['postgres-url'] as string | undefined,
        logLevel: v['log-level'] as string | undefined,
        logFormat: v['log-format'] as string | undefined,
        timeZone: v['time-zone'] as string | undefined,
        otlpEndpoint: v['otlp-endpoint'] as string | undefined,
        archive: { dir: v['archive-dir'] as string | undefined, clickhouse: v['archive-clickhouse'] as string | undefined, olderThan: v['archive-older-than'] as string | undefined },
      },
      configPath: v.config as string | undefined,
    });
    // Loaded here, not at the top: a mistake above or below is reported before the server's modules load.
    const { claimStorage, StorageOpenError } = await import('../storage/open.js');
    const asCliError = (err: unknown): unknown => {
      if (err instanceof DataDirInUseError) return new CliError(`${err.message}; stop that one first, or give this one another --data directory`);
      if (err instanceof DataDirError) return new CliError(err.message, { hint: 'Choose the data directory with --data DIR (or CCPULSE_DATA).' });
      if (err instanceof StorageOpenError) {
        const hint =
          config.storage === 'postgres'
            ? 'Set the server with --postgres-url URL (or CCPULSE_POSTGRES_URL).'
            : config.storage === 'clickhouse'
              ? 'Name the server with --storage clickhouse://USER:PASSWORD@HOST:8123/DATABASE (or CCPULSE_STORAGE).'
              : 'Can this user read and write every file in it? Or choose another data directory with --data DIR.';
        return new CliError(err.message, { hint });
      }
      return err;
    };

    // The quick checks first (is the data directory usable and ours; is the port free), then the slow opening.
    const claim = await claimStorage(config).catch((err) => Promise.reject(asCliError(err)));
    try {
      await checkPort(config.host, config.port);
    } catch (err) {
      claim.release();
      throw err;
    }
    const storage = await claim.open().catch((err) => Promise.reject(asCliError(err)));
    const [{ createLogger }, { startTracing }, { Engine }, { buildApp }, { startDemo }] = await Promise.all([
      import('../observe/logger.js'),
      import('../observe/tracing.js'),
      import('../stream/engine.js'),
      import('../api/app.js'),
      import('./demo.js'),
    ]);
    const log = createLogger({ level: config.logLevel, format: config.logFormat });
    // Before the engine and the app: both look for the tracer as they start. Null, with nothing of the
    // tracing SDK loaded, when no endpoint is configured.
    const tracing = await startTracing({ otlpEndpoint: config.otlpEndpoint, serviceName: config.serviceName, log });
    // the links in notifications: the configured address, else this server's own
    const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
    const engine = await Engine.start({ storage, config: { ...config, publicUrl: config.publicUrl || `http://${shownHost}:${config.port}/` }, log });
    const auth = await setUpKeys(config, storage, log);
    const app = await buildApp({ engine, config: auth.config, logger: log, keys: auth.ring });

    // The signals are ours from before the port opens: a SIGTERM that came once /healthz answers but
    // before the handlers were set would end the process without its shutdown (the final checkpoint,
    // the data directory's lock marked released).
    let demo: { stop(): void } | null = null;
    let archive: { stop(): Promise<void> } | null = null;
    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      // GET /readyz answers 503 from now on: a load balancer stops sending before the port closes
      engine.beginShutdown();
      log.info({ signal }, 'shutting down');
      demo?.stop();
      await archive?.stop();
      await app.close();
      // the last checkpoint may fail (the database gone): the log is durable, the next start replays it
      const stopped = await engine.stop().then(() => true, (err: unknown) => (log.error({ err }, 'the final checkpoint failed; the next start replays the log after the last one'), false));
      await storage.close().catch((err: unknown) => log.error({ err }, 'closing the storage failed'));
      await tracing?.shutdown(); // last: the spans of the final checkpoint go too
      process.exit(stopped ? 0 : 1);
    };
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGTERM', () => void shutdown('SIGTERM'));

    try {
      await app.listen({ port: config.port, host: auth.config.host });
    } catch (err) {
      throw listenError(err, auth.config.host, config.port); // taken between the check and now
    }
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    const host = auth.config.host;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    log.info({ url, storage: config.storage, dataDir: config.dataDir }, 'ccpulse is up');
    process.stderr.write(`\n  ccpulse is running: dashboard ${url}/  ·  API ${url}/v1/live  ·  data ${config.storage === 'pglite' ? config.dataDir : redactUrl(config.storage === 'clickhouse' ? config.clickhouseUrl : config.postgresUrl)}\n\n`);

    if (auth.newKey) {
      // once, on the terminal only (not in the JSON log): the key is stored hashed and never shown again
      process.stderr.write(`  A new admin key (tenant default) was made; it is shown this once, keep it:\n    ${auth.newKey}\n  Open the dashboard signed in: ${url}/?key=${auth.newKey}\n  More keys: ccpulse keys create --help\n\n`);
    }
    if (stopping) return 0;
    demo = config.demo ? startDemo(engine, log) : null;
    const job = await startArchive(config, storage, log);
    if (stopping) await job?.stop(); // the shutdown began while the job was being set up
    else archive = job;
    return 0;
  },
};

/**
 * API keys for this run (issue #14). With auth off (--no-auth): no keys at all, and only 127.0.0.1 (a
 * server without keys must not be reachable from the network: another --host is overridden, with a
 * warning). With auth on: the stored keys and the config file's (plain text: deprecated, warned);
 * CCPULSE_ADMIN_KEY stored (hashed) if it is not yet; and when no key exists at all, a new admin key for
 * the default tenant, printed once by the caller.
 */
async function setUpKeys(config: Config, storage: Storage, log: Logger): Promise<{ config: Config; ring?: import('../api/keys/key-ring.js').KeyRing; newKey?: string }> {
  if (!config.auth) {
    const loopback = ['127.0.0.1', 'localhost', '::1'].includes(config.host);
    if (!loopback) log.warn({ host: config.host }, 'API keys are off (--no-auth): listening on 127.0.0.1 only, not on the address asked for');
    log.warn('API keys are off (--no-auth): every request is the default tenant\'s, with every right; for one machine only');
    if (Object.keys(config.apiKeys).length) log.warn('the config file\'s apiKeys are ignored: API keys are off (--no-auth)');
    return { config: { ...config, apiKeys: {}, host: loopback ? config.host : '127.0.0.1' } };
  }
  const { KeyRing } = await import('../api/keys/key-ring.js');
  const ring = await KeyRing.load(storage, config.apiKeys);
  if (Object.keys(config.apiKeys).length) {
    log.warn('API keys in the config file (apiKeys) are plain text and deprecated: make keys with ccpulse keys create (stored hashed), then remove them from the file');
  }
  const preset = process.env.CCPULSE_ADMIN_KEY;
  if (preset) {
    try {
      const done = await ring.preset(preset.trim(), { tenant: 'default', role: 'admin', name: 'CCPULSE_ADMIN_KEY' });
      if (done === 'created') log.info('the admin key from CCPULSE_ADMIN_KEY is stored (hashed)');
    } catch (err) {
      const { newKey } = await import('../api/keys/key-format.js');
      throw new CliError(`CCPULSE_ADMIN_KEY: ${(err as Error).message}`, { hint: `A key is ccp_<id>_<secret>, e.g. a new random one: ${newKey().key}` });
    }
    return { config, ring };
  }
  if (ring.hasKeys) return { config, ring };
  const { key } = await ring.create({ tenant: 'default', role: 'admin', name: 'first admin' });
  log.info('no API key existed: an admin key for the default tenant was made (printed once on the terminal)');
  return { config, ring, newKey: key };
}

/** The hourly archive (src/archive/archive-job.ts), when the configuration gives it a place; the log says when it does not. */
async function startArchive(config: Config, storage: Storage, log: Logger): Promise<{ stop(): Promise<void> } | null> {
  const settings = archiveSettings(config);
  if ('off' in settings) {
    log.info({ reason: settings.off }, 'the archive of raw events is off');
    return null;
  }
  const { ArchiveJob } = await import('../archive/archive-job.js');
  const where = 'dir' in settings.to ? settings.to.dir : `clickhouse ${(await import('../storage/clickhouse/client.js')).describeClickhouseUrl(settings.to.clickhouseUrl)}`;
  log.info({ to: where, olderThanMs: settings.olderThanMs }, 'archiving raw events of days past the hot retention, hourly');
  return new ArchiveJob({ storage, to: settings.to, olderThanMs: settings.olderThanMs, log }).start();
}
