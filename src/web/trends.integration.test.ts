/**
 * Browser test of the trend charts and the tiles' trend lines against the real server (`node
 * dist/cli/main.js start`): both are seeded from history the page did not see arrive, match the API's
 * numbers, follow new events without a reload, and narrow to one queue × channel. Needs the build.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdviceDashboard, type AdviceDashboard } from './testing/advice-page.js';
import { requireChromium } from './testing/require-chromium.js';
import { clockIn } from '../metrics/time-zone.js';

const chromiumPath = requireChromium('trends.integration.test.ts');
const M = 60_000;

/** An appeal answered after `waitSec` and closed two minutes later, all `minutesAgo` back. */
function answered(id: string, queue: string, minutesAgo: number, waitSec: number) {
  const t0 = Date.now() - minutesAgo * M;
  const at = (ms: number) => new Date(t0 + ms).toISOString();
  return [
    { id: `${id}:new`, type: 'APPEAL_NEW', ts: at(0), appealId: id, queue, channel: 'voice' },
    { id: `${id}:sd`, type: 'APPEAL_SENT_DISTRIBUTION', ts: at(0), appealId: id, queue, channel: 'voice' },
    { id: `${id}:ap`, type: 'APPEAL_APPOINTED', ts: at(waitSec * 1000), appealId: id, queue, channel: 'voice', operatorId: `${queue}-op` },
    { id: `${id}:cl`, type: 'APPEAL_CLOSED', ts: at(waitSec * 1000 + 2 * M), appealId: id, queue, channel: 'voice', operatorId: `${queue}-op` },
  ];
}

