/**
 * What the browser suites of advice share: a built server with hysteresis off (items open and resolve as
 * soon as their conditions change), the dashboard open in Chromium with its errors collected, and an
 * appeal that waits.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort } from '../../testing/server-process.js';
import { requireBuild, startBuiltServer, type BuiltServer } from './built-server.js';
import { CHROMIUM_ARGS } from './require-chromium.js';

/** An appeal queued `waitSec` ago and still waiting (nobody answers it), on `queue`/voice. */
export const waitingAppeal = (appealId: string, queue: string, waitSec: number) => {
  const ts = new Date(Date.now() - waitSec * 1000).toISOString();
  return [
    { id: `${appealId}:new`, type: 'APPEAL_NEW', ts, appealId, queue, channel: 'voice' },
    { id: `${appealId}:sd`, type: 'APPEAL_SENT_DISTRIBUTION', ts, appealId, queue, channel: 'voice' },
  ];
};

export interface AdviceDashboard {
  base: string;
  /** POSTs events to the server; they must all be taken (202). */
  post(events: unknown[]): Promise<void>;
  server: BuiltServer;
  browser: Browser;
  page: Page;
  /** Uncaught page errors and console errors, in order. */
  pageErrors: string[];
  close(): Promise<void>;
}

/** The built server on a fresh data dir with `recommend.lifecycle` at 0 s, and the dashboard in Chromium. */
export async function openAdviceDashboard(label: string, chromiumPath: string): Promise<AdviceDashboard> {
  requireBuild();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `ccpulse-${label}-e2e-`));
  const config = path.join(dataDir, 'ccpulse.config.json');
  fs.writeFileSync(config, JSON.stringify({ recommend: { lifecycle: { raiseAfterSec: 0, clearAfterSec: 0, minOpenSec: 0 } } }));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = await startBuiltServer(['start', '--port', String(port), '--data', path.join(dataDir, 'data'), '--config', config], `${base}/v1/live`);
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  return {
    base,
    async post(events) {
      const res = await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
      const text = await res.text();
      if (res.status !== 202) throw new Error(`POST /v1/events answered ${res.status}: ${text.slice(0, 500)}`);
    },
    server,
    browser,
    page,
    pageErrors,
    async close() {
      await browser.close().catch(() => undefined);
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
