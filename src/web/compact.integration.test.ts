/**
 * Browser test of the compact view and the worst-first order against the real server (`node dist/cli/main.js
 * start`, no demo traffic): a hundred queue × channel pairs fit on one 1440×900 screen, every tile whole
 * and readable (its queue and channel named on it), and worst first puts the queue whose SL is below its
 * target before the others. Needs the build (`npm run build`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdviceDashboard, type AdviceDashboard } from './testing/advice-page.js';
import { requireChromium } from './testing/require-chromium.js';

const chromiumPath = requireChromium('compact.integration.test.ts');
const CHANNELS = ['voice', 'telegram', 'webchat', 'email'];

describe.skipIf(!chromiumPath)('the compact view and worst first, in Chromium against `ccpulse start`', () => {
  let dash: AdviceDashboard | undefined;
  beforeAll(async () => {
    dash = await openAdviceDashboard('compact', chromiumPath!);
  }, 60_000);
  afterAll(async () => {
    await dash?.close();
  });

  it('shows 100 queue × channel pairs on one 1440×900 screen, and worst first puts a queue below its target first', async () => {
    const { base, page, pageErrors } = dash!;
    const ts = Date.now() - 30_000;
    // 25 queues × 4 channels, an operator ready on each
    const events: object[] = [];
    for (let q = 0; q < 25; q++) {
      for (const channel of CHANNELS) events.push({ id: `s-${q}-${channel}`, type: 'OPERATOR_STATUS', ts, operatorId: `op-${q}-${channel}`, status: 'ready', queue: `queue-${String(q).padStart(2, '0')}`, channel });
    }
    // queue-17 voice: one call answered after 25 s, past its 20 s threshold: SL 0 %
    const late = (id: string, type: string, at: number, extra = {}) => ({ id, type, ts: new Date(at).toISOString(), appealId: 'slow', queue: 'queue-17', channel: 'voice', ...extra });
    events.push(late('slow-new', 'APPEAL_NEW', ts), late('slow-sd', 'APPEAL_SENT_DISTRIBUTION', ts), late('slow-ap', 'APPEAL_APPOINTED', ts + 25_000, { operatorId: 'op-17-voice' }));
    const res = await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
    expect(res.status, await res.clone().text()).toBe(202);

    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`${base}/?compact=1&sort=worst`);
    const tiles = page.locator('.tile[data-queue]');
    await expect.poll(() => tiles.count(), { timeout: 10_000 }).toBe(100);
    const boxesNow = () =>
      tiles.evaluateAll((els) =>
        els.map((el) => {
          const r = el.getBoundingClientRect();
          return { q: (el as HTMLElement).dataset.queue, c: (el as HTMLElement).dataset.channel, top: r.top, left: r.left, bottom: r.bottom, right: r.right, h: r.height };
        }),
      );
    // the wall fit settles once the tiles and the advice are all in (on a busy machine, a few seconds)
    await expect.poll(async () => Math.max(...(await boxesNow()).map((b) => b.bottom)), { timeout: 20_000 }).toBeLessThanOrEqual(900);
    const boxes = await boxesNow();
    for (const b of boxes) {
      expect(b.bottom, `${b.q}/${b.c}`).toBeLessThanOrEqual(900);
      expect(b.right, `${b.q}/${b.c}`).toBeLessThanOrEqual(1440);
      expect(b.h, `${b.q}/${b.c}`).toBeGreaterThan(30); // whole, not squashed to nothing
    }
    // readable: the wall fit (main.ts fit) scales the board no further than 0.8, and the queue is named on the tile
    expect(Number(await page.evaluate(() => getComputedStyle(document.getElementById('board')!).zoom))).toBeGreaterThanOrEqual(0.8);
    expect(await page.locator('.tile[data-queue="queue-03"][data-channel="email"] .tile-queue').isVisible()).toBe(true);
    // worst first (re-sorted every 3 s): queue-17 voice (SL 0 %, below its 80 % target) comes first, at the top left
    const firstTile = async () => {
      const b = await boxesNow();
      const f = b.reduce((x, y) => (y.top < x.top - 1 || (Math.abs(y.top - x.top) <= 1 && y.left < x.left) ? y : x));
      return `${f.q}/${f.c}`;
    };
    await expect.poll(firstTile, { timeout: 10_000 }).toBe('queue-17/voice');

    // back to A–Z with the key: queue-00 voice first again
    await page.keyboard.press('s');
    await expect.poll(() => page.locator('body').getAttribute('data-sort')).toBe('name');
    await expect.poll(firstTile, { timeout: 5_000 }).toBe('queue-00/voice');
    await page.screenshot({ path: '/tmp/ccpulse-compact.png' });
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
