/**
 * The archive as a ClickHouse table (`archived_events`), for a center that has ClickHouse as its
 * analytic store: old events leave the hot store and stay queryable there, one typed column per field.
 *
 * ClickHouse has no transactions, so a day's part is written under an attempt id (a UUID): the name
 * recorded by the hot store is `clickhouse:archived_events/DAY/PART/ATTEMPT`, and reading back, checking
 * and reading go by it. Nothing is ever deleted here: an attempt that was refused, or cut short by a
 * kill (even one whose insert the server finishes after the restart), leaves rows no record names, and
 * they stay out of every read. Deleting them by (day, part) would be wrong whenever two stores share the
 * database, or an insert lands after the deletion. `archive_attempts` lists the attempts the hot store
 * recorded (written after each record, and made whole again at the start of every run from the hot
 * store's own list); people query the view `archived_events_recorded`, which shows those only.
 *
 * What is checked is the same as for files: every event's canonical line (archive-format.ts), rebuilt
 * from the columns as they read back, hashed in seq order; so a column that does not hold its field
 * exactly fails the check, and nothing leaves the hot store.
 */
import { randomUUID } from 'node:crypto';
import { DayDigest, canonicalLine, type DayDigestResult } from '../storage/archive-format.js';
import { chClient, describeClickhouseUrl, parseClickhouseUrl, SLOW_PATH, type ChClient } from '../storage/clickhouse/client.js';
import { join, sql } from '../storage/clickhouse/sql.js';
import type { RawLogEvent } from '../storage/storage.js';
import { toLoggedEvent } from '../storage/postgres/event-rows.js';
import { ArchiveFileError } from './day-file.js';
import type { ArchiveTarget } from './target.js';

const TABLE = 'archived_events';
/** Rows a read-back page takes. */
const PAGE = 10_000;

const dateOf = (day: number) => new Date(day).toISOString().slice(0, 10);

/** A recorded name's parts; null when it is not a name this target gives. */
export function parseArchiveName(name: string): { date: string; part: number; attempt: string } | null {
  const m = /^clickhouse:archived_events\/(\d{4}-\d{2}-\d{2})\/(\d+)\/([0-9a-f-]{36})$/.exec(name);
  return m ? { date: m[1], part: Number(m[2]), attempt: m[3] } : null;
}

export class ClickhouseArchive implements ArchiveTarget {
  readonly where: string;
  private readonly db: ChClient;
  private readonly admin: ChClient;
  private readonly database: string;

  constructor(url: string) {
    const target = parseClickhouseUrl(url);
    this.where = `clickhouse ${describeClickhouseUrl(url)}`;
    this.database = target.database;
    // the archive's writes are large and ClickHouse is often busy merging: minutes, not the hot path's seconds
    this.db = chClient(target, target.database, 300_000, SLOW_PATH);
    this.admin = chClient(target, null, 300_000);
  }

  async prepare(): Promise<void> {
    // (a name parseClickhouseUrl has checked to be letters, digits and _: an identifier, not a value)
    await this.admin.command(`CREATE DATABASE IF NOT EXISTS ${this.database}`);
    // ts and key_ts in ms, received_at_us in µs (18.16 has no DateTime64); `at` in seconds, for people's queries
    await this.db.command(`CREATE TABLE IF NOT EXISTS ${TABLE} (
       day Date, part UInt16, attempt String, seq UInt64, tenant String, id String, type String,
       ts Int64, key_ts Int64, received_at_us Int64, at DateTime,
       appeal_id Nullable(String), channel Nullable(String), queue Nullable(String), operator_id Nullable(String),
       status Nullable(String), direction Nullable(String), campaign_id Nullable(String), attrs Nullable(String)
     ) ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY (day, part, attempt, seq)`);
    await this.db.command(`CREATE TABLE IF NOT EXISTS archive_attempts (attempt String, day Date, part UInt16, recorded_at Int64)
       ENGINE = ReplacingMergeTree ORDER BY attempt`);
    await this.db.command(`CREATE VIEW IF NOT EXISTS archived_events_recorded AS
       SELECT * FROM ${TABLE} WHERE attempt IN (SELECT attempt FROM archive_attempts)`);
  }

