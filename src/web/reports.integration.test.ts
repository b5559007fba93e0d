/**
 * Browser test of the reports page against the real server (`node dist/cli/main.js start`): today's rows
 * by queue and channel as GET /v1/metrics has them, sliced by the hour on asking, an export run as a job
 * and downloaded, and the appeals behind a number. Needs the build (`npm run build`).
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdviceDashboard, type AdviceDashboard } from './testing/advice-page.js';
import { requireChromium } from './testing/require-chromium.js';

const chromiumPath = requireChromium('reports.integration.test.ts');

describe.skipIf(!chromiumPath)('the reports page, in Chromium against `ccpulse start`', () => {
  let dash: AdviceDashboard | undefined;
  beforeAll(async () => {
    dash = await openAdviceDashboard('reports', chromiumPath!);
  }, 60_000);
  afterAll(async () => {
    await dash?.close();
  });

  it('shows today by queue and channel, slices it by the hour, exports it as a job, and opens the appeals behind a number', async () => {
    const { base, page, pageErrors } = dash!;
    const now = Date.now();
    // today only (UTC, the server's default zone): the events must not cross midnight
    const start = Math.max(now - 30 * 60_000, now - (now % 86_400_000) + 1_000);
    const at = (s: number) => new Date(Math.min(now - 1_000, start + s * 1000)).toISOString();
    const events: object[] = [];
    for (let i = 0; i < 6; i++) {
      for (const queue of ['sales', 'support']) {
        const a = `${queue}-${i}`;
        events.push({ id: `${a}:n`, type: 'APPEAL_NEW', ts: at(i * 60), appealId: a, queue, channel: 'voice' });
        if (i === 5) events.push({ id: `${a}:m`, type: 'APPEAL_MISSED', ts: at(i * 60 + 30), appealId: a, queue, channel: 'voice' });
        else events.push({ id: `${a}:a`, type: 'APPEAL_APPOINTED', ts: at(i * 60 + 10), appealId: a, queue, channel: 'voice', operatorId: 'op' });
      }
    }
    await dash!.post(events);

    await page.goto(`${base}/reports.html?lang=en`);
    const rows = page.locator('.report-table tbody tr');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(2);
    const api = (await (await fetch(`${base}/v1/metrics?from=${new Date(now - (now % 86_400_000)).toISOString()}&to=${new Date(now - (now % 86_400_000) + 86_400_000).toISOString()}`)).json()) as { rows: Array<{ queue: string; offered: number; missed: number }> };
    for (const r of api.rows) {
      const row = rows.filter({ has: page.locator('th', { hasText: r.queue }) });
      expect(await row.locator('td[data-col="offered"]').textContent()).toBe(String(r.offered));
      expect(await row.locator('td[data-col="missed"]').textContent()).toBe(String(r.missed));
    }
    expect(api.rows.map((r) => r.offered)).toEqual([6, 6]);

    // the appeals behind a number: support's abandoned (1), with its events in order
    const support = rows.filter({ has: page.locator('th', { hasText: 'support' }) });
    await support.locator('td[data-col="missed"] button').click();
    const drill = page.locator('#drill');
    await expect.poll(() => drill.locator('.drill-list > li').count(), { timeout: 15_000 }).toBe(1);
    expect(await drill.locator('#drill-title').textContent()).toBe('Abandoned — support · Voice');
    expect(await drill.locator('.drill-list > li').getAttribute('data-appeal')).toBe('support-5');
    expect(await drill.locator('.drill-events li').allTextContents()).toEqual([expect.stringMatching(/APPEAL_NEW$/), expect.stringMatching(/APPEAL_MISSED$/)]);
    // and sales' answered: five, each appointed to op
    await rows.filter({ has: page.locator('th', { hasText: 'sales' }) }).locator('td[data-col="aa"] button').click();
    await expect.poll(() => drill.locator('.drill-list > li').count(), { timeout: 15_000 }).toBe(5);
    expect(await drill.locator('.drill-status').textContent()).toBe('5 appeals shown');
    // an average leads to the appeals it is taken over: sales' AWT, over the same five answers
    await rows.filter({ has: page.locator('th', { hasText: 'sales' }) }).locator('td[data-col="awtSec"] button').click();
    await expect.poll(() => drill.locator('#drill-title').textContent(), { timeout: 15_000 }).toBe('Answered, with their waits — sales · Voice');
    await expect.poll(() => drill.locator('.drill-list > li').count(), { timeout: 15_000 }).toBe(5);
    // the longest wait: support's abandoned caller waited 30 s, longer than the answered ones' 10 s
    await support.locator('td[data-col="longestWaitSec"] button').click();
    await expect.poll(() => drill.locator('#drill-title').textContent(), { timeout: 15_000 }).toBe('The longest waits — support · Voice');
    await expect.poll(() => drill.locator('.drill-list > li').count(), { timeout: 15_000 }).toBe(1);
    expect(await drill.locator('.drill-list > li').getAttribute('data-appeal')).toBe('support-5');

    // by the hour: a first column with the interval's start
    await page.selectOption('select[name=interval]', '1h');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => page.locator('.report-table thead th').first().textContent()).toBe('From');
    // Open at the end of an hour: the five in handling (appointed, never closed; a voice appeal expires
    // 2 h after its last event) are open at the end of the hour the test started in, whatever their events'
    // times. Not "the last row": a later hour's end may be past some of their expiries (and the whole day's
    // row ends at midnight, by which time they will have expired: 0 there).
    const hourLabel = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', dateStyle: 'short', timeStyle: 'short' }).format(new Date(now - (now % 3_600_000)));
    const thisHour = rows.filter({ has: page.locator('th', { hasText: 'support' }) }).filter({ has: page.locator('th', { hasText: hourLabel }) });
    await thisHour.locator('td[data-col="qa"] button').click();
    await expect.poll(() => drill.locator('#drill-title').textContent(), { timeout: 15_000 }).toBe('Open at the end — support · Voice');
    await expect.poll(() => drill.locator('.drill-list > li').count(), { timeout: 15_000 }).toBe(5);
    expect((await drill.locator('.drill-list > li').evaluateAll((els) => els.map((e) => e.getAttribute('data-appeal')))).sort()).toEqual(['support-0', 'support-1', 'support-2', 'support-3', 'support-4']);

    // export: a job followed to its file, downloaded
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const link = page.locator('#jobs li[data-state="done"] a');
    await expect.poll(() => link.count(), { timeout: 20_000 }).toBe(1);
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const text = fs.readFileSync((await download.path())!, 'utf8');
    expect(text.split('\r\n')[0]).toBe('\ufeffbucket,queue,channel,offered,aa,ha,missed,qa,slPct,abandonPct,awtSec,asaSec,ahtSec,waitP50Sec,waitP90Sec,waitP95Sec,longestWaitSec,final');
    expect(text).toContain(',sales,voice,');
    await page.screenshot({ path: '/tmp/ccpulse-reports.png', fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
