/**
 * Browser test of the operators table against the real server (`node dist/cli/main.js start`): the
 * operators the events name, with their status, place, appeals in handling and handled today as the API
 * has them, sorted by a header, filtered by the board's filter, following new events. Needs the build.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdviceDashboard, type AdviceDashboard } from './testing/advice-page.js';
import { requireChromium } from './testing/require-chromium.js';

const chromiumPath = requireChromium('operators.integration.test.ts');

describe.skipIf(!chromiumPath)('the operators table, in Chromium against `ccpulse start`', () => {
  let dash: AdviceDashboard | undefined;
  beforeAll(async () => {
    dash = await openAdviceDashboard('operators', chromiumPath!);
  }, 60_000);
  afterAll(async () => {
    await dash?.close();
  });

  const post = (events: unknown[]) => dash!.post(events);

  it('shows each operator as the API has them, sorts by a header, filters with the board, and follows new events', async () => {
    const { base, page, pageErrors } = dash!;
    const now = Date.now();
    // "today" is the UTC day (the server's default zone): just after midnight the story is squeezed into
    // the minutes since, in the same order, so that it all counts today
    const sinceMidnightSec = (now % 86_400_000) / 1000 - 2;
    const scale = Math.min(1, sinceMidnightSec / 310);
    const at = (secAgo: number) => new Date(now - secAgo * scale * 1000).toISOString();
    const st = (op: string, status: string, secAgo: number, queue: string) => ({ id: `${op}:${status}:${secAgo}`, type: 'OPERATOR_STATUS', ts: at(secAgo), operatorId: op, status, queue, channel: 'voice' });
    const handled = (a: string, op: string, secAgo: number) => [
      { id: `${a}:n`, type: 'APPEAL_NEW', ts: at(secAgo), appealId: a, queue: 'sales', channel: 'voice' },
      { id: `${a}:a`, type: 'APPEAL_APPOINTED', ts: at(secAgo - 5), appealId: a, queue: 'sales', channel: 'voice', operatorId: op },
      { id: `${a}:c`, type: 'APPEAL_CLOSED', ts: at(secAgo - 65), appealId: a, queue: 'sales', channel: 'voice', operatorId: op },
    ];
    await post([
      st('anna', 'ready', 300, 'sales'),
      st('boris', 'busy', 200, 'sales'),
      st('vera', 'break', 100, 'support'),
      ...handled('a1', 'anna', 250),
      ...handled('a2', 'anna', 150),
      { id: 'b1:n', type: 'APPEAL_NEW', ts: at(90), appealId: 'b1', queue: 'sales', channel: 'voice' },
      { id: 'b1:a', type: 'APPEAL_APPOINTED', ts: at(85), appealId: 'b1', queue: 'sales', channel: 'voice', operatorId: 'boris' },
    ].sort((a, b) => a.ts.localeCompare(b.ts)));

    await page.goto(base + '/?operators=1');
    const table = page.locator('#operators');
    await expect.poll(() => table.getAttribute('data-count'), { timeout: 15_000 }).toBe('3');
    const api = (await (await fetch(`${base}/v1/operators`)).json()) as { items: Array<{ id: string; status: string; handledToday: number; handling: number }> };
    for (const o of api.items) {
      const row = table.locator(`tr[data-operator="${o.id}"]`);
      expect(await row.locator('[data-col="status"]').textContent()).toBe(o.status);
      expect(await row.locator('[data-col="handledToday"]').textContent()).toBe(String(o.handledToday));
      expect(await row.locator('[data-col="handling"]').textContent()).toBe(String(o.handling));
    }
    expect(await table.locator('tr[data-operator="anna"] [data-col="handledToday"]').textContent()).toBe('2');
    expect(await table.locator('tr[data-operator="boris"] [data-col="handling"]').textContent()).toBe('1');
    expect(await table.locator('tr[data-operator="vera"] [data-col="queue"]').textContent()).toBe('support · Voice');
    // busy first by default; a click on "Handled today" puts the most first, its header says so
    expect(await table.locator('tbody tr').first().getAttribute('data-operator')).toBe('boris');
    await table.locator('th[data-col="handledToday"] button').click();
    expect(await table.locator('th[data-col="handledToday"]').getAttribute('aria-sort')).toBe('descending');
    expect(await table.locator('tbody tr').first().getAttribute('data-operator')).toBe('anna');
    // the board's filter narrows the table too
    await page.fill('#filter', 'support');
    await expect.poll(() => table.getAttribute('data-count')).toBe('1');
    await page.fill('#filter', '');
    // a status change shows within the refresh
    await post([st('vera', 'ready', 1, 'support')]);
    await expect.poll(() => table.locator('tr[data-operator="vera"] [data-col="status"]').textContent(), { timeout: 15_000 }).toBe('ready');
    // hidden on request, remembered
    await page.click('#operators-toggle');
    expect(await page.locator('#operators-table').isHidden()).toBe(true);
    await page.goto(base + '/');
    await page.locator('#operators-toggle').waitFor();
    expect(await page.locator('#operators-table').isHidden()).toBe(true);
    await page.keyboard.press('o');
    expect(await page.locator('#operators-table').isHidden()).toBe(false);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('shows a registered outbound campaign with its progress, drops against its cap and its finish against the deadline', async () => {
    const { base, page, pageErrors } = dash!;
    await page.goto(base + '/');
    await page.locator('#operators-toggle').waitFor();
    expect(await page.locator('#campaigns').isHidden()).toBe(true); // none registered yet
    const deadline = new Date(Date.now() + 30 * 60_000).toISOString();
    const put = await fetch(`${base}/v1/campaigns/renewals`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ listSize: 1_000, deadline, answerRate: 0.2, dropCapPct: 3, queue: 'outbound' }) });
    expect(put.status).toBe(200);
    const ts = Date.now() - 60_000;
    const base_ = (i: number) => ({ appealId: `o${i}`, queue: 'outbound', channel: 'voice', direction: 'outbound', campaignId: 'renewals' });
    await post([
      ...Array.from({ length: 20 }, (_, i) => ({ id: `o${i}:new`, type: 'APPEAL_NEW', ts: new Date(ts + i * 1000).toISOString(), ...base_(i) })),
      { id: 'o0:m', type: 'APPEAL_MISSED', ts: new Date(ts + 30_000).toISOString(), ...base_(0) },
    ]);
    // the row can show before the events are counted (the campaign is registered first): wait until the
    // API has counted all 21, then until the row shows what the API says
    type Campaigns = { items: Array<{ progress: { answered: number; dropPctLast15m: number } }> };
    const campaigns = async () => (await (await fetch(`${base}/v1/campaigns`)).json()) as Campaigns;
    await expect.poll(async () => (await campaigns()).items[0]?.progress.dropPctLast15m, { timeout: 15_000 }).toBeGreaterThan(0);
    const api = await campaigns();
    const row = page.locator('#campaigns li[data-campaign="renewals"]');
    await expect.poll(() => row.locator('.c-progress').textContent(), { timeout: 15_000 }).toBe(`${api.items[0].progress.answered} of 200 answered`);
    await expect.poll(() => row.locator('.c-drops').textContent(), { timeout: 15_000 }).toBe(`${api.items[0].progress.dropPctLast15m} % dropped (cap 3 %)`);
    expect(await row.getAttribute('data-over-cap')).toBe('true'); // 1 of 20: 5 % over a 3 % cap
    // 180 to go at 20 in 15 minutes: hours, past a deadline in 30 minutes
    expect(await row.getAttribute('data-late')).toBe('true');
    expect(await row.locator('.c-finish').textContent()).toMatch(/^finishes ~\d\d:\d\d \(deadline \d\d:\d\d\)$/);
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
