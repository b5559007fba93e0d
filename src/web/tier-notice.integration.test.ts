/**
 * Browser test of the storage tier's quiet notice against the real server (`node dist/cli/main.js start`
 * on the embedded store, made for tier 1): nothing while the center is small; a line below the board once
 * it measures more operators at once than the store is made for. Needs the build (`npm run build`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdviceDashboard, type AdviceDashboard } from './testing/advice-page.js';
import { requireChromium } from './testing/require-chromium.js';

const chromiumPath = requireChromium('tier-notice.integration.test.ts');

describe.skipIf(!chromiumPath)('the storage tier notice in Chromium against `ccpulse start`', () => {
  let dash: AdviceDashboard | undefined;
  beforeAll(async () => {
    dash = await openAdviceDashboard('tier', chromiumPath!);
  }, 60_000);
  afterAll(async () => {
    await dash?.close();
  });

  it('says nothing for a small center, and quietly says when the store is outgrown', async () => {
    const { base, page, pageErrors } = dash!;
    await page.goto(base + '/');
    await page.locator('#board').waitFor({ state: 'attached' });
    await expect.poll(async () => (await fetch(`${base}/v1/tier`)).status).toBe(200);
    expect(await page.locator('#tier-notice').isVisible()).toBe(false);

    // 70 operators at work: tier 2 by the seed's bounds, on a store made for tier 1
    const now = new Date().toISOString();
    const ops = Array.from({ length: 70 }, (_, i) => ({ id: `s${i}`, type: 'OPERATOR_STATUS', ts: now, operatorId: `op${i}`, status: 'ready', queue: 'sales', channel: 'voice' }));
    const res = await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ops) });
    expect(res.status).toBe(202);
    // the server samples every 5 s; the page asks at load (and every 5 minutes)
    await expect.poll(async () => ((await (await fetch(`${base}/v1/tier`)).json()) as { current: { outgrown: boolean } }).current.outgrown, { timeout: 15_000 }).toBe(true);
    await page.reload();
    const notice = page.locator('#tier-notice');
    await notice.waitFor({ state: 'visible', timeout: 5_000 });
    expect(await notice.textContent()).toBe('This center has outgrown the embedded store (PGlite) (made for tier 1): it measures tier 2, TimescaleDB. Run "ccpulse tier" for the reasons.');
    expect(await notice.getAttribute('role')).toBe('note');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
