import { openPgliteClient } from '../storage/pglite/client.js';
import { SqlStorage } from '../storage/postgres/sql-storage.js';
import { sqlVerifyReads } from '../verify/log-reads.js';
import { appealsPageProperty } from './testing/appeals-page-property.js';

appealsPageProperty('embedded store', async () => {
  const db = await openPgliteClient(undefined);
  const storage = new SqlStorage('pglite', db);
  await storage.migrate();
  return { storage, reads: sqlVerifyReads(db, db) };
});
