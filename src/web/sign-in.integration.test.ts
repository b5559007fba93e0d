/**
 * Browser test of signing the dashboard in with a key (issue #14), against the built server with keys on
 * (`node dist/cli/main.js start`, as `npm start` runs it): the printed URL signs in and leaves the address
 * bar without the key; a reload stays signed in; signing out shows the form; a read key sees no admin
 * controls; a wrong key is told so. Needs the build (`npm run build`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../testing/server-process.js';
import { requireBuild, startBuiltServer, type BuiltServer } from './testing/built-server.js';
import { CHROMIUM_ARGS, requireChromium } from './testing/require-chromium.js';

const chromiumPath = requireChromium('sign-in.integration.test.ts');

describe.skipIf(!chromiumPath)('signing the dashboard in with a key, in Chromium against `ccpulse start`', () => {
  let server: BuiltServer | undefined;
  let browser: Browser | undefined;
  let dataDir = '';
  let base = '';
  let printedUrl = '';
  let admin = '';

  beforeAll(async () => {
    requireBuild();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccpulse-sign-in-e2e-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = await startBuiltServer(['start', '--port', String(port), '--data', path.join(dataDir, 'data')], `${base}/healthz`, 45_000, { auth: true });
    const printed = /Open the dashboard signed in: (\S+)/.exec(server.log());
    if (!printed) throw new Error(`no sign-in URL printed:\n${server.log()}`);
    printedUrl = printed[1];
    admin = new URL(printedUrl).searchParams.get('key')!;
    const ts = new Date(Date.now() - 30_000).toISOString();
    const res = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify([{ id: 'n1', type: 'APPEAL_NEW', ts, appealId: 'a1', queue: 'sales', channel: 'voice' }]),
    });
    if (res.status !== 202) throw new Error(`POST /v1/events: ${res.status}`);
    browser = await chromium.launch({ executablePath: chromiumPath!, args: CHROMIUM_ARGS });
  }, 90_000);
  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs in from the printed URL, drops the key from the address, stays signed in on reload, and signs out', async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(printedUrl);
    const tile = page.locator('.tile[data-queue="sales"][data-channel="voice"]');
    await tile.waitFor({ state: 'attached', timeout: 10_000 });
    expect(page.url()).not.toContain('key=');
    expect(page.url()).toBe(`${base}/`);
    await expect.poll(() => page.locator('#conn').getAttribute('data-state'), { timeout: 10_000 }).not.toBe('connecting');
    expect(await page.locator('#settings-open').isVisible()).toBe(true); // admin
    const cookies = await page.context().cookies();
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([['ccpulse_session', true, 'Strict']]);
    expect(cookies[0].value).not.toContain(admin);

    await page.reload();
    await tile.waitFor({ state: 'attached', timeout: 10_000 });
    expect(await page.locator('#sign-in').count()).toBe(0);

    await page.locator('#sign-out').click();
    await page.locator('#sign-in-key').waitFor({ timeout: 10_000 });
    expect(await tile.count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('a read key signs in through the form and sees no admin controls; a wrong key is told so', async () => {
    const made = await fetch(`${base}/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ role: 'read', name: 'wallboard' }) });
    const read = ((await made.json()) as { key: string }).key;
    const context = await browser!.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.locator('#sign-in-key').fill(`ccp_nosuchkey000_${'x'.repeat(43)}`);
    await page.locator('#sign-in button[type=submit]').click();
    await expect.poll(() => page.locator('#sign-in-message').textContent(), { timeout: 5_000 }).toContain('not valid');

    await page.locator('#sign-in-key').fill(read);
    await page.locator('#sign-in button[type=submit]').click();
    await page.locator('.tile[data-queue="sales"][data-channel="voice"]').waitFor({ state: 'attached', timeout: 10_000 });
    expect(await page.locator('#settings-open').isVisible()).toBe(false);
    expect(await page.locator('#sign-out').isVisible()).toBe(true);
    await context.close();
  }, 60_000);
});
