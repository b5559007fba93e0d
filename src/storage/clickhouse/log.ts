import type { CcEvent, LoggedEvent } from '../../contract/event.js';
import { claimedTs } from '../../ingest/clamp-future.js';
// the same row mapping as the SQL stores' (nullable columns, attrs as JSON text)
import { toLoggedEvent } from '../postgres/event-rows.js';
import type { ChClient } from './client.js';
import { join, raw, sql, type Sql } from './sql.js';

const EVENT_COLUMNS = raw('seq, tenant, id, type, ts, appeal_id, channel, queue, operator_id, status, direction, campaign_id, attrs');
/** Ids looked up per dedup query. */
const LOOKUP_CHUNK = 5_000;
/** Claimed times closer than this are looked up as one range of the dedup index. */
const LOOKUP_GAP_MS = 10 * 60_000;
/** Ranges per dedup query (each is an OR'ed condition the index is searched by). */
const LOOKUP_RANGES = 100;

const keyOf = (tenant: string, id: string, keyTs: number) => `${tenant}\u0000${keyTs}\u0000${id}`;

/**
 * The dedup lookups for a batch: per tenant, its events sorted by claimed time and cut where two are
 * more than LOOKUP_GAP_MS apart (or a run reaches LOOKUP_CHUNK ids), each run a condition
 * `key_ts BETWEEN first AND last AND id IN (…)`, up to LOOKUP_RANGES runs and LOOKUP_CHUNK ids to a query.
 */
export function lookupQueries(events: ReadonlyArray<{ tenant: string; event: CcEvent }>): Array<{ tenant: string; sql: Sql }> {
  const byTenant = new Map<string, Array<{ keyTs: number; id: string }>>();
  for (const { tenant, event } of events) {
    let keys = byTenant.get(tenant);
    if (!keys) byTenant.set(tenant, (keys = []));
    keys.push({ keyTs: claimedTs(event), id: event.id });
  }
  const out: Array<{ tenant: string; sql: Sql }> = [];
  for (const [tenant, keys] of byTenant) {
    keys.sort((a, b) => a.keyTs - b.keyTs);
    const runs: Array<{ from: number; to: number; ids: string[] }> = [];
    for (const k of keys) {
      const run = runs.at(-1);
      if (run && k.keyTs - run.to <= LOOKUP_GAP_MS && run.ids.length < LOOKUP_CHUNK) {
        run.to = k.keyTs;
        run.ids.push(k.id);
      } else runs.push({ from: k.keyTs, to: k.keyTs, ids: [k.id] });
    }
    // a query holds at most LOOKUP_RANGES runs and LOOKUP_CHUNK ids in all: 18.16 counts each literal of
    // an IN list against max_ast_elements (50,000), and a request may bring 50,000 events
    let batch: typeof runs = [];
    let ids = 0;
    const flush = () => {
      if (!batch.length) return;
      const conds = batch.map((r) => sql`(key_ts >= ${r.from} AND key_ts <= ${r.to} AND id IN (${join(r.ids.map((id) => sql`${id}`), ', ')}))`);
      out.push({ tenant, sql: sql`SELECT DISTINCT key_ts, id FROM event_keys_by_time WHERE tenant = ${tenant} AND (${join(conds, ' OR ')})` });
      batch = [];
      ids = 0;
    };
    for (const r of runs) {
      if (batch.length === LOOKUP_RANGES || ids + r.ids.length > LOOKUP_CHUNK) flush();
      batch.push(r);
      ids += r.ids.length;
    }
    flush();
  }
  return out;
}
/** A tail read scans this many positions at a time (no read-in-order in 18.16: a read of `seq > x` alone would sort the whole rest of the log). */
const READ_WINDOW = 50_000;

/**
 * The log on ClickHouse (migration 001): positions assigned here, repeated ids looked up before the
 * insert. Both need one writer, which the lease ensures, and one append at a time, which `serial`
 * ensures: an append's part is visible before the next one's positions are given out, so the log's
 * readers never see a position after one that is yet to appear.
 */
