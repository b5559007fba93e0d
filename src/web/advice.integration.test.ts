/**
 * Browser test of the "Advice & alerts" panel against the real server (`node dist/cli/main.js start`, no
 * demo traffic) with hysteresis off, so items open and resolve as soon as their conditions change.
 * Debian's Chromium driven by playwright-core. Needs the build (`npm run build`: dist/cli and dist/web).
 */
import { type Locator, type Page, type Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdviceDashboard, waitingAppeal as waiting, type AdviceDashboard } from './testing/advice-page.js';
import { requireChromium } from './testing/require-chromium.js';

const SCREENSHOT = '/tmp/advice-panel.png';
/** A queue named like markup: its name reaches the page inside reasons, and must stay text. */
const HOSTILE = '<img src=x onerror="window.__xss=1">';

const chromiumPath = requireChromium('advice.integration.test.ts');

const answered = (appealId: string, queue: string) => [
  { id: `${appealId}:ap`, type: 'APPEAL_APPOINTED', ts: new Date().toISOString(), appealId, queue, channel: 'voice', operatorId: 'op1' },
];

describe.skipIf(!chromiumPath)('advice & alerts panel in Chromium against `ccpulse start`', () => {
  let dash: AdviceDashboard | undefined;
  let base = '';
  let page: Page;
  let pageErrors: string[] = [];

  const post = async (events: object[]): Promise<void> => {
    const res = await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
    expect(res.status, await res.clone().text()).toBe(202);
    expect(((await res.json()) as { accepted?: number }).accepted).toBe(events.length);
  };
  // JSON's string escapes are CSS's too: a key with quotes stays one attribute value.
  const item = (key: string): Locator => page.locator(`#advice .advice-item[data-key=${JSON.stringify(key)}]`);

  beforeAll(async () => {
    dash = await openAdviceDashboard('advice', chromiumPath!);
    ({ base, page, pageErrors } = dash);
    await page.goto(base + '/');
  });

  afterAll(async () => {
    await dash?.close();
  });

  it('shows a calm line while the board is empty', async () => {
    const panel = page.locator('#advice');
    await panel.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('#advice-title').textContent()).toBe('Advice & alerts');
    await expect.poll(() => page.locator('#advice .advice-empty').isVisible()).toBe(true);
    expect(await page.locator('#advice .advice-empty').textContent()).toBe('No advice right now');
    expect(await page.locator('#advice .advice-item').count()).toBe(0);
  });

  it('shows a critical long-wait alert with its reason, severity in words, and how long it has been open', async () => {
    await post([...waiting('a1', 'sales', 400), ...waiting('x1', HOSTILE, 200)]);
    const wait = item('long-wait:sales:voice');
    await wait.waitFor({ state: 'visible', timeout: 5_000 });
    expect(await wait.getAttribute('data-kind')).toBe('long-wait');
    expect(await wait.getAttribute('data-severity')).toBe('critical');
    expect(await wait.getAttribute('data-state')).toBe('open');
    expect(await wait.locator('.advice-reason').textContent()).toMatch(/^sales voice: the longest wait is \d+ s \(threshold 120 s\), 1 waiting$/);
    // not by colour alone: the severity's word and a glyph, and the kind in words
    expect(await wait.locator('.sev').innerText()).toMatch(/^critical$/i);
    expect(await wait.locator('.sev svg').count()).toBe(1);
    expect(await wait.locator('.advice-kind').textContent()).toBe('Long wait');
    expect(await wait.locator('.advice-age').textContent()).toMatch(/^Open \d+ s$/);
    expect(await wait.locator('button.ack').isEnabled()).toBe(true);
    await expect.poll(() => page.locator('#advice .advice-empty').isVisible()).toBe(false);

    // critical first; staffing advice for the same queue is on the board too
    await item('staffing-add:sales:voice').waitFor({ state: 'visible', timeout: 5_000 });
    const severities = await page.$$eval('#advice .advice-item', (els) => els.map((e) => (e as HTMLElement).dataset.severity));
    const rank = (s: string | undefined) => (s === 'critical' ? 3 : s === 'warning' ? 2 : 1);
    expect(severities.map(rank)).toEqual([...severities.map(rank)].sort((a, b) => b - a));
    expect(await page.locator('#advice .advice-counts').textContent()).toMatch(/^\d+ critical/);

    // a queue named like markup is shown as its name, never parsed
    const hostile = item(`long-wait:${HOSTILE}:voice`);
    await hostile.waitFor({ state: 'visible', timeout: 5_000 });
    expect(await hostile.locator('.advice-reason').textContent()).toContain(`${HOSTILE} voice: the longest wait is`);
    expect(await page.locator('#advice img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();

    // the age keeps counting between messages
    const age = async () => Number(/(\d+) s$/.exec((await wait.locator('.advice-age').textContent()) ?? '')?.[1]);
    const first = await age();
    await expect.poll(age, { timeout: 3_000 }).toBeGreaterThan(first);
    // … on the server's clock: the age shown is the time since the server opened it
    const board = (await (await fetch(`${base}/v1/recommendations`)).json()) as { items: Array<{ key: string; openedAt: string }> };
    const openedAt = Date.parse(board.items.find((i) => i.key === 'long-wait:sales:voice')!.openedAt);
    expect(Math.abs((await age()) - (Date.now() - openedAt) / 1000)).toBeLessThanOrEqual(2);
  });

  it('disables Acknowledge while the POST is on its way, and shows an error when it fails', async () => {
    const wait = item('long-wait:sales:voice');
    const button = wait.locator('button.ack');
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let body: string | null = null;
    const failing = async (route: Route): Promise<void> => {
      body = route.request().postData();
      await held;
      await route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'the server is busy' } }) });
    };
    await page.route('**/v1/recommendations/*/ack', failing);
    await button.click();
    await expect.poll(() => button.isDisabled()).toBe(true);
    expect(await button.textContent()).toBe('Acknowledging…');
    release();
    await expect.poll(() => wait.locator('.advice-error').textContent(), { timeout: 3_000 }).toBe('Could not acknowledge: the server is busy');
    expect(body).toBe('{}');
    expect(await button.isEnabled()).toBe(true);
    expect(await wait.getAttribute('data-state')).toBe('open');
    await page.unroute('**/v1/recommendations/*/ack', failing);
    // Chromium logs the failed request itself; that one is expected, nothing else is.
    expect(pageErrors.filter((e) => !/status of 503/.test(e))).toEqual([]);
    pageErrors.length = 0;
  });

  it('acknowledges: the stream marks the item acknowledged, and a fresh page gets the same board', async () => {
    const wait = item('long-wait:sales:voice');
    const id = await wait.getAttribute('data-id');
    const acked = page.waitForResponse((r) => r.url().includes(`/v1/recommendations/${id}/ack`));
    await wait.locator('button.ack').click();
    expect((await acked).status()).toBe(200);
    await expect.poll(() => wait.getAttribute('data-state'), { timeout: 3_000 }).toBe('acknowledged');
    expect(await wait.locator('.advice-acked').textContent()).toBe('Acknowledged by anonymous');
    expect(await wait.locator('button.ack').isVisible()).toBe(false);
    expect(await wait.locator('.advice-error').isVisible()).toBe(false);
    const board = (await (await fetch(`${base}/v1/recommendations`)).json()) as { items: Array<{ id: string; state: string }> };
    expect(board.items.find((i) => i.id === id)?.state).toBe('acknowledged');

    await page.waitForTimeout(300);
    await page.screenshot({ path: SCREENSHOT });

    // a new connection gets the board from the server, acknowledged included
    await page.reload();
    await expect.poll(() => item('long-wait:sales:voice').getAttribute('data-state'), { timeout: 5_000 }).toBe('acknowledged');
    // the same board as the server's now (the advisor may have raised an item since the fetch above)
    const boardNow = async () => ((await (await fetch(`${base}/v1/recommendations`)).json()) as { items: unknown[] }).items.length;
    await expect.poll(async () => (await page.locator('#advice .advice-item').count()) === (await boardNow()), { timeout: 5_000 }).toBe(true);
  });

  it('drops the long-wait alert once the appeal is answered', async () => {
    await post(answered('a1', 'sales'));
    await expect.poll(() => item('long-wait:sales:voice').count(), { timeout: 5_000 }).toBe(0);
    // the other queue's alert is still there
    expect(await item(`long-wait:${HOSTILE}:voice`).count()).toBe(1);
    expect(pageErrors).toEqual([]);
  });
});
