/**
 * Browser test of teams against the real server (`node dist/cli/main.js start`): made in the settings
 * editor (a name and its operators one per line), an operator put in two teams refused on the team's
 * field with the reason, and the reports page grouping today's answers by team as GET /v1/metrics
 * does, operators in no team under "No team", and a team's number opening the appeals behind it. Needs the build (`npm run build`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdviceDashboard, type AdviceDashboard } from './testing/advice-page.js';
import { requireChromium } from './testing/require-chromium.js';

const chromiumPath = requireChromium('teams.integration.test.ts');

describe.skipIf(!chromiumPath)('teams, in Chromium against `ccpulse start`', () => {
  let dash: AdviceDashboard | undefined;
  beforeAll(async () => {
    dash = await openAdviceDashboard('teams', chromiumPath!);
  }, 60_000);
  afterAll(async () => {
    await dash?.close();
  });

  it('makes teams in the settings, refuses an operator in two, and reports by team', async () => {
    const { base, page, pageErrors } = dash!;
    const now = Date.now();
    // today only (UTC, the server's default zone): the events must not cross midnight
    const start = Math.max(now - 20 * 60_000, now - (now % 86_400_000) + 1_000);
    const at = (s: number) => new Date(Math.min(now - 1_000, start + s * 1000)).toISOString();
    const events: object[] = [];
    ['anna', 'boris', 'anna', 'vera', 'boris', 'gleb'].forEach((op, i) => {
      const a = { appealId: `a${i}`, queue: 'sales', channel: 'voice' };
      events.push({ id: `${i}:n`, type: 'APPEAL_NEW', ts: at(i * 60), ...a });
      events.push({ id: `${i}:a`, type: 'APPEAL_APPOINTED', ts: at(i * 60 + 10), ...a, operatorId: op });
    });
    await dash!.post(events);

    await page.goto(`${base}/?lang=en`);
    await page.locator('#settings-open').waitFor();
    await page.keyboard.press(',');
    const dialog = page.locator('#settings');
    await expect.poll(() => dialog.locator('.settings-status').textContent(), { timeout: 10_000 }).toContain('Nothing saved yet');
    const addTeam = async (name: string, operators: string) => {
      await dialog.getByRole('button', { name: 'Add a team' }).click();
      const row = dialog.locator('.team-row').last();
      await expect.poll(() => row.getByLabel('Team name').evaluate((e) => e === document.activeElement)).toBe(true); // focus moves to the new team
      await row.getByLabel('Team name').fill(name);
      await row.getByLabel('Operators, one per line').fill(operators);
    };
    await addTeam('Red', 'anna\nboris');
    await addTeam('Blue', 'vera\nanna');
    await dialog.getByRole('button', { name: 'Save' }).click();
    // anna in both: refused, on Blue's operators, with the reason; nothing saved
    const blueOps = dialog.locator('.team-row').nth(1).getByLabel('Operators, one per line');
    await expect.poll(() => blueOps.getAttribute('aria-invalid')).toBe('true');
    expect(await dialog.locator('.settings-status').textContent()).toBe('Not saved: Team Blue, line 2: operator "anna" is already in team "Red": an operator is in one team at most');
    expect(((await (await fetch(`${base}/v1/settings`)).json()) as { version: number }).version).toBe(0);
    await blueOps.fill('vera');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => dialog.locator('.settings-status').textContent()).toBe('Saved: in effect now.');
    expect(((await (await fetch(`${base}/v1/settings`)).json()) as { settings: unknown }).settings).toEqual({ teams: { Red: ['anna', 'boris'], Blue: ['vera'] } });
    // shown again by name after a save
    expect(await dialog.locator('.team-row .team-name').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value))).toEqual(['Blue', 'Red']);

    // the reports page, by team only
    await page.goto(`${base}/reports.html?lang=en`);
    const rows = page.locator('.report-table tbody tr');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    const groupBy = (key: string) => page.locator(`input[name="groupBy"][value="${key}"]`);
    await groupBy('queue').uncheck();
    await groupBy('channel').uncheck();
    await groupBy('team').check();
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => page.locator('.report-table thead th').first().textContent()).toBe('Team');
    await expect.poll(() => rows.count()).toBe(3);
    const answered = async (team: string) => rows.filter({ has: page.locator('th', { hasText: team }) }).locator('td[data-col="aa"]').textContent();
    expect(await answered('Red')).toBe('4');
    expect(await answered('Blue')).toBe('1');
    expect(await answered('No team')).toBe('1'); // gleb
    // a team's number leads to the appeals behind it: Red's four answers; "No team" is no team to ask for
    expect(await rows.filter({ has: page.locator('th', { hasText: 'No team' }) }).locator('td button').count()).toBe(0);
    await rows.filter({ has: page.locator('th', { hasText: 'Red' }) }).locator('td[data-col="aa"] button').click();
    const drill = page.locator('#drill');
    await expect.poll(() => drill.locator('.drill-list > li').count(), { timeout: 15_000 }).toBe(4);
    expect(await drill.locator('#drill-title').textContent()).toBe('Answered — Team Red');
    expect((await drill.locator('.drill-list > li').evaluateAll((els) => els.map((e) => e.getAttribute('data-appeal')))).sort()).toEqual(['a0', 'a1', 'a2', 'a4']);
    // Chromium logs the refused save's answer as a console error; nothing else went wrong on the page
    expect(pageErrors).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
  }, 90_000);
});
