import postgres from 'postgres';
import { openPostgresStorage } from '../storage/postgres/client.js';
import type { SqlStorage } from '../storage/postgres/sql-storage.js';
import type { TimescaleSettings } from '../storage/postgres/timescale/policies.js';

/**
 * Databases of a test suite's own on the TimescaleDB server CCPULSE_TEST_TIMESCALE_URL names (see
 * namedServerAvailable): made new for a test, dropped after the suite.
 */
export class TimescaleDatabases {
  private readonly used = new Set<string>();

  constructor(readonly adminUrl: string) {}

  urlOf(db: string): string {
    const u = new URL(this.adminUrl);
    u.pathname = `/${db}`;
    return u.toString();
  }

  /** A new, empty database (dropped first if a crashed run left it). */
  async create(db: string): Promise<string> {
    this.used.add(db);
    const admin = postgres(this.adminUrl, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await admin.unsafe(`CREATE DATABASE ${db}`);
    } finally {
      await admin.end();
    }
    return this.urlOf(db);
  }

  /** A store on a new database; it must have taken the TimescaleDB layout. */
  async fresh(db: string, timescale?: TimescaleSettings): Promise<SqlStorage> {
    const s = await openPostgresStorage(await this.create(db), { timescale });
    if (s.backend !== 'timescale') {
      await s.close();
      throw new Error(`a new database on the TimescaleDB server was opened as '${s.backend}'`);
    }
    return s;
  }

  async dropAll(): Promise<void> {
    const admin = postgres(this.adminUrl, { max: 1, onnotice: () => {} });
    try {
      for (const db of this.used) await admin.unsafe(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => {});
    } finally {
      await admin.end();
    }
  }
}
