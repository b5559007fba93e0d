/**
 * The little a Postgres-dialect storage needs from a driver. PGlite and postgres.js both fit behind it,
 * so the embedded and the server backends share one set of SQL and migrations.
 */
export interface SqlClient {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements, without parameters. */
  exec(script: string): Promise<void>;
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
