import { PGlite, type Extension } from '@electric-sql/pglite';

/**
 * What one embedded database may use. PGlite is a whole PostgreSQL in one WebAssembly memory, and that
 * memory only grows: whatever a query once needed stays resident until the thread ends. Its defaults
 * are a server's (shared_buffers 128 MB, maintenance_work_mem 64 MB, 100 connections' shared state,
 * up to 2 GB of WebAssembly memory), and ccpulse runs two of them in one process next to the live state.
 * So each database gets a small, fixed share, and a query that needs more than the cap fails with
 * PostgreSQL's own "out of memory" error (a 503 or 400 for that request) instead of growing the process.
 */
export interface PgliteMemoryLimits {
  /** PostgreSQL's page cache inside the WebAssembly memory. */
  sharedBuffersMb: number;
  /** Per sort or hash step of a query, before it spills to temporary files. */
  workMemMb: number;
  /** CREATE INDEX, VACUUM. */
  maintenanceWorkMemMb: number;
  tempBuffersMb: number;
  walBuffersMb: number;
  /** The WebAssembly memory's maximum: PostgreSQL's malloc fails beyond it. */
  wasmMaxMb: number;
  /** V8's old generation of the database's worker thread (the rows of query results live there). */
  workerHeapMb: number;
}

export const DEFAULT_MEMORY_LIMITS: PgliteMemoryLimits = {
  sharedBuffersMb: 32,
  workMemMb: 8,
  maintenanceWorkMemMb: 32,
  tempBuffersMb: 2,
  walBuffersMb: 2,
  // PGlite's module declares 128 MB as its initial memory, so the cap cannot be lower than that.
  wasmMaxMb: 320,
  workerHeapMb: 192,
};

/** PGlite's start parameters with the memory settings of `limits` (later -c settings win). */
export function postgresStartParams(limits: PgliteMemoryLimits): string[] {
  const settings: Record<string, string> = {
    shared_buffers: `${limits.sharedBuffersMb}MB`,
    work_mem: `${limits.workMemMb}MB`,
    // hash_mem_multiplier 2 (PostgreSQL's default) lets a hash step take twice work_mem; keep it at work_mem
    hash_mem_multiplier: '1',
    maintenance_work_mem: `${limits.maintenanceWorkMemMb}MB`,
    temp_buffers: `${limits.tempBuffersMb}MB`,
    wal_buffers: `${limits.walBuffersMb}MB`,
    // Shared memory is sized for max_connections; a single-user database has one.
    max_connections: '2',
    superuser_reserved_connections: '0',
    // Not used in single-user mode, but sized in shared memory all the same.
    max_prepared_transactions: '0',
    max_locks_per_transaction: '64',
  };
  return [...PGlite.defaultStartParams, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
}

const WASM_PAGE = 65_536;
/** The initial size PGlite's WebAssembly module asks for (its memory import's minimum). */
const WASM_INITIAL_PAGES = 2048;

/**
 * Caps the WebAssembly memory of one PGlite. PGlite creates its memory with a 2 GB maximum and has no
 * option for it; an extension's setup may hand Emscripten another memory, and Emscripten's heap growth
 * treats a refused grow as malloc returning NULL, which PostgreSQL reports as an "out of memory" error.
 */
export function wasmMemoryCap(maxMb: number): { extension: Extension; memory: WebAssembly.Memory } {
  const maximum = Math.max(WASM_INITIAL_PAGES, Math.floor((maxMb * 1_048_576) / WASM_PAGE));
  const memory = new WebAssembly.Memory({ initial: WASM_INITIAL_PAGES, maximum });
  return {
    memory,
    extension: { name: 'ccpulse-wasm-memory-cap', setup: async (_pg, emscriptenOpts) => ({ emscriptenOpts: { ...emscriptenOpts, wasmMemory: memory } }) },
  };
}

/**
 * A request needed more memory than an embedded database may use (PostgreSQL's "out of memory" at the
 * WebAssembly cap, or a result too large for its thread's heap). The database keeps serving; the API
 * answers this request 503 with this code (error-handler.ts passes CCP_ codes and statuses through).
 */
export class StorageMemoryError extends Error {
  override name = 'StorageMemoryError';
  readonly code = 'CCP_STORAGE_MEMORY';
  readonly statusCode = 503;
  constructor(what: string) {
    super(`${what}: more memory than the embedded database may use; ask for a shorter range or fewer groups`);
  }
}

/** PostgreSQL's SQLSTATE for out_of_memory. */
export const SQLSTATE_OUT_OF_MEMORY = '53200';
