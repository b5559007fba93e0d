import { canonicalLine, DayDigest, sameDigest, type DayDigestResult } from '../archive-format.js';
import { ArchiveMismatchError, DAY_MS, type ArchivedDay, type HeldDay, type RawLogEvent } from '../storage.js';
import type { ChClient } from './client.js';
import { toLoggedEvent } from '../postgres/event-rows.js';
import { join, sql } from './sql.js';

/** Seq span of a page when a day is read to be checked. */
const CHECK_SPAN = 5_000;
const dayStart = (t: number) => t - (((t % DAY_MS) + DAY_MS) % DAY_MS);
const dateOf = (day: number) => new Date(day).toISOString().slice(0, 10);

/**
 * The archive's side on ClickHouse (see Storage: listLogDays … listArchivedDays). As in the embedded
 * store, a day is held by its seq range: the log is append-only and a new event takes a higher seq, so
 * the day's events up to its highest seq are a fixed set. Without transactions the removal is two steps,
 * record first: the day is recorded in `archived_days`, then its events are deleted (a mutation, waited
 * for). A run killed between the two leaves a recorded day still in the log; the next run sees its range
 * recorded, does not archive it again, and finishes the deletion. The indexes (event_keys_by_time,
 * appeal_events, time_events) keep their rows: reads go through `events`, which no longer has them, and
 * the dedup key stays, so an archived event sent again is still a duplicate (events archived before
 * migration 005 excepted: see there).
 */
export class ClickhouseArchiveDays {
  constructor(private readonly db: ChClient) {}

  private dayFilter(day: number) {
    return sql`key_ts >= ${day} AND key_ts < ${day + DAY_MS}`;
  }

  /** Events of recorded ranges still in the log (a run killed between record and deletion): deleted now. */
  private async finishRemovals(): Promise<void> {
    for (const a of await this.listArchivedDays()) {
      const [r] = await this.db.rows<{ n: string }>(sql`SELECT count() AS n FROM events WHERE seq >= ${a.minSeq} AND seq <= ${a.maxSeq} AND ${this.dayFilter(a.day)}`);
      if (Number(r.n) > 0) await this.deleteRange(a.day, a.minSeq, a.maxSeq);
    }
  }

  private async deleteRange(day: number, minSeq: number, maxSeq: number): Promise<void> {
    await this.db.command(sql`ALTER TABLE events DELETE WHERE seq >= ${minSeq} AND seq <= ${maxSeq} AND ${this.dayFilter(day)}`);
    // the mutation runs in the background: wait until it is done, so the day has left when this returns
    for (let i = 0; ; i++) {
      const [r] = await this.db.rows<{ n: string }>(sql`SELECT count() AS n FROM system.mutations WHERE database = currentDatabase() AND table = 'events' AND is_done = 0`);
      if (Number(r.n) === 0) return;
      if (i > 6_000) throw new Error(`the deletion of ${dateOf(day)} has not finished after 10 minutes`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  /** Recorded seq ranges of a day, as a filter excluding them. */
  private async notRecorded(day: number) {
    const parts = (await this.listArchivedDays({ from: day, to: day + DAY_MS })).filter((a) => a.day === day);
    return parts.length ? sql`AND NOT (${join(parts.map((a) => sql`(seq >= ${a.minSeq} AND seq <= ${a.maxSeq})`), ' OR ')})` : sql``;
  }

  async listLogDays(before: number): Promise<number[]> {
    await this.finishRemovals();
    const rows = await this.db.rows<{ d: string }>(sql`SELECT DISTINCT intDiv(key_ts, ${DAY_MS}) * ${DAY_MS} AS d FROM events WHERE key_ts < ${dayStart(before)} ORDER BY d`);
    return rows.map((r) => Number(r.d));
  }

  async describeLogDay(day: number, upTo: number): Promise<HeldDay | 'open' | null> {
    const [r] = await this.db.rows<{ n: string; lo: string; hi: string }>(
      sql`SELECT count() AS n, min(seq) AS lo, max(seq) AS hi FROM events WHERE ${this.dayFilter(day)} ${await this.notRecorded(day)}`,
    );
    if (Number(r.n) === 0) return null;
    if (Number(r.hi) > upTo) return 'open';
    return { day, events: Number(r.n), minSeq: Number(r.lo), maxSeq: Number(r.hi), apart: false };
  }

  holdLogDay(day: number, upTo: number): Promise<HeldDay | 'open' | null> {
    return this.describeLogDay(day, upTo);
  }

  async listHeldDays(): Promise<HeldDay[]> {
    return [];
  }

  async readHeldDay(held: HeldDay, afterSeq: number, span: number): Promise<RawLogEvent[]> {
    const upper = Math.min(afterSeq + span, held.maxSeq);
    const rows = await this.db.rows<Record<string, unknown>>(
      sql`SELECT * FROM events WHERE seq > ${afterSeq} AND seq <= ${upper} AND ${this.dayFilter(held.day)} ORDER BY seq`,
    );
    return rows.map((r) => {
      const e = toLoggedEvent(r) as RawLogEvent;
      e.keyTs = Number(r.key_ts);
      e.receivedAtUs = Number(r.arrived) * 1000;
      return e;
    });
  }

  async removeHeldDay(held: HeldDay, archived: { file: string; part: number; digest: DayDigestResult }): Promise<ArchivedDay> {
    const digest = new DayDigest();
    for (let after = held.minSeq - 1; after < held.maxSeq; after += CHECK_SPAN) for (const e of await this.readHeldDay(held, after, CHECK_SPAN)) digest.add(e, canonicalLine(e));
    const mine = digest.result();
    if (!sameDigest(mine, archived.digest)) {
      throw new ArchiveMismatchError(
        `the store holds ${mine.events} events of ${dateOf(held.day)} (sha256 ${mine.sha256.slice(0, 12)}…), the file ${archived.file} ${archived.digest.events} (sha256 ${archived.digest.sha256.slice(0, 12)}…)`,
      );
    }
    const record: ArchivedDay = { day: held.day, part: archived.part, file: archived.file, ...mine, archivedAt: Date.now() };
    await this.db.insert('archived_days', [
      { day: record.day, part: record.part, file: record.file, events: record.events, sha256: record.sha256, min_seq: record.minSeq, max_seq: record.maxSeq, tenants: JSON.stringify(record.tenants), archived_at: record.archivedAt },
    ]);
    await this.deleteRange(held.day, held.minSeq, held.maxSeq);
    return record;
  }

  async listArchivedDays(q: { from?: number; to?: number } = {}): Promise<ArchivedDay[]> {
    const where = [sql`1`];
    if (q.from !== undefined) where.push(sql`day >= ${dayStart(q.from)}`);
    if (q.to !== undefined) where.push(sql`day < ${dayStart(q.to - 1) + DAY_MS}`);
    const rows = await this.db.rows<Record<string, string>>(
      sql`SELECT day, part, any(file) AS f, any(events) AS n, any(sha256) AS h, any(min_seq) AS lo, any(max_seq) AS hi, any(tenants) AS t, any(archived_at) AS at
          FROM archived_days WHERE ${join(where, ' AND ')} GROUP BY day, part ORDER BY day, part`,
    );
    return rows.map((r) => ({
      day: Number(r.day), part: Number(r.part), file: r.f, events: Number(r.n), sha256: r.h, minSeq: Number(r.lo), maxSeq: Number(r.hi),
      tenants: JSON.parse(r.t) as ArchivedDay['tenants'], archivedAt: Number(r.at),
    }));
  }
}
