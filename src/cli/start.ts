import type { Command } from './command.js';
import { loadConfig, type Config } from '../config/config.js';
import { createLogger } from '../observe/logger.js';
import { openStorage } from '../storage/open.js';
import { Engine } from '../stream/engine.js';
import { buildApp } from '../api/app.js';
import { startDemo } from './demo.js';

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
  --storage KIND      pglite (embedded, default) or postgres                  env CCPULSE_STORAGE
  --postgres-url URL  PostgreSQL connection string for --storage postgres      env CCPULSE_POSTGRES_URL
  --config FILE       JSON config file (default ./ccpulse.config.json if present) env CCPULSE_CONFIG
  --log-level L       fatal, error, warn, info, debug, trace, silent          env CCPULSE_LOG_LEVEL
  -h, --help          show this help

Precedence: flags, then environment, then the config file, then defaults.`,
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    data: { type: 'string' },
    demo: { type: 'boolean' },
    storage: { type: 'string' },
    'postgres-url': { type: 'string' },
    config: { type: 'string' },
    'log-level': { type: 'string' },
  },
  longRunning: true,
  async run(v) {
    const flags: Partial<Config> = {
      port: v.port === undefined ? undefined : Number(v.port),
      host: v.host as string | undefined,
      dataDir: v.data as string | undefined,
      demo: v.demo as boolean | undefined,
      storage: v.storage as Config['storage'] | undefined,
      postgresUrl: v['postgres-url'] as string | undefined,
      logLevel: v['log-level'] as Config['logLevel'] | undefined,
    };
    const config = loadConfig({ flags, configPath: v.config as string | undefined });
    const log = createLogger(config.logLevel);
    const storage = await openStorage(config);
    const engine = await Engine.start({ storage, config, log });
    const app = await buildApp({ engine, config, logger: log });
    await app.listen({ port: config.port, host: config.host });
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    log.info({ url, storage: config.storage, dataDir: config.dataDir }, 'ccpulse is up');
    process.stderr.write(`\n  ccpulse is running: dashboard ${url}/  ·  API ${url}/v1/live  ·  data ${config.storage === 'pglite' ? config.dataDir : config.postgresUrl}\n\n`);

    const demo = config.demo ? startDemo(engine, log) : null;

    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      demo?.stop();
      await app.close();
      await engine.stop();
      await storage.close();
      process.exit(0);
    };
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    return 0;
  },
};
