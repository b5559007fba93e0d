/**
 * The upkeep of PostgreSQL's log partitioned by day (migration 012): a partition for each day ahead, a
 * day that fills up in the default partition (events claiming a day that had none: far past or future)
 * moved to its own, block ranges summarized and statistics refreshed partition by partition.
 */
import type { SqlClient } from './sql-client.js';

const DAY_MS = 86_400_000;
/** Days ahead that always have their partition. */
export const DAYS_AHEAD = 7;
/** A day with this many events in the default partition gets a partition of its own. */
export const SPLIT_AT_ROWS = 10_000;

export const partitionName = (day: number) => `events_${new Date(day).toISOString().slice(0, 10).replace(/-/g, '')}`;
const dayStart = (t: number) => t - (((t % DAY_MS) + DAY_MS) % DAY_MS);

/** The names of the log's partitions (`events_YYYYMMDD` and `events_default`). */
export async function dayPartitions(db: Pick<SqlClient, 'query'>): Promise<Set<string>> {
  const rows = await db.query<{ name: string }>(`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass`);
  return new Set(rows.map((r) => r.name));
}

/**
 * Gives `day` (its start, UTC) a partition of its own: created empty, or, when the default partition
 * holds events of that day, with them moved into it in one transaction (PostgreSQL refuses to create a
 * partition whose rows sit in the default one).
 */
export async function ensureDayPartition(db: SqlClient, day: number, existing?: ReadonlySet<string>): Promise<'created' | 'split' | 'exists'> {
  const name = partitionName(day);
  if ((existing ?? (await dayPartitions(db))).has(name)) return 'exists';
  const from = new Date(day).toISOString();
  const to = new Date(day + DAY_MS).toISOString();
  return db.transaction(async (tx) => {
    // the default partition is locked while the day is moved: appends to it wait (for a moment: a day
    // moves when it first reaches SPLIT_AT_ROWS), appends to the other days do not
    await tx.query(`LOCK TABLE events_default IN SHARE ROW EXCLUSIVE MODE`);
    const [{ n }] = await tx.query<{ n: string | number }>(`SELECT count(*)::bigint AS n FROM events_default WHERE key_ts >= $1::timestamptz AND key_ts < $2::timestamptz`, [from, to]);
    if (Number(n) === 0) {
      await tx.query(`CREATE TABLE IF NOT EXISTS ${name} PARTITION OF events FOR VALUES FROM ('${from}') TO ('${to}')`);
      return 'created' as const;
    }
    await tx.query(`CREATE TABLE ${name} (LIKE events INCLUDING DEFAULTS)`);
    await tx.query(`INSERT INTO ${name} SELECT * FROM events_default WHERE key_ts >= $1::timestamptz AND key_ts < $2::timestamptz`, [from, to]);
    await tx.query(`DELETE FROM events_default WHERE key_ts >= $1::timestamptz AND key_ts < $2::timestamptz`, [from, to]);
    await tx.query(`ALTER TABLE events ATTACH PARTITION ${name} FOR VALUES FROM ('${from}') TO ('${to}')`);
    // attaching built its indexes, which set its size but took no column statistics: the planner needs them
    await tx.query(`ANALYZE ${name}`);
    return 'split' as const;
  });
}

/** Partitions for today and the days ahead; the days crowding the default partition moved out. */
export async function keepPartitionsAhead(db: SqlClient, now: number): Promise<{ created: number; split: number }> {
  let created = 0;
  let split = 0;
  const today = dayStart(now);
  const days = Array.from({ length: DAYS_AHEAD + 1 }, (_, k) => today + k * DAY_MS);
  const crowded = await db.query<{ day: string }>(
    `SELECT date_trunc('day', key_ts AT TIME ZONE 'UTC')::text AS day FROM events_default GROUP BY 1 HAVING count(*) >= ${SPLIT_AT_ROWS}`,
  );
  for (const c of crowded) days.push(Date.parse(`${c.day.slice(0, 10)}T00:00:00Z`));
  const existing = await dayPartitions(db);
  for (const day of new Set(days)) {
    const r = await ensureDayPartition(db, day, existing);
    existing.add(partitionName(day));
    if (r === 'created') created++;
    if (r === 'split') split++;
  }
  return { created, split };
}

/**
 * Summarizes the block ranges filled since the last call in every partition's BRIN indexes, and
 * refreshes the statistics of a partition that has doubled since they were taken.
 */
export async function maintainPartitions(db: Pick<SqlClient, 'query'>): Promise<{ summarizedRanges: number; analyzed: boolean }> {
  const [s] = await db.query<{ n: number }>(
    `SELECT coalesce(sum(brin_summarize_new_values(i.inhrelid::regclass)), 0)::int AS n FROM pg_inherits i
     WHERE i.inhparent IN ('events_seq_brin'::regclass, 'events_ts_brin'::regclass)`,
  );
  const due = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'events'::regclass AND pg_relation_size(c.oid) / current_setting('block_size')::int > 2 * greatest(c.relpages, 64)`,
  );
  for (const d of due) await db.query(`ANALYZE ${d.name}`);
  return { summarizedRanges: Number(s.n), analyzed: due.length > 0 };
}
