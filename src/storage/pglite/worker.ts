/**
 * Hosts the PGlite storage on its own thread. PGlite executes on the thread that calls it, so a long
 * report query here would otherwise stall ingestion and every live client on the main thread.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { SqlStorage } from '../postgres/sql-storage.js';
import { serveSqlOverPort } from '../sql-port.js';
import { openPgliteClient } from './client.js';

const port = parentPort!;
const client = await openPgliteClient(workerData.dataDir);
const storage = new SqlStorage('pglite', client);

try {
  await storage.migrate();
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ ready: false, error: (err as Error).message });
}

port.on('message', async ({ id, method, args, connect }: { id: number; method: keyof SqlStorage; args: unknown[]; connect?: MessagePort }) => {
  // a port for a reader on another thread (verify): its queries interleave with the calls above
  if (connect) return serveSqlOverPort(client, connect);
  try {
    const result = await (storage[method] as (...a: unknown[]) => Promise<unknown>)(...args);
    port.postMessage({ id, result });
    if (method === 'close') port.close();
  } catch (err) {
    port.postMessage({ id, error: { message: (err as Error).message, stack: (err as Error).stack } });
  }
});
