import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { ServerProcess } from '../testing/server-process.js';
import { ccpulseCommand } from '../testing/ccpulse-command.js';

const run = promisify(execFile);
const ccpulse = (args: string[], env: Record<string, string> = {}) => run(process.execPath, [...ccpulseCommand(), ...args], { env: { ...process.env, ...env } });

const dir = mkdtempSync(join(tmpdir(), 'ccpulse-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const get = (url: string, key?: string) => fetch(url, key ? { headers: { authorization: `Bearer ${key}` } } : {});

it('makes and prints an admin key on the first start only, requires keys, and manages them with ccpulse keys, across a restart', async () => {
  const s = await ServerProcess.start({ dataDir: join(dir, 'data'), auth: true });
  try {
    const printed = /Open the dashboard signed in: (http:\/\/\S+)\/\?key=(ccp_[a-z0-9]+_[A-Za-z0-9_-]+)/.exec(s.output);
    expect(printed, s.output).not.toBeNull();
    const admin = printed![2];
    expect(printed![1]).toBe(s.url);
    expect(s.output.match(new RegExp(admin, 'g'))).toHaveLength(2); // the key line and the URL, nowhere else (not in the log)
    expect((await get(`${s.url}/v1/live`)).status).toBe(401);
    expect((await get(`${s.url}/v1/live`, admin)).status).toBe(200);
    expect((await get(`${s.url}/healthz`)).status).toBe(200);

    const made = await ccpulse(['keys', 'create', '--role', 'ingest', '--name', 'voice adapter', '--url', s.url], { CCPULSE_API_KEY: admin });
    const ingest = made.stdout.trim();
    expect(ingest).toMatch(/^ccp_[a-z0-9]{12}_/);
    expect(made.stderr).toContain('shown this once');
    const ev = [{ id: 'k1', type: 'APPEAL_NEW', ts: Date.now(), appealId: 'A1', channel: 'voice', queue: 'q' }];
    const post = await fetch(`${s.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${ingest}`, 'content-type': 'application/json' }, body: JSON.stringify(ev) });
    expect(post.status).toBe(202);
    expect((await get(`${s.url}/v1/live`, ingest)).status).toBe(403);

    const list = await ccpulse(['keys', 'list', '--url', s.url, '--api-key', admin]);
    expect(list.stdout).toContain('voice adapter');
    expect(list.stdout).not.toContain(ingest);
    const id = /^ccp_([a-z0-9]+)_/.exec(ingest)![1];

    // a restart: no new key printed, the keys still work
    await s.stop();
    s.output = '';
    await s.restart();
    expect(s.output).not.toContain('A new admin key');
    expect((await get(`${s.url}/v1/live`, admin)).status).toBe(200);

    await ccpulse(['keys', 'revoke', id, '--url', s.url, '--api-key', admin]);
    const refused = await fetch(`${s.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${ingest}`, 'content-type': 'application/json' }, body: JSON.stringify(ev) });
    expect(refused.status).toBe(401);
    expect((await ccpulse(['keys', 'list', '--url', s.url, '--api-key', admin])).stdout).toMatch(new RegExp(`${id}.*revoked`));
    // a revoked key is refused by the CLI's calls too, with the server's coded error
    await expect(ccpulse(['keys', 'list', '--url', s.url, '--api-key', ingest])).rejects.toThrow(/CCP_UNAUTHORIZED/);
  } finally {
    await s.stop();
  }
}, 180_000);

it('takes CCPULSE_ADMIN_KEY (idempotent across restarts) and prints no key', async () => {
  const key = `ccp_presetadmin1_${'Q'.repeat(43)}`;
  const s = await ServerProcess.start({ dataDir: join(dir, 'preset'), auth: true, env: { CCPULSE_ADMIN_KEY: key } });
  try {
    expect(s.output).not.toContain('A new admin key');
    expect((await get(`${s.url}/v1/keys`, key)).status).toBe(200);
    await s.stop();
    await s.restart();
    expect((await get(`${s.url}/v1/keys`, key)).status).toBe(200);
  } finally {
    await s.stop();
  }
}, 180_000);

it('with --no-auth takes every request as the default tenant, listens on 127.0.0.1 only, and says so', async () => {
  const s = await ServerProcess.start({ dataDir: join(dir, 'open'), args: ['--host', '0.0.0.0', '--log-level', 'info'] });
  try {
    expect((await get(`${s.url}/v1/session`)).status).toBe(200);
    expect(s.output).toContain('listening on 127.0.0.1 only');
    expect(s.output).not.toContain('A new admin key');
  } finally {
    await s.stop();
  }
}, 180_000);
