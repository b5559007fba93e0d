import { openPgliteClient } from '../storage/pglite/client.js';
import { SqlStorage } from '../storage/postgres/sql-storage.js';
import { sqlVerifyReads } from './log-reads.js';
import { verifyRangeProperty } from './testing/verify-range-property.js';

verifyRangeProperty('embedded store', async () => {
  const db = await openPgliteClient(undefined);
  const storage = new SqlStorage('pglite', db);
  await storage.migrate();
  return { storage, reads: sqlVerifyReads(db, db) };
});
