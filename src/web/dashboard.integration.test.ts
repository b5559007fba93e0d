/**
 * Browser test of the live dashboard against the real server: `ccpulse start --demo` as a child process,
 * Debian's Chromium driven by playwright-core. Needs the build (`npm run build`: dist/cli and dist/web).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../testing/server-process.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveSnapshot } from '../contract/api.js';
import { waitForServer } from './testing/built-server.js';
import { CHROMIUM_ARGS, requireChromium } from './testing/require-chromium.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'dist/cli/main.js');
const WEB = path.join(ROOT, 'dist/web/index.html');
const SCREENSHOT = '/tmp/ccpulse-dashboard.png';

const chromiumPath = requireChromium('dashboard.integration.test.ts');

describe.skipIf(!chromiumPath)('live dashboard in Chromium against `ccpulse start --demo`', () => {
  let server: ChildProcess | undefined;
  let serverLog = '';
  let dataDir = '';
  let base = '';
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    for (const f of [CLI, WEB]) {
      if (!fs.existsSync(f)) throw new Error(`${path.relative(ROOT, f)} is missing: run \`npm run build\` before this suite`);
    }
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccpulse-e2e-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, [CLI, 'start', '--no-auth', '--demo', '--port', String(port), '--data', dataDir], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (b: Buffer): void => {
      serverLog = (serverLog + b.toString()).slice(-8000);
    };
    server.stdout?.on('data', keep);
    server.stderr?.on('data', keep);
    await waitForServer(server, `${base}/v1/live`, 45_000, () => serverLog);

    browser = await chromium.launch({ executablePath: chromiumPath!, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    await page.goto(base + '/');
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise<void>((resolve) => server!.once('exit', () => resolve()));
      server.kill('SIGTERM');
      const timer = setTimeout(() => server?.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows one tile per queue × channel with the metrics marked up', async () => {
    // The demo center has 9 streams over 3 queues; wait until most of them have produced events.
    await page.waitForFunction(() => document.querySelectorAll('.tile[data-queue][data-channel]').length >= 6, undefined, {
      timeout: 20_000,
    });
    await expect.poll(() => page.locator('#conn').getAttribute('data-state'), { timeout: 10_000 }).toBe('live');

    const shown = await page.$$eval('.tile[data-queue][data-channel]', (els) =>
      els.map((e) => `${(e as HTMLElement).dataset.queue}/${(e as HTMLElement).dataset.channel}`),
    );
    expect(new Set(shown).size).toBe(shown.length); // one tile per pair
    expect(new Set(shown.map((s) => s.split('/')[0])).size).toBeGreaterThanOrEqual(2);

    // Every pair the server reports is on screen.
    const live = (await (await fetch(`${base}/v1/live`)).json()) as LiveSnapshot;
    await expect
      .poll(async () => {
        const now = new Set(await page.$$eval('.tile', (els) => els.map((e) => `${(e as HTMLElement).dataset.queue}/${(e as HTMLElement).dataset.channel}`)));
        return live.tiles.map((t) => `${t.queue}/${t.channel}`).filter((k) => !now.has(k));
      }, { timeout: 5_000 })
      .toEqual([]);

    // Tiles are in queue, then channel order, and carry every metric.
    const first = page.locator('.tile').first();
    for (const m of ['slPct', 'waiting', 'longestWaitSec', 'inHandling', 'abandonPct', 'awtSec', 'ahtSec', 'offered', 'answered', 'ready', 'busy', 'break']) {
      await expect.poll(() => first.locator(`[data-metric="${m}"]`).count()).toBe(1);
    }
    const queues = shown.map((s) => s.split('/')[0]);
    const firstSeen = queues.filter((q, i) => queues.indexOf(q) === i);
    expect(firstSeen).toEqual([...firstSeen].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })));
    for (const q of firstSeen) {
      // A queue's tiles are contiguous.
      const idx = queues.flatMap((x, i) => (x === q ? [i] : []));
      expect(idx[idx.length - 1] - idx[0] + 1).toBe(idx.length);
    }

    // Header: totals, and a waiting count that is the sum over tiles.
    const sums = await page.evaluate(() => {
      const num = (el: Element | null): number => Number((el as HTMLElement | null)?.dataset.value ?? NaN);
      const tiles = [...document.querySelectorAll('.tile')];
      return {
        header: num(document.querySelector('#center [data-metric="waiting"]')),
        tiles: tiles.reduce((s, t) => s + num(t.querySelector('[data-metric="waiting"]')), 0),
        repairs: (document.querySelector('#center [data-metric="repairs"]') as HTMLElement | null)?.dataset.value,
        clock: document.querySelector('#clock')?.textContent,
      };
    });
    expect(sums.header).toBe(sums.tiles);
    expect(sums.repairs).toMatch(/^\d+$/);
    expect(sums.clock).toMatch(/^\d\d:\d\d:\d\d$/);
  });

  it('keeps changing as live updates arrive', async () => {
    // Everything the server sends (not the longest waits, which the page ticks on its own).
    const read = (): Promise<string> =>
      page.$$eval('.tile [data-metric]:not([data-metric="longestWaitSec"])', (els) =>
        els.map((e) => `${e.closest<HTMLElement>('.tile')?.dataset.queue}/${e.closest<HTMLElement>('.tile')?.dataset.channel}/${(e as HTMLElement).dataset.metric}=${(e as HTMLElement).dataset.value}`).join('|'),
      );
    const before = await read();
    const changes = new Set<string>();
    const deadline = Date.now() + 8_000;
    while (Date.now() < deadline && changes.size < 3) {
      await page.waitForTimeout(500);
      const now = await read();
      if (now !== before) {
        const a = before.split('|');
        for (const cell of now.split('|')) if (!a.includes(cell)) changes.add(cell);
      }
    }
    expect(changes.size, 'no metric changed within 8 s: live updates do not reach the page').toBeGreaterThan(0);
  });

  it('shows a tile for a brand-new queue within 2 s of its first event', async () => {
    const id = `e2e-probe-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    const posted = Date.now();
    const res = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, type: 'APPEAL_NEW', ts: new Date().toISOString(), appealId: id, channel: 'webchat', queue: 'e2e-probe' }),
    });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    const body = (await res.json()) as { accepted?: number };
    expect(body.accepted).toBe(1);

    const waiting = page.locator('.tile[data-queue="e2e-probe"][data-channel="webchat"] [data-metric="waiting"]');
    await waiting.waitFor({ state: 'attached', timeout: 2_000 });
    await expect.poll(() => waiting.getAttribute('data-value'), { timeout: Math.max(100, 2_000 - (Date.now() - posted)) }).toBe('1');
    expect(await waiting.textContent()).toBe('1');
    expect(Date.now() - posted).toBeLessThan(2_000 + 500);

    await page.waitForTimeout(600); // let the entry animation finish
    await page.screenshot({ path: SCREENSHOT });
    expect(pageErrors).toEqual([]);
  });

  it("colors and alarms each tile by its own targets: ten minutes' wait is long on a call, not on an email", async () => {
    const queue = `e2e-targets-${Date.now()}`;
    const ts = new Date(Date.now() - 600_000).toISOString();
    const events = ['voice', 'email'].flatMap((channel) => [
      { id: `${queue}-${channel}-new`, type: 'APPEAL_NEW', ts, appealId: `${queue}-${channel}`, channel, queue },
      { id: `${queue}-${channel}-sd`, type: 'APPEAL_SENT_DISTRIBUTION', ts, appealId: `${queue}-${channel}`, channel, queue },
    ]);
    const res = await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
    expect(res.status, await res.clone().text()).toBe(202);
    const voice = page.locator(`.tile[data-queue="${queue}"][data-channel="voice"]`);
    const email = page.locator(`.tile[data-queue="${queue}"][data-channel="email"]`);
    await voice.waitFor({ state: 'attached', timeout: 5_000 });
    await email.waitFor({ state: 'attached', timeout: 5_000 });
    await expect.poll(() => voice.evaluate((el) => el.classList.contains('long-wait')), { timeout: 5_000 }).toBe(true);
    expect(await email.evaluate((el) => el.classList.contains('long-wait'))).toBe(false);
    // the target's mark sits at the queue's own SL target, and says what it is
    expect(await voice.locator('.sl-target').evaluate((el) => [(el as HTMLElement).style.left, el.getAttribute('title')])).toEqual(['80%', 'target 80 % within 20 s']);
    expect(await email.locator('.sl-target').getAttribute('title')).toBe('target 80 % within 1 h 00 m');
    expect(pageErrors).toEqual([]);
  });

  it('shows the 60-minute values on hover and with the toggle', async () => {
    const tile = page.locator('.tile[data-queue][data-channel]').first();
    await tile.hover();
    await expect.poll(() => tile.locator('.peek-title').textContent(), { timeout: 2_000 }).toBe('Last 60 min');
    await page.mouse.move(1, 1);
    await expect.poll(() => tile.locator('.peek').count(), { timeout: 2_000 }).toBe(0);

    const toggle = page.locator('#window-toggle');
    await toggle.click();
    await expect.poll(() => tile.getAttribute('data-window'), { timeout: 2_000 }).toBe('60m');
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('#center .kpi-win').textContent()).toBe('SL 60 min');
    await toggle.click();
    await expect.poll(() => tile.getAttribute('data-window'), { timeout: 2_000 }).toBe('15m');
    expect(pageErrors).toEqual([]);
  });
});
