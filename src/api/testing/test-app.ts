import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { DEFAULT_CONFIG, type Config } from '../../config/config.js';
import { openPgliteStorage } from '../../storage/pglite/index.js';
import type { Storage } from '../../storage/storage.js';
import { Engine } from '../../stream/engine.js';
import { buildApp } from '../app.js';
import { KeyRing } from '../keys/key-ring.js';

export interface TestApp {
  app: FastifyInstance;
  engine: Engine;
  storage: Storage;
  /** The app's key ring when started with `auth` (to make the first admin key, as ccpulse start does). */
  keys?: KeyRing;
  /** Base URL once `listen()` has run. */
  url: string;
  /** The dashboard root it serves: by default a made-up one (an index.html, a dotfile and a sub-directory). */
  webRoot: string;
  listen(): Promise<string>;
  close(): Promise<void>;
}

let appsOnServers = 0;

/**
 * The store a test app runs on: PGlite in memory on this thread; or, for an attack run against a server
 * backend (`CCPULSE_TEST_APP_STORAGE=clickhouse://USER@HOST:8123/PREFIX npx vitest run src/api`), a fresh
 * ClickHouse database per app, named PREFIX_PID_N, dropped when the app closes.
 */
async function openTestStorage(): Promise<{ storage: Storage; dispose(): Promise<void> }> {
  const base = process.env.CCPULSE_TEST_APP_STORAGE;
  if (!base) {
    const storage = await openPgliteStorage({});
    return { storage, dispose: () => storage.close() };
  }
  if (!/^clickhouse:\/\//.test(base)) throw new Error('CCPULSE_TEST_APP_STORAGE takes a clickhouse:// URL');
  const { ClickhouseStorage } = await import('../../storage/clickhouse/clickhouse-storage.js');
  const { chClient, parseClickhouseUrl } = await import('../../storage/clickhouse/client.js');
  const url = base.replace(/\/([A-Za-z0-9_]*)$/, (_, prefix: string) => `/${prefix || 'ccpulse_app'}_${process.pid}_${appsOnServers++}`);
  const server = chClient(parseClickhouseUrl(url), null, 300_000);
  const drop = () => server.command(`DROP DATABASE IF EXISTS ${parseClickhouseUrl(url).database}`);
  await drop();
  const storage = await ClickhouseStorage.open(url);
  return {
    storage,
    dispose: async () => {
      await storage.close();
      await drop();
      await server.close();
    },
  };
}

/**
 * The real app (buildApp) over a real engine and a real PGlite store (in memory, on this thread), for
 * tests that go through HTTP: app.inject, or a listening server. The config is the default one with
 * `overrides` on top (no config file, no environment). See openTestStorage for a run on ClickHouse.
 */
export async function startTestApp(
  overrides: Partial<Config> = {},
  opts: {
    webRoot?: string;
    /** The process logger for the engine and the app (a silent app when absent). */
    logger?: Logger;
    /** The engine's clock (a fake one moves checkpoint ages, windows and timeouts). */
    now?: () => number;
    /** Keys required (as `ccpulse start` has it): the app's key ring, over this store, with the config's keys. */
    auth?: boolean;
  } = {},
): Promise<TestApp> {
  const config: Config = { ...DEFAULT_CONFIG, logLevel: 'silent', ...overrides };
  const ownRoot = opts.webRoot === undefined;
  const webRoot = opts.webRoot ?? mkdtempSync(join(tmpdir(), 'ccpulse-web-'));
  if (ownRoot) {
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>ccpulse</title>');
    writeFileSync(join(webRoot, '.secret'), 'not for the web');
    mkdirSync(join(webRoot, 'assets'));
    writeFileSync(join(webRoot, 'assets', 'app.js'), 'console.log(1)');
  }
  const { storage, dispose } = await openTestStorage();
  const engine = await Engine.start({ storage, config, log: opts.logger, now: opts.now });
  const keys = opts.auth ? await KeyRing.load(storage, config.apiKeys) : undefined;
  const app = await buildApp({ engine, config, webRoot, logger: opts.logger, keys });
  const t: TestApp = {
    app,
    engine,
    storage,
    keys,
    webRoot,
    url: '',
    async listen() {
      await app.listen({ port: 0, host: '127.0.0.1' });
      t.url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      return t.url;
    },
    async close() {
      await app.close();
      await engine.stop();
      await dispose();
      if (ownRoot) rmSync(webRoot, { recursive: true, force: true });
    },
  };
  return t;
}
