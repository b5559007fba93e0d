/**
 * Runs a closed or open load (see open-loop.ts) in a process of its own and prints the result as one
 * JSON line: the test or bench that spawns it keeps an idle event loop for its /healthz probe.
 *   node --import tsx src/testing/load-driver.ts '{"mode":"open","port":8080,"eventsPerSec":120000,...}'
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runClosedLoop, runOpenLoop, type ClosedLoopParams, type LoadResult, type OpenLoopParams } from './open-loop.js';

export type DriverParams = ({ mode: 'closed' } & ClosedLoopParams) | ({ mode: 'open' } & OpenLoopParams);

const SELF = fileURLToPath(import.meta.url);

/** Spawns the driver and resolves with its result. */
export function runDriver(params: DriverParams): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SELF, JSON.stringify(params)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`load driver exited with ${code}: ${err.slice(-2000)}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as LoadResult);
      } catch (e) {
        reject(new Error(`load driver printed no result: ${(e as Error).message}\n${out.slice(-2000)}\n${err.slice(-2000)}`));
      }
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const p = JSON.parse(process.argv[2] ?? '{}') as DriverParams;
  const result = p.mode === 'closed' ? await runClosedLoop(p) : await runOpenLoop(p);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
