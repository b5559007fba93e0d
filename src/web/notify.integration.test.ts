/**
 * Browser test of the notifications panel (in the settings dialog) against the real server: a webhook
 * destination added from the form, a test message that reaches a receiver checking its signature, a
 * failing one shown as failed and sent again, a destination removed. Needs the build.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookReceiver, type WebhookReceiver } from '../notify/testing/webhook-receiver.js';
import { openAdviceDashboard, type AdviceDashboard } from './testing/advice-page.js';
import { requireChromium } from './testing/require-chromium.js';

const chromiumPath = requireChromium('notify.integration.test.ts');
const SECRET = 'browser-test-secret-16';

describe.skipIf(!chromiumPath)('the notifications panel, in Chromium against `ccpulse start`', () => {
  let dash: AdviceDashboard | undefined;
  let hook: WebhookReceiver;
  beforeAll(async () => {
    hook = await webhookReceiver(SECRET, '/ccpulse');
    dash = await openAdviceDashboard('notify', chromiumPath!);
  }, 60_000);
  afterAll(async () => {
    await dash?.close();
    await hook?.close();
  });

  it('adds a webhook, sends a test that arrives signed, shows a failed one and sends it again, and removes the destination', async () => {
    const { page, base, pageErrors } = dash!;
    await page.goto(`${base}/?lang=en`);
    await page.locator('#settings-open').click();
    const panel = page.locator('#notify');
    await expect.poll(() => panel.locator('.notify-none').isVisible(), { timeout: 10_000 }).toBe(true);
    // the form: a secret field for a webhook, none for email
    await panel.getByLabel('Kind').selectOption('email');
    expect(await panel.locator('.n-secret').isHidden()).toBe(true);
    await panel.getByLabel('Kind').selectOption('webhook');
    await panel.getByLabel('Name').fill('Ops hook');
    await panel.locator('[name="n-target"]').fill(hook.url);
    // a secret too short: the server's reason, nothing added
    await panel.locator('[name="n-secret"]').fill('short');
    await panel.getByRole('button', { name: 'Add destination' }).click();
    await expect.poll(() => panel.locator('.notify-status').textContent()).toMatch(/^Not added: .*\/webhook\/secret/);
    await panel.locator('[name="n-secret"]').fill(SECRET);
    await panel.getByRole('button', { name: 'Add destination' }).click();
    await expect.poll(() => panel.locator('.notify-status').textContent()).toBe('Added: in effect now. Send a test to see it arrive.');
    const row = panel.locator('#notify-list li');
    expect(await row.count()).toBe(1);
    expect(await row.locator('.notify-what').textContent()).toBe(`Ops hook · Webhook → ${hook.url}`);
    expect(await row.locator('.notify-route').textContent()).toBe('critical, warning');
    // the secret is not in the page
    expect(await page.content()).not.toContain(SECRET);

    await row.getByRole('button', { name: 'Send a test: Ops hook' }).click();
    await expect.poll(() => panel.locator('.notify-status').textContent(), { timeout: 10_000 }).toBe('Test sent to Ops hook.');
    expect(hook.got.map((g) => g.body.event)).toEqual(['test']);
    await expect.poll(() => panel.locator('#notify-deliveries li[data-state="sent"]').count()).toBe(1);

    // a failing endpoint: shown as failed, with the reason, and sent again on asking
    hook.status = 503;
    await page.waitForTimeout(2_100); // one test per destination every 2 s
    await row.getByRole('button', { name: 'Send a test: Ops hook' }).click();
    await expect.poll(() => panel.locator('.notify-status').textContent(), { timeout: 10_000 }).toBe('The test to Ops hook failed: webhook: HTTP 503');
    const dead = panel.locator('#notify-deliveries li[data-state="dead"]');
    await expect.poll(() => dead.count()).toBe(1);
    expect(await dead.textContent()).toContain('failed: webhook: HTTP 503');
    hook.status = 200;
    await dead.getByRole('button', { name: 'Send again' }).click();
    await expect.poll(() => hook.got.length, { timeout: 10_000 }).toBe(2);
    await expect.poll(() => panel.locator('#notify-deliveries li[data-state="sent"]').count(), { timeout: 10_000 }).toBe(2);

    await row.getByRole('button', { name: 'Remove Ops hook' }).click();
    await expect.poll(() => panel.locator('#notify-list li').count()).toBe(0);
    expect(await panel.locator('.notify-none').isVisible()).toBe(true);
    // Chromium logs the refused add's answer as a console error; nothing else went wrong on the page
    expect(pageErrors).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
  }, 90_000);
});
