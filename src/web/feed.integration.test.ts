/**
 * Browser test of the stopped-feed signs against the real server (`node dist/cli/main.js start`, no demo
 * traffic): a channel that brought 300 appeals in the last hour and then nothing for over a minute (the
 * shortest silence called a stop; the time is the server's arrival clock, so the test waits it out) is
 * marked on its tiles, and the header's badge says how long the center has been without events; a quiet
 * email channel is not. Needs the build (`npm run build`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdviceDashboard, type AdviceDashboard } from './testing/advice-page.js';
import { requireChromium } from './testing/require-chromium.js';

const chromiumPath = requireChromium('feed.integration.test.ts');

describe.skipIf(!chromiumPath)('a feed that stopped, in Chromium against `ccpulse start`', () => {
  let dash: AdviceDashboard | undefined;
  beforeAll(async () => {
    dash = await openAdviceDashboard('feed', chromiumPath!);
  }, 60_000);
  afterAll(async () => {
    await dash?.close();
  });

  it('marks the silent channel and says in the badge how long nothing came; a quiet email inbox is not a dead feed', async () => {
    const { base, page, pageErrors } = dash!;
    const now = Date.now();
    // 300 calls over the last hour (one every 12 s: five gaps are a minute), two emails
    const calls = Array.from({ length: 300 }, (_, i) => {
      const ts = new Date(now - 5_000 - i * 11_800).toISOString();
      return { id: `c${i}`, type: 'APPEAL_NEW', ts, appealId: `c${i}`, channel: 'voice', queue: 'sales' };
    });
    const mails = [0, 1].map((i) => ({ id: `m${i}`, type: 'APPEAL_NEW', ts: new Date(now - 600_000 - i * 60_000).toISOString(), appealId: `m${i}`, channel: 'email', queue: 'sales' }));
    const res = await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([...calls, ...mails].sort((a, b) => a.ts.localeCompare(b.ts))) });
    expect(res.status, await res.clone().text()).toBe(202);
    await page.goto(base + '/');
    const voice = page.locator('.tile[data-queue="sales"][data-channel="voice"]');
    const email = page.locator('.tile[data-queue="sales"][data-channel="email"]');
    await voice.waitFor({ state: 'attached', timeout: 5_000 });
    expect(await voice.locator('.feed-note').isHidden()).toBe(true); // alive: it just came
    // (the tiles may come from the first GET before the stream connects)
    await expect.poll(() => page.locator('#conn').getAttribute('data-state'), { timeout: 10_000 }).toBe('live');
    await expect.poll(() => voice.locator('.feed-note').textContent(), { timeout: 75_000, interval: 1_000 }).toMatch(/^no voice events for 1 m 0\d s$/);
    expect(await voice.evaluate((el) => el.classList.contains('feed-stale'))).toBe(true);
    expect(await email.locator('.feed-note').isHidden()).toBe(true);
    await expect.poll(() => page.locator('#conn').getAttribute('data-state'), { timeout: 5_000 }).toBe('quiet');
    expect(await page.locator('#conn-text').textContent()).toMatch(/^No events for 1 m \d\d s$/);

    // the feed comes back: the signs go at once
    const back = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ id: 'c-back', type: 'APPEAL_NEW', ts: new Date().toISOString(), appealId: 'c-back', channel: 'voice', queue: 'sales' }]),
    });
    expect(back.status).toBe(202);
    await expect.poll(() => page.locator('#conn').getAttribute('data-state'), { timeout: 5_000 }).toBe('live');
    expect(await voice.locator('.feed-note').isHidden()).toBe(true);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('counts each operator once, where they are based, and shows those helping from other queues beside the counts', async () => {
    const { base, page, pageErrors } = dash!;
    const ts = new Date(Date.now() - 1_000).toISOString();
    const events = [
      { id: 'h-s1', type: 'OPERATOR_STATUS', ts, operatorId: 'hop1', status: 'busy', queue: 'billing', channel: 'voice' },
      { id: 'h-s2', type: 'OPERATOR_STATUS', ts, operatorId: 'hop2', status: 'ready', queue: 'claims', channel: 'voice' },
      { id: 'h-new', type: 'APPEAL_NEW', ts, appealId: 'h', queue: 'claims', channel: 'voice' },
      { id: 'h-sd', type: 'APPEAL_SENT_DISTRIBUTION', ts, appealId: 'h', queue: 'claims', channel: 'voice' },
      { id: 'h-ap', type: 'APPEAL_APPOINTED', ts, appealId: 'h', queue: 'claims', channel: 'voice', operatorId: 'hop1' },
    ];
    const res = await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
    expect(res.status, await res.clone().text()).toBe(202);
    const claims = page.locator('.tile[data-queue="claims"][data-channel="voice"]');
    const billing = page.locator('.tile[data-queue="billing"][data-channel="voice"]');
    await expect.poll(() => claims.locator('[data-metric="helping"]').getAttribute('data-value'), { timeout: 5_000 }).toBe('1');
    expect(await claims.locator('[data-metric="helping"]').textContent()).toBe('+1');
    expect(await claims.locator('.op-helping').isVisible()).toBe(true);
    expect(await claims.locator('[data-metric="busy"]').getAttribute('data-value')).toBe('0');
    expect(await claims.locator('[data-metric="ready"]').getAttribute('data-value')).toBe('1');
    expect(await billing.locator('[data-metric="busy"]').getAttribute('data-value')).toBe('1');
    expect(await billing.locator('.op-helping').isHidden()).toBe(true);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('filters the board by queue and channel words, from the box or the URL; Escape shows everything again', async () => {
    const { base, page, pageErrors } = dash!;
    const visible = () => page.locator('.tile[data-queue]:visible').evaluateAll((els) => els.map((el) => `${(el as HTMLElement).dataset.queue}/${(el as HTMLElement).dataset.channel}`).sort());
    const all = await visible();
    expect(all.length).toBeGreaterThan(3);
    await page.keyboard.press('/');
    await page.keyboard.type('claims');
    await expect.poll(visible).toEqual(['claims/voice']);
    await page.fill('#filter', 'VOICE sales');
    await expect.poll(visible).toEqual(['sales/voice']);
    await page.keyboard.press('Escape');
    await expect.poll(visible).toEqual(all);
    expect(await page.locator('.queue[data-queue-group="claims"]').isVisible()).toBe(true);
    await page.goto(`${base}/?q=email`);
    await expect.poll(visible, { timeout: 5_000 }).toEqual(all.filter((k) => k.endsWith('/email')));
    expect(await page.locator('.queue[data-queue-group="claims"]').isHidden()).toBe(true); // no email there: the heading goes too
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
