import { spawn } from 'node:child_process';
import { ccpulseCommand } from './ccpulse-command.js';


export interface CliRun {
  /** The exit code; null if the run was killed at `timeoutMs`. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
}

/** Runs the real `ccpulse` command (built, or from the sources: ccpulse-command.ts) to its end, or kills it at `timeoutMs`. */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliRun> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [...ccpulseCommand(), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** A stack trace line ("    at fn (file:1:2)"): expected failures must not print one. */
export const STACK_LINE = /^\s+at .+/m;
