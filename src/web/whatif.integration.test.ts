/**
 * Browser test of the live what-if on staffing advice, against the real server (`node dist/cli/main.js
 * start`, no demo traffic) with hysteresis off, so advice opens as soon as its condition holds. Debian's
 * Chromium driven by playwright-core. Needs the build (`npm run build`: dist/cli and dist/web).
 */
import { type Locator, type Page, type Request, type Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdviceDashboard, waitingAppeal as waiting, type AdviceDashboard } from './testing/advice-page.js';
import { requireChromium } from './testing/require-chromium.js';

const SCREENSHOT = '/tmp/whatif-panel.png';
/** A queue with ':' in its name (the key's last ':' is the channel's) and markup that must stay text. */
const ODD = 'a:b <img src=x onerror="window.__xss=1">';

const chromiumPath = requireChromium('whatif.integration.test.ts');


/** The answer line: SL in 30 minutes with the advice, and as things stand (with nobody on the queue, no wait ends). */
const LINE = /^Add (\d+) now → SL in 30 min ≈ \d+ %( \(\d+–\d+ %\))?, as things stand( ≈ \d+ %( \(\d+–\d+ %\))?|: none answered, \d+ waiting)$/;

describe.skipIf(!chromiumPath)('what-if on staffing advice in Chromium against `ccpulse start`', () => {
  let dash: AdviceDashboard | undefined;
  let base = '';
  let page: Page;
  let pageErrors: string[] = [];
  /** Bodies of the page's POST /v1/whatif requests, in order. */
  const whatIfBodies: unknown[] = [];

  const post = async (events: object[]): Promise<void> => {
    const res = await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
    expect(res.status, await res.clone().text()).toBe(202);
  };
  // JSON's string escapes are CSS's too: a key with quotes stays one attribute value.
  const item = (key: string): Locator => page.locator(`#advice .advice-item[data-key=${JSON.stringify(key)}]`);

  beforeAll(async () => {
    dash = await openAdviceDashboard('whatif', chromiumPath!);
    ({ base, page, pageErrors } = dash);
    page.on('request', (r: Request) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/v1/whatif') whatIfBodies.push(JSON.parse(r.postData() ?? 'null'));
    });
    await page.goto(base + '/');
    await post([...waiting('a1', 'sales', 400), ...waiting('x1', ODD, 200)]);
  });

  afterAll(async () => {
    await dash?.close();
  });

  it('offers "What if?" on staffing advice only', async () => {
    const add = item('staffing-add:sales:voice');
    await add.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await add.locator('button.whatif').isVisible()).toBe(true);
    expect(await add.locator('button.whatif').textContent()).toBe('What if?');
    expect(await add.locator('.advice-whatif').isVisible()).toBe(false);
    const wait = item('long-wait:sales:voice');
    await wait.waitFor({ state: 'visible', timeout: 5_000 });
    expect(await wait.locator('button.whatif').isVisible()).toBe(false);
  });

  it('asks the server twice (as things stand, and with the advice) and shows the answer for minute 30 with a curve', async () => {
    const add = item('staffing-add:sales:voice');
    const board = (await (await fetch(`${base}/v1/recommendations`)).json()) as { items: Array<{ key: string; data: { add?: number } }> };
    const n = board.items.find((i) => i.key === 'staffing-add:sales:voice')?.data.add ?? 0;
    expect(n).toBeGreaterThanOrEqual(1);
    whatIfBodies.length = 0;
    const button = add.locator('button.whatif');
    await button.click();
    // pending while the simulations run
    await expect.poll(() => add.locator('.advice-whatif').getAttribute('data-status'), { timeout: 2_000 }).toMatch(/^(pending|done)$/);
    const answer = add.locator('.advice-whatif[data-status=done] .whatif-line');
    await answer.waitFor({ state: 'visible', timeout: 15_000 });
    const text = (await answer.textContent()) ?? '';
    expect(text).toMatch(LINE);
    expect(Number(LINE.exec(text)![1])).toBe(n);
    expect(await button.isEnabled()).toBe(true);
    expect(await button.textContent()).toBe('What if?');

    expect(whatIfBodies).toHaveLength(2);
    expect(whatIfBodies).toEqual(
      expect.arrayContaining([
        { actions: [], runs: 16 },
        { actions: [{ action: 'add', queue: 'sales', channel: 'voice', n }], runs: 16 },
      ]),
    );

    // the curve: two lines over the hour, the one with the advice drawn
    const curve = add.locator('svg.whatif-curve');
    expect(await curve.count()).toBe(1);
    expect(await curve.locator('path.wi-with').getAttribute('d')).toMatch(/^M\d/);
    expect(await curve.getAttribute('aria-label')).toContain(`add ${n} now`);
  });

  it('works for a queue with ":" and markup in its name, which stays text', async () => {
    const key = `staffing-add:${ODD}:voice`;
    const add = item(key);
    await add.waitFor({ state: 'visible', timeout: 5_000 });
    whatIfBodies.length = 0;
    await add.locator('button.whatif').click();
    const answer = add.locator('.advice-whatif[data-status=done] .whatif-line');
    await answer.waitFor({ state: 'visible', timeout: 15_000 });
    expect(await answer.textContent()).toMatch(LINE);
    expect(whatIfBodies).toHaveLength(2);
    expect(whatIfBodies).toContainEqual({ actions: [{ action: 'add', queue: ODD, channel: 'voice', n: expect.any(Number) }], runs: 16 });
    expect(await page.locator('#advice img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();

    await page.waitForTimeout(200);
    await page.screenshot({ path: SCREENSHOT });
    // on a laptop and a phone the answer still has a row of its own under the item
    for (const width of [1000, 420]) {
      await page.setViewportSize({ width, height: 900 });
      await page.waitForTimeout(200);
      const line = add.locator('.whatif-line');
      const [itemBox, lineBox] = [await add.boundingBox(), await line.boundingBox()];
      expect(lineBox!.y + lineBox!.height).toBeLessThanOrEqual(itemBox!.y + itemBox!.height + 1);
      expect(lineBox!.x + lineBox!.width).toBeLessThanOrEqual(itemBox!.x + itemBox!.width + 1);
      await add.screenshot({ path: SCREENSHOT.replace('.png', `-${width}.png`) });
    }
    await page.setViewportSize({ width: 1600, height: 900 });
  });

  it('shows the pending state while the server works, then its busy message, and lets the user try again', async () => {
    const add = item('staffing-add:sales:voice');
    const button = add.locator('button.whatif');
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const busy = async (route: Route): Promise<void> => {
      await held;
      await route.fulfill({
        status: 503,
        headers: { 'retry-after': '1' },
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'CCP_OVERLOADED', message: 'what-if simulations are busy; try again in a second' } }),
      });
    };
    await page.route('**/v1/whatif', busy);
    await button.click();
    const box = add.locator('.advice-whatif');
    await expect.poll(() => box.getAttribute('data-status')).toBe('pending');
    expect(await button.isDisabled()).toBe(true);
    expect(await button.textContent()).toBe('Simulating…');
    expect(await box.textContent()).toBe('Simulating the next hour…');
    // a second click while it runs sends nothing more
    await button.click({ force: true });
    release();
    await expect.poll(() => box.getAttribute('data-status'), { timeout: 3_000 }).toBe('error');
    expect(await box.locator('.whatif-error').textContent()).toBe('Could not simulate: what-if simulations are busy; try again in a second');
    expect(await button.isEnabled()).toBe(true);
    await page.unroute('**/v1/whatif', busy);

    // and again, for real
    await button.click();
    await add.locator('.advice-whatif[data-status=done] .whatif-line').waitFor({ state: 'visible', timeout: 15_000 });
    // Chromium logs the refused requests itself; those are expected, nothing else is.
    expect(pageErrors.filter((e) => !/status of 503/.test(e))).toEqual([]);
  });
});