  async markRecorded(names: readonly string[]): Promise<void> {
    const rows = names.flatMap((n) => {
      const at = parseArchiveName(n);
      return at ? [{ attempt: at.attempt, day: at.date, part: at.part, recorded_at: Date.now() }] : [];
    });
    if (rows.length === 0) return;
    const known = new Set(
      (await this.db.rows<{ attempt: string }>(sql`SELECT DISTINCT attempt FROM archive_attempts WHERE attempt IN (${join(rows.map((r) => sql`${r.attempt}`), ', ')})`)).map((r) => r.attempt),
    );
    await this.db.insert('archive_attempts', rows.filter((r) => !known.has(r.attempt)));
  }

  nameOf(day: number, part: number): string {
    return `clickhouse:${TABLE}/${dateOf(day)}/${part}`;
  }

  async write(day: number, part: number, pages: AsyncIterable<RawLogEvent[]>): Promise<{ name: string; digest: DayDigestResult }> {
    const date = dateOf(day);
    const attempt = randomUUID();
    const digest = new DayDigest();
    for await (const page of pages) {
      if (page.length === 0) continue;
      for (const e of page) digest.add(e, canonicalLine(e));
      await this.db.insert(TABLE, page.map((e) => rowOf(e, date, part, attempt)));
    }
    return { name: `${this.nameOf(day, part)}/${attempt}`, digest: digest.result() };
  }

  async readBack(name: string): Promise<DayDigestResult> {
    const digest = new DayDigest();
    try {
      for await (const e of this.read(name)) digest.add(e, canonicalLine(e));
    } catch (err) {
      if (err instanceof ArchiveFileError) throw err;
      throw new ArchiveFileError(`${name} does not read back whole: ${(err as Error).message}`, { cause: err });
    }
    return digest.result();
  }

  async *read(name: string): AsyncGenerator<RawLogEvent> {
    const at = parseArchiveName(name);
    if (!at) throw new ArchiveFileError(`${JSON.stringify(name)} is not a name of this ClickHouse archive`);
    for (let after = -1; ; ) {
      const rows = await this.db.rows<Record<string, unknown>>(
        sql`SELECT * FROM archived_events WHERE day = toDate(${at.date}) AND part = ${at.part} AND attempt = ${at.attempt} AND seq > ${after} ORDER BY seq LIMIT ${PAGE}`,
      );
      for (const r of rows) yield eventOf(r);
      if (rows.length < PAGE) return;
      after = Number(rows[rows.length - 1].seq);
    }
  }

  locate(name: string): string {
    return name;
  }

  /** The client, for tests that alter what was written (a table that does not hold what it was given). */
  get client(): ChClient {
    return this.db;
  }

  async close(): Promise<void> {
    await Promise.all([this.db.close(), this.admin.close()]);
  }
}

function rowOf(e: RawLogEvent, day: string, part: number, attempt: string): Record<string, unknown> {
  return {
    day, part, attempt, seq: e.seq, tenant: e.tenant, id: e.id, type: e.type,
    ts: e.ts, key_ts: e.keyTs, received_at_us: e.receivedAtUs, at: Math.min(4_294_967_295, Math.max(0, Math.floor(e.ts / 1000))),
    appeal_id: e.appealId ?? null, channel: e.channel ?? null, queue: e.queue ?? null, operator_id: e.operatorId ?? null,
    status: e.status ?? null, direction: e.direction ?? null, campaign_id: e.campaignId ?? null,
    attrs: e.attrs === undefined ? null : JSON.stringify(e.attrs),
  };
}

function eventOf(r: Record<string, unknown>): RawLogEvent {
  const e = toLoggedEvent(r) as RawLogEvent;
  e.keyTs = Number(r.key_ts);
  e.receivedAtUs = Number(r.received_at_us);
  return e;
}
