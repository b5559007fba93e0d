/**
 * The dashboard's screenshots in docs/screenshots/ (shown in the README), taken from the real thing:
 * the built server with demo traffic (`ccpulse start --demo`, a fresh data directory), Debian's Chromium.
 *
 *   npm run build && npm run screenshots
 *
 * Writes live.png (1440×900, the wall as a supervisor sees it after two minutes of demo traffic),
 * live-ru.png (the same in Russian) and compact.png (the compact wall view).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { freePort } from '../src/testing/server-process.js';
import { ROOT, requireBuild, startBuiltServer } from '../src/web/testing/built-server.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WARMUP_MS = Number(process.env.SCREENSHOTS_WARMUP_MS ?? 120_000);

requireBuild();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccpulse-screenshots-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = await startBuiltServer(['start', '--demo', '--port', String(port), '--data', path.join(dataDir, 'data')], `${base}/v1/live`);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
try {
  process.stderr.write(`[screenshots] demo traffic for ${WARMUP_MS / 1000} s…\n`);
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  const out = path.join(ROOT, 'docs/screenshots');
  fs.mkdirSync(out, { recursive: true });
  for (const [name, query] of [['live', '?lang=en'], ['live-ru', '?lang=ru'], ['compact', '?lang=en&compact=1']] as const) {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${base}/${query}`);
    await page.locator('.tile').first().waitFor();
    await page.waitForTimeout(6_000); // the charts' first fetch, the operators' table, a few live updates
    await page.screenshot({ path: path.join(out, `${name}.png`) });
    await page.close();
    process.stderr.write(`[screenshots] docs/screenshots/${name}.png\n`);
  }
  // the settings editor, open over the live view
  {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${base}/?lang=en`);
    await page.locator('.tile').first().waitFor();
    await page.locator('#settings-open').click();
    await page.locator('#settings tbody tr').nth(3).waitFor();
    await page.waitForTimeout(1_000);
    await page.screenshot({ path: path.join(out, 'settings.png') });
    await page.close();
    process.stderr.write('[screenshots] docs/screenshots/settings.png\n');
  }
  // the reports page: today by queue and channel, an export done, the appeals behind a number
  {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1100 } });
    await page.goto(`${base}/reports.html?lang=en`);
    await page.locator('.report-table tbody tr').first().waitFor();
    await page.getByRole('button', { name: 'Export XLSX' }).click();
    await page.locator('#jobs li[data-state="done"]').waitFor({ timeout: 60_000 });
    await page.locator('td[data-col="missed"] button').first().click();
    await page.locator('.drill-list > li').first().waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(out, 'reports.png'), fullPage: true });
    await page.close();
    process.stderr.write('[screenshots] docs/screenshots/reports.png\n');
  }
} finally {
  await browser.close();
  await server.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
