import { it } from 'vitest';
import { storageConformance } from '../conformance.js';
import { verifyRangeProperty } from '../../verify/testing/verify-range-property.js';
import { appealsPageProperty } from '../../appeals/testing/appeals-page-property.js';
import { ClickhouseStorage } from './clickhouse-storage.js';
import { chdbClient, loadChdb } from './testing/chdb.js';
import { verifyReadsOn } from './verify-reads.js';

/**
 * The ClickHouse backend's SQL on a current engine (chdb, ClickHouse 26.x, where the schema takes the
 * newer features: LowCardinality), through the same conformance suite and verify property as Debian's
 * 18.16 server. chdb is installed by .ci/run beside the project (CCPULSE_CHDB_MODULE); without it the
 * suite skips loudly, and fails in CI.
 */
const chdb = await loadChdb();
const enabled = async () => {
  if ('Session' in chdb) return true;
  const msg = `chdb (a current ClickHouse engine) is not installed: ${chdb.missing}`;
  if (process.env.CI) throw new Error(`${msg}; CI must install it (see .ci/run)`);
  console.warn(`\n!!! SKIPPING SUITE: ${msg} (npm i --no-save chdb) !!!\n`);
  return false;
};
const open = () => {
  if (!('Session' in chdb)) throw new Error(chdb.missing);
  return ClickhouseStorage.openOn(chdbClient(chdb.Session), null);
};

storageConformance('clickhouse on a current engine (chdb)', open, { enabled });

verifyRangeProperty(
  'clickhouse on a current engine (chdb)',
  async () => {
    if (!('Session' in chdb)) throw new Error(chdb.missing);
    const db = chdbClient(chdb.Session);
    const storage = await ClickhouseStorage.openOn(db, null);
    return { storage, reads: verifyReadsOn(db) };
  },
  { enabled, runs: 25 },
);

appealsPageProperty(
  'clickhouse on a current engine (chdb)',
  async () => {
    if (!('Session' in chdb)) throw new Error(chdb.missing);
    const db = chdbClient(chdb.Session);
    const storage = await ClickhouseStorage.openOn(db, null);
    return { storage, reads: verifyReadsOn(db) };
  },
  { enabled, runs: 25 },
);

it('uses the newer features there: the tenant column is dictionary-encoded', async (ctx) => {
  if (!(await enabled()) || !('Session' in chdb)) return ctx.skip();
  const db = chdbClient(chdb.Session);
  const s = await ClickhouseStorage.openOn(db, null);
  try {
    const [col] = await db.rows<{ type: string }>({ text: `SELECT type FROM system.columns WHERE database = currentDatabase() AND table = 'events' AND name = 'tenant'` } as never);
    if (col.type !== 'LowCardinality(String)') throw new Error(`tenant is ${col.type}`);
  } finally {
    await s.close();
  }
});
