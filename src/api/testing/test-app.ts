import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_CONFIG, type Config } from '../../config/config.js';
import { openPgliteStorage } from '../../storage/pglite/index.js';
import type { Storage } from '../../storage/storage.js';
import { Engine } from '../../stream/engine.js';
import { buildApp } from '../app.js';

export interface TestApp {
  app: FastifyInstance;
  engine: Engine;
  storage: Storage;
  /** Base URL once `listen()` has run. */
  url: string;
  /** The dashboard root it serves: by default a made-up one (an index.html, a dotfile and a sub-directory). */
  webRoot: string;
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * The real app (buildApp) over a real engine and a real PGlite store (in memory, on this thread), for
 * tests that go through HTTP: app.inject, or a listening server. The config is the default one with
 * `overrides` on top (no config file, no environment).
 */
export async function startTestApp(overrides: Partial<Config> = {}, opts: { webRoot?: string } = {}): Promise<TestApp> {
  const config: Config = { ...DEFAULT_CONFIG, logLevel: 'silent', ...overrides };
  const ownRoot = opts.webRoot === undefined;
  const webRoot = opts.webRoot ?? mkdtempSync(join(tmpdir(), 'ccpulse-web-'));
  if (ownRoot) {
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>ccpulse</title>');
    writeFileSync(join(webRoot, '.secret'), 'not for the web');
    mkdirSync(join(webRoot, 'assets'));
    writeFileSync(join(webRoot, 'assets', 'app.js'), 'console.log(1)');
  }
  const storage = await openPgliteStorage({});
  const engine = await Engine.start({ storage, config });
  const app = await buildApp({ engine, config, webRoot });
  const t: TestApp = {
    app,
    engine,
    storage,
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
      await storage.close();
      if (ownRoot) rmSync(webRoot, { recursive: true, force: true });
    },
  };
  return t;
}
