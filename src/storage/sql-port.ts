import type { MessagePort } from 'node:worker_threads';
import type { SqlClient } from './postgres/sql-client.js';

/**
 * SQL over a MessagePort: a worker thread (verify) reads a database that lives on another thread
 * (PGlite runs on the thread that opened it) without the main thread relaying the rows. Only plain
 * queries: no transactions, so nothing the other side holds can be left open by a reader that dies.
 */
export function serveSqlOverPort(db: Pick<SqlClient, 'query'>, port: MessagePort): void {
  port.on('message', async ({ id, text, params }: { id: number; text: string; params: unknown[] }) => {
    // A reader's query waits one turn of this thread's event loop, so a call of the thread's owner that
    // came in meanwhile (an append on the log's thread) reaches the database first: the owner waits for
    // at most the one read already running, never a queue of them.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      port.postMessage({ id, rows: await db.query(text, params) });
    } catch (err) {
      port.postMessage({ id, error: (err as Error).message });
    }
  });
}

/** The reading side of serveSqlOverPort. */
export function sqlOverPort(port: MessagePort): Pick<SqlClient, 'query'> & { close(): void } {
  const pending = new Map<number, { resolve: (rows: never[]) => void; reject: (e: Error) => void }>();
  let next = 1;
  port.on('message', (m: { id: number; rows?: never[]; error?: string }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.error !== undefined) p.reject(new Error(m.error));
    else p.resolve(m.rows!);
  });
  port.on('close', () => {
    for (const p of pending.values()) p.reject(new Error('the database thread closed the connection'));
    pending.clear();
  });
  return {
    query: <T>(text: string, params: unknown[] = []) =>
      new Promise<T[]>((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve: resolve as (rows: never[]) => void, reject });
        port.postMessage({ id, text, params });
      }),
    close: () => port.close(),
  };
}
