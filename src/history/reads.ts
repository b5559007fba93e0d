/**
 * The reads a history answer needs, opened from a worker thread: its own connections to PostgreSQL or
 * ClickHouse, or storage calls over a port served by the embedded store's thread.
 */
import type { MessagePort } from 'node:worker_threads';
import type { HistoryAccess } from '../storage/storage.js';
import type { HistoryReads } from './answer.js';

/** Where a worker reads history: the store's HistoryAccess, or a ClickHouse database (exports on ClickHouse). */
export type HistoryEndpoint = HistoryAccess | { clickhouseUrl: string };

/** Storage calls over a port served by the embedded store's thread (see pglite/worker.ts serveCalls). */
function callsOverPort(p: MessagePort): HistoryReads {
  const pending = new Map<number, { resolve: (v: never) => void; reject: (e: Error) => void }>();
  let next = 1;
  p.on('message', (m: { id: number; result?: unknown; error?: { message: string; sqlState?: string } }) => {
    const call = pending.get(m.id);
    if (!call) return;
    pending.delete(m.id);
    if (m.error) call.reject(Object.assign(new Error(m.error.message), { sqlState: m.error.sqlState }));
    else call.resolve(m.result as never);
  });
  // once closed, every later call fails at once with the same words (posted to a closed port it would wait
  // for ever, and the history thread renews its access only on hearing them)
  let closed = false;
  p.on('close', () => {
    closed = true;
    for (const call of pending.values()) call.reject(new Error('the store’s thread closed the connection'));
    pending.clear();
  });
  const call = <T>(method: string, args: unknown[]) =>
    new Promise<T>((resolve, reject) => {
      if (closed) return reject(new Error('the store’s thread closed the connection'));
      const id = next++;
      pending.set(id, { resolve: resolve as (v: never) => void, reject });
      p.postMessage({ id, method, args });
    });
  return { queryHistory: (q, cells) => call('queryHistory', [q, cells]), qaLevels: (q) => call('qaLevels', [q]) };
}

export async function openHistoryReads(at: HistoryEndpoint): Promise<HistoryReads> {
  if ('callPort' in at) return callsOverPort(at.callPort);
  if ('postgresUrl' in at) {
    const { openPostgresReader } = await import('../storage/postgres/client.js');
    return openPostgresReader(at.postgresUrl);
  }
  const { chClient, parseClickhouseUrl, SLOW_PATH } = await import('../storage/clickhouse/client.js');
  const { queryHistory, qaLevels } = await import('../storage/clickhouse/history.js');
  const target = parseClickhouseUrl(at.clickhouseUrl);
  const db = chClient(target, target.database, 300_000, SLOW_PATH);
  return { queryHistory: (q, cells) => queryHistory(db, q, cells), qaLevels: (q) => qaLevels(db, q) };
}
