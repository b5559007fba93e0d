/**
 * The archive's side in the SQL store (see Storage: listLogDays … listArchivedDays). Two shapes of log:
 *  - PostgreSQL's, partitioned by day (migration 012): a day is held by detaching its partition and
 *    renaming it `archiving_events_YYYYMMDD`; it is dropped, in the transaction that records it, once the
 *    file is checked. The hot log never holds half a day: the day leaves it whole, at the detach.
 *  - the embedded store's one table: a day's events up to its highest seq are a fixed set (append-only
 *    log, growing seq), checked page by page, then deleted and recorded in one transaction.
 */
import { canonicalLine, DayDigest, sameDigest, type DayDigestResult } from '../archive-format.js';
import { ArchiveMismatchError, DAY_MS, type ArchivedDay, type HeldDay, type RawLogEvent } from '../storage.js';
import { KEY_TS_OF_ROW } from './migrations/011_event_key_time.js';
import { ensureDayPartition, partitionName } from './partitions.js';
import { toMs } from './rollups.js';
import type { SqlClient } from './sql-client.js';
import { EVENT_COLUMNS, toLoggedEvent } from './event-rows.js';

/** Seq span of a page when a held day is read to be checked. */
const CHECK_SPAN = 5_000;

const RAW_COLUMNS = `${EVENT_COLUMNS}, ${toMs('key_ts')} AS key_ts_ms, (extract(epoch from received_at) * 1000000)::bigint::float8 AS received_us`;

const iso = (ms: number) => new Date(ms).toISOString();
const dateOf = (day: number) => iso(day).slice(0, 10);
const heldName = (day: number) => `archiving_${partitionName(day)}`;
const dayOfHeldName = (name: string): number | null => {
  const m = /^archiving_events_(\d{4})(\d{2})(\d{2})$/.exec(name);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : null;
};
const dayStart = (t: number) => t - (((t % DAY_MS) + DAY_MS) % DAY_MS);

type Row = Record<string, unknown>;
const toRaw = (r: Row): RawLogEvent => {
  // key_ts is null on the embedded store's rows logged before migration 011: their claimed time is their ts
  const e = toLoggedEvent(r) as RawLogEvent;
  e.keyTs = r.key_ts_ms == null ? e.ts : Number(r.key_ts_ms);
  e.receivedAtUs = Number(r.received_us);
  return e;
};

/** Thrown inside a transaction to roll it back when the day turns out to be open. */
class DayOpen extends Error {}

export class ArchiveDays {
  constructor(
    private readonly db: SqlClient,
    private readonly partitioned: boolean,
  ) {}

  /** The claimed time of a row: the column itself on PostgreSQL (never null there, and it prunes partitions). */
  private get key(): string {
    return this.partitioned ? 'key_ts' : KEY_TS_OF_ROW;
  }

  async listLogDays(before: number): Promise<number[]> {
    const end = iso(dayStart(before));
    // ts ≤ key_ts always (an event's ts is its claim, or its arrival when it claimed the future), so
    // `ts < end` lets the ts index narrow the scan to the old part of the log
    const rows = await this.db.query<{ d: number }>(
      `SELECT DISTINCT (floor(extract(epoch from ${this.key}) / 86400) * 86400000)::float8 AS d FROM events WHERE ts < $1::timestamptz AND ${this.key} < $1::timestamptz ORDER BY 1`,
      [end],
    );
    return rows.map((r) => Number(r.d));
  }

  async describeLogDay(day: number, upTo: number): Promise<HeldDay | 'open' | null> {
    const [r] = await this.db.query<{ n: number; lo: number | null; hi: number | null }>(
      `SELECT count(*)::float8 AS n, min(seq)::float8 AS lo, max(seq)::float8 AS hi FROM events
       WHERE ts < $2::timestamptz AND ${this.key} >= $1::timestamptz AND ${this.key} < $2::timestamptz`,
      [iso(day), iso(day + DAY_MS)],
    );
    if (Number(r.n) === 0) return null;
    if (Number(r.hi) > upTo) return 'open';
    return { day, events: Number(r.n), minSeq: Number(r.lo), maxSeq: Number(r.hi), apart: false };
  }

