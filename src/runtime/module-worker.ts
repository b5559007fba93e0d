import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker thread running the module `name` next to the caller's (`callerUrl`: its import.meta.url):
 * `name.js` in the build, `name.ts` under the test runner, where the thread registers tsx before
 * importing it (a worker does not inherit the parent's loaders).
 */
export function startModuleWorker(callerUrl: string, name: string, options: WorkerOptions): Worker {
  const isTs = callerUrl.endsWith('.ts');
  const entry = new URL(`./${name}${isTs ? '.ts' : '.js'}`, callerUrl);
  return isTs
    ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`, { ...options, eval: true })
    : new Worker(entry, options);
}
