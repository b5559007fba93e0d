import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { SqlClient } from '../postgres/sql-client.js';
import { DEFAULT_MEMORY_LIMITS, postgresStartParams, wasmMemoryCap, type PgliteMemoryLimits } from './memory-limits.js';

/** A PGlite behind the SqlClient interface, and the size of its WebAssembly memory (for /healthz). */
export interface PgliteClient extends SqlClient {
  wasmMemoryBytes(): number;
}

function wrap(db: PGlite | Transaction): SqlClient {
  return {
    query: async <T>(text: string, params: unknown[] = []) => (await db.query<T>(text, params)).rows,
    exec: async (script) => {
      await db.exec(script);
    },
    transaction: (fn) => (db as PGlite).transaction((tx) => fn(wrap(tx))),
    close: () => (db as PGlite).close(),
  };
}

export interface PgliteClientOptions {
  limits?: PgliteMemoryLimits;
  /** pglite.wasm compiled once for the process and shared by its threads (compiling it costs ~0.4 s of CPU and ~20 MB each). */
  wasmModule?: WebAssembly.Module;
}

/** Opens PGlite on a directory (created if needed), or in memory when dataDir is undefined, within `limits`. */
export async function openPgliteClient(dataDir: string | undefined, opts: PgliteClientOptions = {}): Promise<PgliteClient> {
  const limits = opts.limits ?? DEFAULT_MEMORY_LIMITS;
  const cap = wasmMemoryCap(limits.wasmMaxMb);
  const db = await PGlite.create(dataDir, {
    startParams: postgresStartParams(limits),
    extensions: { memoryCap: cap.extension },
    ...(opts.wasmModule ? { pgliteWasmModule: opts.wasmModule } : {}),
  });
  return { ...wrap(db), wasmMemoryBytes: () => cap.memory.buffer.byteLength };
}