  async holdLogDay(day: number, upTo: number): Promise<HeldDay | 'open' | null> {
    if (!this.partitioned) return this.describeLogDay(day, upTo);
    const held = await this.describeHeld(day);
    if (held) return held;
    const described = await this.describeLogDay(day, upTo);
    if (described === null || described === 'open') return described;
    // a day whose events wait in the default partition gets a partition of its own first (its rows moved
    // in one transaction, as the log's upkeep does for a crowded day)
    await ensureDayPartition(this.db, day);
    const name = partitionName(day);
    try {
      await this.db.transaction(async (tx) => {
        // DETACH takes the log's lock for a moment (catalog only: no rows move); appends wait for it.
        await tx.query(`ALTER TABLE events DETACH PARTITION ${name}`);
        await tx.query(`ALTER TABLE ${name} RENAME TO ${heldName(day)}`);
        // An event appended since describeLogDay and not yet applied by the stream would leave the log
        // unreplayed: checked here, where no event can come in any more. The seq index narrows it to the
        // block ranges that may hold one (the newest rows).
        await tx.query(`SET LOCAL enable_seqscan = off`);
        const [{ late }] = await tx.query<{ late: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${heldName(day)} WHERE seq > $1) AS late`, [upTo]);
        if (late) throw new DayOpen();
      });
    } catch (err) {
      if (err instanceof DayOpen) return 'open';
      throw err;
    }
    // its block ranges all summarized, so pages by seq read only their own
    await this.db.query(
      `SELECT brin_summarize_new_values(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
       WHERE i.indrelid = $1::regclass AND a.amname = 'brin'`,
      [heldName(day)],
    );
    return this.describeHeld(day);
  }

  /** A day held apart (PostgreSQL), or null when none is. */
  private async describeHeld(day: number): Promise<HeldDay | null> {
    const [exists] = await this.db.query(`SELECT 1 FROM pg_class WHERE relname = $1 AND relkind = 'r' AND relnamespace = current_schema()::regnamespace`, [heldName(day)]);
    if (!exists) return null;
    const [r] = await this.db.query<{ n: number; lo: number | null; hi: number | null }>(`SELECT count(*)::float8 AS n, min(seq)::float8 AS lo, max(seq)::float8 AS hi FROM ${heldName(day)}`);
    return { day, events: Number(r.n), minSeq: Number(r.lo ?? 0), maxSeq: Number(r.hi ?? 0), apart: true };
  }

  async listHeldDays(): Promise<HeldDay[]> {
    if (!this.partitioned) return [];
    const rows = await this.db.query<{ name: string }>(
      `SELECT relname AS name FROM pg_class WHERE relname LIKE 'archiving\\_events\\_%' AND relkind = 'r' AND relnamespace = current_schema()::regnamespace ORDER BY relname`,
    );
    const held: HeldDay[] = [];
    for (const { name } of rows) {
      const day = dayOfHeldName(name);
      const d = day === null ? null : await this.describeHeld(day);
      if (d) held.push(d);
    }
    return held;
  }

  async readHeldDay(held: HeldDay, afterSeq: number, span: number): Promise<RawLogEvent[]> {
    const upper = Math.min(afterSeq + span, held.maxSeq);
    const rows = held.apart
      ? await this.db.query(`SELECT ${RAW_COLUMNS} FROM ${heldName(held.day)} WHERE seq > $1 AND seq <= $2 ORDER BY seq`, [afterSeq, upper])
      : await this.db.query(
          `SELECT ${RAW_COLUMNS} FROM events WHERE seq > $1 AND seq <= $2 AND ts < $4::timestamptz AND ${this.key} >= $3::timestamptz AND ${this.key} < $4::timestamptz ORDER BY seq`,
          [afterSeq, upper, iso(held.day), iso(held.day + DAY_MS)],
        );
    return rows.map(toRaw);
  }

  /** The digest of a held day as the store holds it, read page by page. */
  async digestHeldDay(held: HeldDay): Promise<DayDigestResult> {
    const digest = new DayDigest();
    for (let after = held.minSeq - 1; after < held.maxSeq; after += CHECK_SPAN) {
      for (const e of await this.readHeldDay(held, after, CHECK_SPAN)) digest.add(e, canonicalLine(e));
      // a turn of the event loop between pages: on the embedded log's thread PGlite answers within
      // microtasks, so without it the appends waiting as messages would wait for the whole day (measured: 7 s
      // for 125,000 events, against 0.3 s for the removal's transaction)
      await new Promise((resolve) => setImmediate(resolve));
    }
    return digest.result();
  }

  async removeHeldDay(held: HeldDay, archived: { file: string; part: number; digest: DayDigestResult }): Promise<ArchivedDay> {
    if (this.partitioned && !held.apart) throw new Error('on PostgreSQL a day is removed only once it is held apart (holdLogDay)');
    const mine = await this.digestHeldDay(held);
    if (!sameDigest(mine, archived.digest)) {
      throw new ArchiveMismatchError(
        `the store holds ${mine.events} events of ${dateOf(held.day)} (sha256 ${mine.sha256.slice(0, 12)}…), the file ${archived.file} ${archived.digest.events} (sha256 ${archived.digest.sha256.slice(0, 12)}…)`,
      );
    }
    const record = await this.db.transaction(async (tx) => {
      // the set checked above cannot change (a held table no one writes; or seqs no new event can take),
      // so the count here confirms the rows removed are those rows
      let removed: number;
      if (held.apart) {
        removed = Number((await tx.query<{ n: number }>(`SELECT count(*)::float8 AS n FROM ${heldName(held.day)}`))[0].n);
        if (removed === mine.events) await tx.query(`DROP TABLE ${heldName(held.day)}`);
      } else {
        const [{ n }] = await tx.query<{ n: number }>(
          `WITH gone AS (DELETE FROM events WHERE seq >= $1 AND seq <= $2 AND ts < $4::timestamptz AND ${this.key} >= $3::timestamptz AND ${this.key} < $4::timestamptz RETURNING 1)
           SELECT count(*)::float8 AS n FROM gone`,
          [held.minSeq, held.maxSeq, iso(held.day), iso(held.day + DAY_MS)],
        );
        removed = Number(n);
      }
      if (removed !== mine.events) throw new ArchiveMismatchError(`${dateOf(held.day)}: ${removed} events to remove, ${mine.events} checked; nothing removed`);
      const [row] = await tx.query<Row>(
        `INSERT INTO archived_days (day, part, file, events, sha256, min_seq, max_seq, tenants) VALUES ($1::date, $2, $3, $4, $5, $6, $7, $8::text::jsonb)
         RETURNING ${ARCHIVED_COLUMNS}`,
        [dateOf(held.day), archived.part, archived.file, mine.events, mine.sha256, mine.minSeq, mine.maxSeq, JSON.stringify(mine.tenants)],
      );
      return toArchivedDay(row);
    });
    // The embedded store has no autovacuum: without this the deleted rows' space is never used again.
    // (It holds the log's thread, and so the appends behind it, for as long as it takes: see docs/STORAGE.md.)
    if (!this.partitioned) await this.db.exec('VACUUM events');
    return record;
  }

  async listArchivedDays(q: { from?: number; to?: number } = {}): Promise<ArchivedDay[]> {
    const rows = await this.db.query<Row>(
      `SELECT ${ARCHIVED_COLUMNS} FROM archived_days
       WHERE ($1::date IS NULL OR day >= $1::date) AND ($2::date IS NULL OR day < $2::date) ORDER BY day, part`,
      // a day overlaps [from, to) when it starts before `to` and ends after `from`
      [q.from === undefined ? null : dateOf(dayStart(q.from)), q.to === undefined ? null : dateOf(dayStart(q.to - 1) + DAY_MS)],
    );
    return rows.map(toArchivedDay);
  }
}

const ARCHIVED_COLUMNS = `day::text AS day, part, file, events::float8 AS events, sha256, min_seq::float8 AS min_seq, max_seq::float8 AS max_seq, tenants::text AS tenants, ${toMs('archived_at')} AS archived_at`;

function toArchivedDay(r: Row): ArchivedDay {
  return {
    day: Date.parse(`${String(r.day).slice(0, 10)}T00:00:00Z`),
    part: Number(r.part),
    file: r.file as string,
    events: Number(r.events),
    sha256: r.sha256 as string,
    minSeq: Number(r.min_seq),
    maxSeq: Number(r.max_seq),
    tenants: JSON.parse(r.tenants as string) as ArchivedDay['tenants'],
    archivedAt: Number(r.archived_at),
  };
}
