import fs from 'node:fs';
/**
 * Accessibility audit of both pages with axe-core (WCAG 2.1 A and AA: contrast, labels, names, landmarks,
 * keyboard-reachable controls), in Chromium against the built server: the live view with tiles, advice,
 * charts and the settings editor open; the reports page with rows and the appeals behind a number.
 * Needs the build (`npm run build`).
 */
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdviceDashboard, waitingAppeal, type AdviceDashboard } from './testing/advice-page.js';
import { requireChromium } from './testing/require-chromium.js';

const chromiumPath = requireChromium('accessibility.integration.test.ts');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

const AXE_SOURCE = fs.readFileSync(AXE, 'utf8');

interface Violation {
  id: string;
  impact: string;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** axe's violations on the page as it stands, one line each: rule, impact, where. */
async function audit(page: Page): Promise<string[]> {
  // Colors as they settle: the header's tint fades in over 0.2 s when a number crosses its threshold, and
  // axe measuring mid-fade reports a contrast no one reads (seen once in CI, in Russian). With reduced
  // motion the page drops its transitions (style.css), so what is measured is what stays on screen.
  await page.emulateMedia({ reducedMotion: 'reduce' });
  // evaluated by the browser's debugging protocol: an added <script> would be refused by the dashboard's CSP, as it should be
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(async () => {
    const r = await (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: unknown[] }> } }).axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return r.violations;
  })) as Violation[];
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}${v.nodes.length > 3 ? ` and ${v.nodes.length - 3} more` : ''}`);
}

describe.skipIf(!chromiumPath)('accessibility (axe-core, WCAG 2.1 AA), in Chromium against `ccpulse start`', () => {
  let dash: AdviceDashboard | undefined;
  beforeAll(async () => {
    dash = await openAdviceDashboard('a11y', chromiumPath!);
    const now = Date.now();
    // all of it today (UTC, the server's zone): the reports page opens on today
    const scale = Math.min(1, ((now % 86_400_000) / 1000 - 2) / 410);
    const at = (s: number) => new Date(now - s * scale * 1000).toISOString();
    await dash.post([
      { id: 'op1', type: 'OPERATOR_STATUS', ts: at(300), operatorId: 'anna', status: 'ready', queue: 'sales', channel: 'voice' },
      { id: 'a:n', type: 'APPEAL_NEW', ts: at(200), appealId: 'a', queue: 'sales', channel: 'voice' },
      { id: 'a:m', type: 'APPEAL_MISSED', ts: at(150), appealId: 'a', queue: 'sales', channel: 'voice' },
      ...waitingAppeal('w', 'billing', 400 * scale),
    ]);
  }, 60_000);
  afterAll(async () => {
    await dash?.close();
  });

  it('the live view, in English and Russian, and its settings editor', async () => {
    const { base, page } = dash!;
    for (const lang of ['en', 'ru']) {
      await page.goto(`${base}/?lang=${lang}`);
      await expect.poll(() => page.locator('.tile[data-queue]').count(), { timeout: 15_000 }).toBeGreaterThan(1);
      await expect.poll(() => page.locator('#advice .advice-list > li').count(), { timeout: 15_000 }).toBeGreaterThan(0);
      // the live stream connected: until then the page is dimmed on purpose (stale), not read
      await expect.poll(async () => (await page.locator('body').getAttribute('class')) ?? '', { timeout: 15_000 }).not.toMatch(/\bstale\b/);
      expect(await audit(page), lang).toEqual([]);
    }
    await page.goto(`${base}/?lang=en`);
    await page.locator('#settings-open').click();
    await expect.poll(() => page.locator('#settings tbody tr').count(), { timeout: 10_000 }).toBeGreaterThan(2);
    await page.locator('#team-add').click(); // a team's fields too
    await page.locator('#settings .team-row').waitFor();
    expect(await audit(page)).toEqual([]);
  }, 90_000);

  it('the reports page with its rows and the appeals behind a number', async () => {
    const { base, page } = dash!;
    await page.goto(`${base}/reports.html?lang=en`);
    await expect.poll(() => page.locator('.report-table tbody tr').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    const link = page.locator('td[data-col="offered"] button').first();
    await expect.poll(() => link.count(), { timeout: 15_000 }).toBe(1);
    await page.screenshot({ path: '/tmp/ccpulse-a11y-reports.png', fullPage: true });
    await link.click();
    await expect.poll(() => page.locator('.drill-list > li').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await audit(page)).toEqual([]);
  }, 90_000);
});
