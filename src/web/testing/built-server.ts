/**
 * The built server (`node dist/cli/main.js start …`) as a child process, for the browser suites: it serves
 * the built dashboard (dist/web). Needs `npm run build`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BUILT_CLI, ROOT } from '../../testing/ccpulse-command.js';

export { ROOT };
export const WEB = path.join(ROOT, 'dist/web/index.html');

/** Fails with the command to run when the build this suite needs is missing. */
export function requireBuild(): void {
  for (const f of [BUILT_CLI, WEB]) {
    if (!fs.existsSync(f)) throw new Error(`${path.relative(ROOT, f)} is missing: run \`npm run build\` before this suite`);
  }
}

export interface BuiltServer {
  child: ChildProcess;
  /** The last 8000 characters of its stdout and stderr. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Start `ccpulse` with `args` and wait until `readyUrl` answers 200. A `start` runs with --no-auth unless
 * `opts.auth` (then keys are required: CCPULSE_ADMIN_KEY in `opts.env`, or the key it prints).
 */
export async function startBuiltServer(args: string[], readyUrl: string, timeoutMs = 45_000, opts: { auth?: boolean; env?: Record<string, string> } = {}): Promise<BuiltServer> {
  const withAuth = args[0] === 'start' && !opts.auth ? [...args, '--no-auth'] : args;
  const child = spawn(process.execPath, [BUILT_CLI, ...withAuth], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (b: Buffer): void => {
    out = (out + b.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const s: BuiltServer = {
    child,
    log: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
  try {
    await waitForServer(child, readyUrl, timeoutMs, s.log);
  } catch (e) {
    await s.stop();
    throw e;
  }
  return s;
}

export async function waitForServer(child: ChildProcess, url: string, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`ccpulse exited (${child.exitCode ?? child.signalCode}) before serving ${url}:\n${log()}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = String(e);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`ccpulse did not serve ${url} within ${timeoutMs} ms (${last}):\n${log()}`);
}
