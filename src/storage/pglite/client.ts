import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { SqlClient } from '../postgres/sql-client.js';
import { DEFAULT_MEMORY_LIMITS, postgresStartParams, wasmMemoryCap, type PgliteMemoryLimits } from './memory-limits.js';
import { pgliteVersion } from './template.js';

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
  const fresh = dataDir === undefined ? freshInMemory() : undefined;
  const db = await PGlite.create(dataDir, {
    startParams: postgresStartParams(limits),
    extensions: { memoryCap: cap.extension },
    ...(opts.wasmModule ? { pgliteWasmModule: opts.wasmModule } : {}),
    ...(fresh ? { loadDataDir: fresh } : {}),
  });
  if (dataDir === undefined && !fresh) await keepFreshInMemory(db);
  return { ...wrap(db), wasmMemoryBytes: () => cap.memory.buffer.byteLength };
}

/**
 * A database in memory (ccpulse evaluate's, the tests') starts from a copy of a new one, as a data
 * directory does from its template (template.ts): PGlite's initdb costs 4–6 s of CPU, loading its dump
 * ~1.6 s. The first in-memory open of this PGlite version runs initdb and dumps the result, before any
 * migration, to a file in the temporary directory that later opens, in any process, load.
 */
const FRESH_DUMP = () => join(tmpdir(), `ccpulse-pglite-${pgliteVersion()}-new-database.tar`);

function freshInMemory(): Blob | undefined {
  const file = FRESH_DUMP();
  return existsSync(file) ? new Blob([readFileSync(file)]) : undefined;
}

async function keepFreshInMemory(db: PGlite): Promise<void> {
  const file = FRESH_DUMP();
  const tmp = `${file}.${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    writeFileSync(tmp, Buffer.from(await (await db.dumpDataDir('none')).arrayBuffer()));
    renameSync(tmp, file); // whole or not at all, whichever process wins
  } catch {
    rmSync(tmp, { force: true }); // a cache only: the next open runs initdb again
  }
}
