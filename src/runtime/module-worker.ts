import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker thread running the module `name` next to the caller's (`callerUrl`: its import.meta.url):
 * `name.js` in the build, `name.ts` under the test runner, where the thread registers tsx before
 * importing it (a worker does not inherit the parent's loaders). The test runner sets
 * CCPULSE_RUN_BUILT=1 when the build is newer than the sources (vitest.config.ts): the thread
 * then runs the built module, the same code without transpiling it in every thread the suites start.
 */
export function startModuleWorker(callerUrl: string, name: string, options: WorkerOptions): Worker {
  const isTs = callerUrl.endsWith('.ts');
  const entry = new URL(`./${name}${isTs ? '.ts' : '.js'}`, callerUrl);
  if (!isTs) return new Worker(entry, options);
  const built = process.env.CCPULSE_RUN_BUILT === '1' ? builtTwin(entry) : null;
  return built
    ? new Worker(built, options)
    : new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`, { ...options, eval: true });
}

/** <root>/src/a/b.ts → <root>/dist/a/b.js, when that file exists. */
function builtTwin(source: URL): URL | null {
  const file = fileURLToPath(source);
  const at = file.lastIndexOf('/src/');
  if (at < 0) return null;
  const twin = `${file.slice(0, at)}/dist/${file.slice(at + 5, -3)}.js`;
  return existsSync(twin) ? pathToFileURL(twin) : null;
}
