import { storyEvent, type VerifyReads } from '../../verify/log-reads.js';
import { chClient, parseClickhouseUrl, SLOW_PATH, type ChClient } from './client.js';
import { join, sql, type Sql } from './sql.js';

/**
 * Verify's reads (verify/log-reads.ts) on ClickHouse, with the same pages and the same answers: reads by
 * appeal go through `appeal_events`, reads by time through `time_events`, reads by position through the
 * log's order by seq; the story of a window's appeals is grouped here, since 18.16 has no
 * window functions. A reader only: it takes no lease and applies no migration.
 */
export function clickhouseVerifyReads(url: string): VerifyReads {
  // verify is the slow path: its reads give way to the live path's appends (client.ts SLOW_PATH)
  const target = parseClickhouseUrl(url);
  return verifyReadsOn(chClient(target, target.database, 300_000, SLOW_PATH));
}

const list = (xs: readonly (string | number)[]) => join(xs.map((x) => sql`${x}`), ', ');

export function verifyReadsOn(db: ChClient): VerifyReads {
  const storyFilter = (q: { tenant: string; from: number; to: number; maxSeq: number; after: string | null }, more: Sql = sql``) =>
    sql`seq IN (SELECT seq FROM time_events WHERE tenant = ${q.tenant} AND ts >= ${q.from} AND ts < ${q.to} AND seq <= ${q.maxSeq})
        AND tenant = ${q.tenant} AND isNotNull(appeal_id) AND type != 'OPERATOR_STATUS'
        ${q.after === null ? sql`` : sql`AND appeal_id > ${q.after}`} ${more}`;
  return {
    async appealIdsInRange(q) {
      const where = sql`${q.queue === undefined ? sql`` : sql`AND queue = ${q.queue}`} ${q.channel === undefined ? sql`` : sql`AND channel = ${q.channel}`}`;
      const rows = await db.rows<{ appeal: string }>(
        sql`SELECT DISTINCT assumeNotNull(appeal_id) AS appeal FROM events WHERE ${storyFilter(q, where)} ORDER BY appeal LIMIT ${q.limit}`,
      );
      return rows.map((r) => r.appeal);
    },

    async appealEventsPage(q) {
      if (q.appealIds.length === 0) return [];
      const rows = await db.rows<Record<string, unknown>>(
        sql`SELECT seq, id, type, ts, appeal_id, channel, queue, operator_id FROM events
            WHERE tenant = ${q.tenant} AND seq IN (SELECT seq FROM appeal_events WHERE tenant = ${q.tenant} AND appeal IN (${list(q.appealIds)}) AND seq > ${q.afterSeq} AND seq <= ${q.maxSeq})
            ORDER BY seq LIMIT ${q.limit}`,
      );
      return rows.map((r) => storyEvent(q.tenant, r));
    },

    async newEventsPage(q) {
      const rows = await db.rows<{ seq: string; appeal: string }>(
        sql`SELECT seq, assumeNotNull(appeal_id) AS appeal FROM events
            WHERE tenant = ${q.tenant} AND seq > ${q.afterSeq} AND seq <= ${q.maxSeq} AND ts < ${q.before} AND isNotNull(appeal_id)
            ORDER BY seq LIMIT ${q.limit}`,
      );
      return rows.map((r) => ({ seq: Number(r.seq), appealId: r.appeal }));
    },

    async latestInWindowPage(q) {
      const channels = q.channels === null ? sql`` : q.channels.length ? sql`AND channel IN (${list(q.channels)})` : sql`AND 0`;
      const rows = await db.rows<{ appeal: string; tss: string[]; types: string[]; chans: Array<string | null> }>(
        sql`SELECT assumeNotNull(appeal_id) AS appeal, groupArray(ts) AS tss, groupArray(type) AS types, groupArray(channel) AS chans
            FROM events WHERE ${storyFilter(q, channels)} GROUP BY appeal ORDER BY appeal LIMIT ${q.limit}`,
      );
      return rows.map((r) => {
        const tss = r.tss.map(Number);
        const last = Math.max(...tss);
        // the channels of the latest events that do not end a segment, distinct and sorted (nulls last), as PostgreSQL's array_agg(DISTINCT …) gives them
        const open = new Set<string | null>();
        tss.forEach((t, i) => {
          if (t === last && r.types[i] !== 'APPEAL_CLOSED' && r.types[i] !== 'APPEAL_MISSED') open.add(r.chans[i]);
        });
        const sorted = [...open].sort((a, b) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1));
        return { appealId: r.appeal, ts: last, openChannels: sorted.length ? (sorted as string[]) : null };
      });
    },

    async eventsAt(q) {
      if (q.seqs.length === 0) return [];
      const rows = await db.rows<{ seq: string; appeal_id: string | null; ts: string }>(
        sql`SELECT seq, appeal_id, ts FROM events WHERE tenant = ${q.tenant} AND seq IN (${list(q.seqs)})`,
      );
      return rows.map((r) => ({ seq: Number(r.seq), appealId: r.appeal_id, ts: Number(r.ts) }));
    },

    async hasDeadLetters(tenant) {
      return (await db.rows(sql`SELECT 1 FROM dead_letters WHERE tenant = ${tenant} LIMIT 1`)).length > 0;
    },

    async deadLetteredAmong(q) {
      if (q.seqs.length === 0) return [];
      const rows = await db.rows<{ seq: string }>(sql`SELECT DISTINCT seq FROM dead_letters WHERE tenant = ${q.tenant} AND seq IN (${list(q.seqs)})`);
      return rows.map((r) => Number(r.seq));
    },

    async deadLettersPage(q) {
      // the payload is the event as JSON: its appeal and time are read here, not by ClickHouse's
      // visitParam functions, which would take the first "ts" anywhere in it, nested ones included
      const rows = await db.rows<{ id: string; payload: string }>(
        sql`SELECT DISTINCT id, payload FROM dead_letters WHERE tenant = ${q.tenant} AND seq >= 0 AND seq <= ${q.maxSeq} AND id > ${q.afterId} ORDER BY id LIMIT ${q.limit}`,
      );
      return rows.map((r) => {
        const p = JSON.parse(r.payload) as { appealId?: unknown; ts?: unknown } | null;
        return { id: Number(r.id), appealId: typeof p?.appealId === 'string' ? p.appealId : null, ts: Number(p?.ts ?? null) };
      });
    },

    async refreshEventStatistics() {
      return false;
    },
  };
}