export class ClickhouseLog {
  private next = 1;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: ChClient,
    /** When an append arrives (its rows' `arrived`, the day partition they go to): the wall clock, but for a benchmark replaying days of arrivals (bench/storage.ts). */
    private readonly clock: () => number = Date.now,
  ) {}

  async open(): Promise<void> {
    const [r] = await this.db.rows<{ s: string }>(sql`SELECT max(seq) AS s FROM events`);
    this.next = Number(r.s) + 1;
  }

  /** The highest position given out so far (0: none). */
  get lastSeq(): number {
    return this.next - 1;
  }

  append(events: ReadonlyArray<{ tenant: string; event: CcEvent }>): Promise<Array<number | null>> {
    const run = this.chain.then(() => this.appendNow(events));
    this.chain = run.catch(() => {});
    return run;
  }

  private async appendNow(events: ReadonlyArray<{ tenant: string; event: CcEvent }>): Promise<Array<number | null>> {
    if (events.length === 0) return [];
    const logged = await this.loggedKeys(events);
    const arrived = this.clock();
    const out: Array<number | null> = [];
    const rows: Record<string, unknown>[] = [];
    const first = this.next;
    for (const { tenant, event: e } of events) {
      if (logged.has(keyOf(tenant, e.id, claimedTs(e)))) {
        out.push(null);
        continue;
      }
      const seq = this.next++;
      out.push(seq);
      rows.push({
        seq, arrived, tenant, id: e.id, type: e.type, ts: e.ts, key_ts: claimedTs(e),
        appeal_id: e.appealId ?? null, channel: e.channel ?? null, queue: e.queue ?? null, operator_id: e.operatorId ?? null,
        status: e.status ?? null, direction: e.direction ?? null, campaign_id: e.campaignId ?? null,
        attrs: e.attrs === undefined ? null : JSON.stringify(e.attrs),
      });
    }
    const queryId = `ccpulse-append-${first}-${arrived}`;
    try {
      await this.db.insert('events', rows, { queryId });
    } catch (err) {
      // Whether the insert happened is unknown (a timeout, a reset). Wait until it is surely over, so no
      // later append's part can show up before it; its positions are not given out again (a gap), and
      // a retry of these events finds whichever of them did land.
      await this.db.waitQueryGone(queryId).catch(() => {});
      throw err;
    }
    return out;
  }

  /**
   * Which (tenant, id, claimed time) of these are logged already, as `keyOf` strings. Looked up in
   * `event_keys_by_time` (migration 005) by runs of nearby claimed times, each a range of its key, so a
   * live batch reads the few granules at the index's end, and a late event those of its own time.
   */
  private async loggedKeys(events: ReadonlyArray<{ tenant: string; event: CcEvent }>): Promise<Set<string>> {
    const found = new Set<string>();
    for (const query of lookupQueries(events)) {
      const rows = await this.db.rows<{ key_ts: string | number; id: string }>(query.sql);
      for (const r of rows) found.add(keyOf(query.tenant, r.id, Number(r.key_ts)));
    }
    return found;
  }

  async readLog(afterSeq: number, limit: number): Promise<LoggedEvent[]> {
    const out: LoggedEvent[] = [];
    let from = Math.max(0, Math.floor(afterSeq));
    while (out.length < limit && from < this.lastSeq) {
      const to = from + Math.max(READ_WINDOW, limit * 2);
      const rows = await this.db.rows(sql`SELECT ${EVENT_COLUMNS} FROM events WHERE seq > ${from} AND seq <= ${to} ORDER BY seq LIMIT ${limit - out.length}`);
      for (const r of rows) out.push(toLoggedEvent(r));
      from = to;
    }
    return out;
  }

  /** (A batch recomputation's read: `db` is the slow path's connection.) */
  async readEventsByTime(tenant: string, from: number, to: number, db: ChClient = this.db): Promise<LoggedEvent[]> {
    const seqs = sql`SELECT seq FROM time_events WHERE tenant = ${tenant} AND ts >= ${from} AND ts < ${to}`;
    const rows = await db.rows(sql`SELECT ${EVENT_COLUMNS} FROM events WHERE seq IN (${seqs}) AND tenant = ${tenant} ORDER BY seq`);
    return rows.map(toLoggedEvent);
  }

  async readAppealEvents(tenant: string, appealIds: string[], maxSeq: number): Promise<LoggedEvent[]> {
    if (appealIds.length === 0) return [];
    const seqs = sql`SELECT seq FROM appeal_events WHERE tenant = ${tenant} AND appeal IN (${join(appealIds.map((a) => sql`${a}`), ', ')}) AND seq <= ${maxSeq}`;
    const rows = await this.db.rows(sql`SELECT ${EVENT_COLUMNS} FROM events WHERE seq IN (${seqs}) AND tenant = ${tenant} ORDER BY seq`);
    return rows.map(toLoggedEvent);
  }
}