describe.skipIf(!chromiumPath)('trend charts, in Chromium against `ccpulse start`', () => {
  let dash: AdviceDashboard | undefined;
  beforeAll(async () => {
    // the center five and a half hours ahead of UTC (and of this machine): its times must show so
    process.env.CCPULSE_TIME_ZONE = 'Asia/Kolkata';
    try {
      dash = await openAdviceDashboard('trends', chromiumPath!);
    } finally {
      delete process.env.CCPULSE_TIME_ZONE;
    }
  }, 60_000);
  afterAll(async () => {
    await dash?.close();
  });

  const post = (events: unknown[]) => dash!.post(events);

  it('draws the last hours from history, follows new events, and narrows to one queue × channel', async () => {
    const { base, page, pageErrors } = dash!;
    // three hours of sales (one appeal every 3 minutes, half waiting 40 s) and an hour of support (every 6 minutes)
    const events: Array<{ ts: string }> = [];
    for (let i = 1; i <= 60; i++) events.push(...answered(`s${i}`, 'sales', i * 3, i % 2 ? 5 : 40));
    for (let i = 1; i <= 10; i++) events.push(...answered(`p${i}`, 'support', i * 6, 5));
    await post(events.sort((a, b) => a.ts.localeCompare(b.ts)));

    await page.goto(base + '/');
    const arrivals = page.locator('#trends figure[data-chart="arrivals"]');
    await expect.poll(() => arrivals.getAttribute('data-total'), { timeout: 15_000 }).toBe('70');
    // times are the center's: the header clock shows Kolkata's time, not the browser's
    const kolkata = (t: number) => clockIn(t, 'Asia/Kolkata').slice(0, 5);
    await expect.poll(async () => {
      const shown = (await page.locator('#clock').textContent())!.slice(0, 5);
      return shown === kolkata(Date.now()) || shown === kolkata(Date.now() - 60_000);
    }, { timeout: 10_000 }).toBe(true);
    // the charts are drawn (uPlot's canvas), and say in words what they show
    expect(await page.locator('#trends .chart canvas').count()).toBe(4);
    expect(await arrivals.locator('.chart-summary').textContent()).toMatch(/^70 arrived in the last 4 hours/);
    // the API's own numbers for the same range: SL of the last judged slot, the center's
    // (from on a 5-minute edge, as the charts ask: intervals are counted from `from`)
    const since = Date.now() - 4 * 60 * M;
    const api = (await (await fetch(`${base}/v1/metrics?from=${since - (since % (5 * M))}&interval=5m&groupBy=`)).json()) as { rows: Array<{ offered: number; slPct: number | null }> };
    expect(api.rows.reduce((n, r) => n + r.offered, 0)).toBe(70);
    const lastSl = api.rows.filter((r) => r.slPct !== null).at(-1)!.slPct;
    expect(Number(await page.locator('#trends figure[data-chart="sl"]').getAttribute('data-last'))).toBe(lastSl);
    // the forecast's hour ahead is on the arrivals chart
    await expect.poll(async () => Number(await arrivals.getAttribute('data-ahead')), { timeout: 20_000 }).toBeGreaterThan(0);

    // the tiles' trend lines start an hour back, from history, not at the page's opening
    const spark = page.locator('.tile[data-queue="sales"][data-channel="voice"] canvas.spark');
    await expect.poll(async () => Number(await spark.getAttribute('data-points')), { timeout: 10_000 }).toBeGreaterThanOrEqual(55);

    // new events: the charts follow without a reload
    const now = Array.from({ length: 5 }, (_, i) => answered(`n${i}`, 'sales', 0.2, 1).slice(0, 2)).flat();
    await post(now);
    await expect.poll(() => arrivals.getAttribute('data-total'), { timeout: 25_000, interval: 500 }).toBe('75');

    // one queue × channel
    await page.selectOption('#trend-scope', { label: 'support · Voice' });
    await expect.poll(() => page.locator('#trends').getAttribute('data-scope'), { timeout: 10_000 }).toBe('support/voice');
    await expect.poll(() => arrivals.getAttribute('data-total'), { timeout: 10_000 }).toBe('10');
    // chosen scope survives a reload, and is drawn as soon as the tiles name it (well before the next
    // refresh, REFRESH_MS = 15 s: the charts were first drawn for the center, before the tiles came)
    await page.reload();
    await expect.poll(() => page.locator('#trends').getAttribute('data-scope'), { timeout: 8_000 }).toBe('support/voice');
    expect(await arrivals.getAttribute('data-total')).toBe('10'); // and what is drawn is that scope's
    // the wall view gives the whole height to the tiles
    await page.keyboard.press('c');
    expect(await page.locator('#trends').isHidden()).toBe(true);
    await page.keyboard.press('c');
    // hidden on request (button or key T), remembered across a reload, and shown again
    await page.click('#trends-toggle');
    expect(await page.locator('#trend-charts').isHidden()).toBe(true);
    expect(await page.locator('#trends-toggle').getAttribute('aria-expanded')).toBe('false');
    await page.reload();
    await page.locator('#trends-toggle').waitFor();
    expect(await page.locator('#trend-charts').isHidden()).toBe(true);
    await page.keyboard.press('t');
    expect(await page.locator('#trend-charts').isHidden()).toBe(false);
    await expect.poll(() => arrivals.getAttribute('data-total'), { timeout: 15_000 }).toBe('10');
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('speaks Russian when asked (or when the browser does), and switches back to English', async () => {
    const { base, page, pageErrors } = dash!;
    await page.goto(base + '/?lang=ru');
    await page.locator('.tile[data-queue="sales"][data-channel="voice"]').waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('ru');
    expect(await page.locator('.kpi dt').nth(1).textContent()).toBe('Ожидают');
    expect(await page.locator('.tile[data-queue="sales"][data-channel="voice"] .ch-name').textContent()).toBe('Голос');
    expect(await page.locator('#trends-title').textContent()).toBe('Последние 4 часа');
    await expect.poll(() => page.locator('#trends figure[data-chart="arrivals"] .chart-summary').textContent(), { timeout: 15_000 }).toMatch(/^Поступило \d+ за последние 4 ч/);
    expect(await page.locator('#filter').getAttribute('placeholder')).toBe('Фильтр: очередь, канал (/)');
    expect(await page.locator('#operators th[data-col="handledToday"] button').textContent()).toBe('Обработано сегодня');
    // the switch: English, remembered without the URL's ?lang
    await page.click('#lang-toggle');
    await page.waitForURL((u) => !u.searchParams.has('lang'));
    await page.locator('.tile[data-queue="sales"][data-channel="voice"]').waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('.kpi dt').nth(1).textContent()).toBe('Waiting');
    // a Russian browser gets Russian with no choice made
    const ru = await dash!.browser.newContext({ locale: 'ru-RU' });
    const p2 = await ru.newPage();
    await p2.goto(base + '/');
    await p2.locator('.tile').first().waitFor();
    expect(await p2.locator('html').getAttribute('lang')).toBe('ru');
    await ru.close();
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
