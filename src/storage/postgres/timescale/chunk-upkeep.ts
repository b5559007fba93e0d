import type { SqlClient } from '../sql-client.js';

/**
 * The log's upkeep on TimescaleDB (migration 020), what partitions.ts does for the partitioned log:
 * every uncompressed day's new block ranges summarized in its BRIN indexes (replay by seq and reads by
 * ts skip the rest of the day), and a day's statistics refreshed when it has doubled since they were
 * taken. TimescaleDB makes the days itself; a compressed day has no BRIN indexes (its batches carry the
 * ranges) and is left alone.
 */
export async function maintainChunks(db: Pick<SqlClient, 'query'>): Promise<{ summarizedRanges: number; analyzed: boolean }> {
  const chunks = `SELECT format('%I.%I', c.chunk_schema, c.chunk_name)::regclass AS oid FROM timescaledb_information.chunks c
                  WHERE c.hypertable_name = 'events' AND c.hypertable_schema = current_schema() AND NOT c.is_compressed`;
  const [s] = await db.query<{ n: number }>(
    `SELECT coalesce(sum(brin_summarize_new_values(i.indexrelid::regclass)), 0)::int AS n
     FROM (${chunks}) c JOIN pg_index i ON i.indrelid = c.oid
     JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam AND am.amname = 'brin'`,
  );
  // names as the catalog spells them (format %I): identifiers of TimescaleDB's own chunks, never input
  const due = await db.query<{ name: string }>(
    `SELECT c.oid::regclass::text AS name FROM (${chunks}) c JOIN pg_class r ON r.oid = c.oid
     WHERE pg_relation_size(r.oid) / current_setting('block_size')::int > 2 * greatest(r.relpages, 64)`,
  );
  for (const d of due) await db.query(`ANALYZE ${d.name}`);
  return { summarizedRanges: Number(s.n), analyzed: due.length > 0 };
}
