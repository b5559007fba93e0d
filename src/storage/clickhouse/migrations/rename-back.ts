import type { ChClient } from '../client.js';
import { sql } from '../sql.js';

/**
 * A swap renames `table` to `old` and a new table to `table` in one RENAME, which ClickHouse does not do
 * atomically: a kill between its halves leaves `old` and no `table`. Run before a swapping migration's
 * statements, this renames each such `old` back, so the statements start over from the table as it was.
 */
export async function renameBackHalfSwapped(db: ChClient, swaps: ReadonlyArray<readonly [table: string, old: string]>): Promise<void> {
  const names = new Set((await db.rows<{ name: string }>(sql`SELECT name FROM system.tables WHERE database = currentDatabase()`)).map((r) => r.name));
  for (const [table, old] of swaps) if (!names.has(table) && names.has(old)) await db.command(`RENAME TABLE ${old} TO ${table}`);
}
