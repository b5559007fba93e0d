import type { CcEvent, LoggedEvent } from '../../contract/event.js';
import type { Counters } from '../../metrics/counters.js';
import type { ArchivedDay, HeldDay, RawLogEvent } from '../storage.js';
import type { DayDigestResult } from '../archive-format.js';
import type { Checkpoint, CheckpointCommit, DeadLetter, HistoryAccess, HistoryAggregate, HistoryQuery, LogUpkeep, QaLevel, Campaign, RecommendationChange, RecommendationQuery, RollupCell, RollupQuery, SqlAccess, Storage, StoredRecommendation, StoredSettings, StoredApiKey, StoredDestination, OutboxEntry, Delivery, DeliveryState } from '../storage.js';
import { lastRecommendationNumber, listCampaigns, listRecommendations, putCampaign, saveRecommendations } from './recommendations.js';
import { listSettings, putSettings } from './settings.js';
import * as apiKeys from './api-keys.js';
import * as notify from './notify.js';
import { qaLevels, queryHistory } from './history.js';
import { addRollupDeltas, readMinuteCells, toMs } from './rollups.js';
import { MIGRATIONS } from './migrations/index.js';
import { claimedTs } from '../../ingest/clamp-future.js';
import { keepPartitionsAhead, maintainPartitions } from './partitions.js';
import type { SqlClient } from './sql-client.js';
import { EVENT_COLUMNS, toLoggedEvent } from './event-rows.js';
import { ArchiveDays } from './archive-days.js';
import { maintainChunks } from './timescale/chunk-upkeep.js';
import { JobWatch, type JobCheck } from './timescale/jobs.js';
import { applyPolicies, type PolicyState, type TimescaleSettings } from './timescale/policies.js';

/** How often the partitioned log's days ahead are seen to: they are made a week ahead. */
const PARTITIONS_EVERY_MS = 3_600_000;
/** Growth of the default partition that has its days looked at again (a megabyte: some 6,000 events). */
const DEFAULT_GROWTH_BYTES = 1 << 20;

const MS = `'epoch'::timestamptz + x.%s * interval '1 millisecond'`;


/**
 * Which database a SqlStorage speaks to: the embedded one, a PostgreSQL server, one with TimescaleDB
 * (timescale/detect.ts). Another name takes the migrations for every backend alone (bench/storage.ts's
 * one-table log).
 */
export type SqlBackend = 'pglite' | 'postgres' | 'timescale' | (string & {});

/** TimescaleDB's side of a store (backend 'timescale'): its policies as set at the start, and its jobs as last checked. */
export interface TimescaleStatus {
  policies: PolicyState | null;
  jobs: JobCheck | null;
}

/** Storage on the PostgreSQL dialect: PostgreSQL itself (with or without TimescaleDB), and PGlite (PostgreSQL in WASM). */
export class SqlStorage implements Storage {
  /** Set by whoever opened the database and knows how another thread can reach it (see Storage.sqlAccess). */
  sqlAccess?: () => SqlAccess;
  /** Likewise, for the history thread (see Storage.historyAccess). */
  historyAccess?: () => HistoryAccess;

  /** When the days ahead of the partitioned log were last seen to (PostgreSQL; see maintainLog). */
  private partitionsCheckedAt = -Infinity;
  /** The default partition's size when its crowded days were last moved out. */
  private defaultBytesChecked = 0;
  /** TimescaleDB's background jobs, watched and run again from the upkeep (timescale/jobs.ts). */
  private readonly jobWatch = new JobWatch();
  private policies: PolicyState | null = null;

  /** The archive's steps (archive-days.ts): the log partitioned by day on PostgreSQL, one table embedded. */
  private readonly archive: ArchiveDays;

  constructor(
    readonly backend: SqlBackend,
    private readonly db: SqlClient,
  ) {
    this.archive = new ArchiveDays(db, backend === 'postgres');
  }

  /** Applies the numbered migrations not yet applied, under a lock so concurrent starts do not race. */
  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }

  async migrate(): Promise<void> {
    await this.db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    await this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(7406211)`);
      const done = new Set((await tx.query<{ version: number }>(`SELECT version FROM schema_migrations`)).map((r) => Number(r.version)));
      for (const m of MIGRATIONS) {
        if (done.has(m.version) || (m.only && m.only !== this.backend)) continue;
        await tx.exec(m.sql);
        await tx.query(`INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      }
    });
  }

  /**
   * Upkeep of the log where nothing else does it (the embedded store has no autovacuum): summarizes the
   * block ranges filled since the last call, so reads by seq and ts skip the rest of the log (migration
   * 007), and refreshes the planner's statistics once the log has doubled since they were taken (without
   * them the planner takes a log of millions for a small one and scans it all). Costs a few ms per new
   * range of 128 pages, plus ~0.1 s for an ANALYZE at millions of events (migration 008); a no-op when
   * neither is due.
   */
  async maintainLog(): Promise<LogUpkeep> {
    if (this.backend === 'timescale') {
      // TimescaleDB makes the days itself; the chunks' block ranges, and (once a minute) its jobs
      const upkeep = await maintainChunks(this.db);
      const check = await this.jobWatch.checkIfDue(this.db);
      return check?.reran.length ? { ...upkeep, jobsRerun: check.reran } : upkeep;
    }
    if (this.backend === 'postgres') {
      // the log partitioned by day (migration 012): the days ahead once an hour, and whenever the default
      // partition has grown by a megabyte (a backfill of days that have no partition); every partition's ranges
      const [{ bytes }] = await this.db.query<{ bytes: string | number }>(`SELECT pg_relation_size('events_default')::bigint AS bytes`);
      if (Date.now() - this.partitionsCheckedAt >= PARTITIONS_EVERY_MS || Number(bytes) >= this.defaultBytesChecked + DEFAULT_GROWTH_BYTES) {
        await keepPartitionsAhead(this.db, Date.now());
        this.partitionsCheckedAt = Date.now();
        this.defaultBytesChecked = Number((await this.db.query<{ bytes: string | number }>(`SELECT pg_relation_size('events_default')::bigint AS bytes`))[0].bytes);
      }
      return maintainPartitions(this.db);
    }
    const [row] = await this.db.query<{ n: number; pages: number; analyzed_pages: number }>(
      `SELECT (brin_summarize_new_values('events_seq_brin') + brin_summarize_new_values('events_ts_brin'))::int AS n,
              (pg_relation_size('events') / current_setting('block_size')::int)::float8 AS pages,
              relpages::float8 AS analyzed_pages
       FROM pg_class WHERE oid = 'events'::regclass`,
    );
    const due = Number(row.pages) > 2 * Math.max(Number(row.analyzed_pages), 64);
    if (due) await this.db.query(`ANALYZE events`);
    return { summarizedRanges: Number(row.n), analyzed: due };
  }

  /** Sets TimescaleDB's compression and retention policies (backend 'timescale'), where they differ. */
  async applyTimescalePolicies(settings: TimescaleSettings): Promise<PolicyState> {
    if (this.backend !== 'timescale') throw new Error(`the ${this.backend} store has no TimescaleDB policies`);
    this.policies = await applyPolicies(this.db, settings);
    return this.policies;
  }

  /** TimescaleDB's policies and jobs (backend 'timescale'); null on the other backends. */
  timescaleStatus(): TimescaleStatus | null {
    return this.backend === 'timescale' ? { policies: this.policies, jobs: this.jobWatch.last } : null;
  }

  /** Looks at TimescaleDB's jobs now, running again any that failed or are overdue (the upkeep does it once a minute). */
  checkTimescaleJobs(): Promise<JobCheck> {
    if (this.backend !== 'timescale') throw new Error(`the ${this.backend} store has no TimescaleDB jobs`);
    return this.jobWatch.check(this.db);
  }

  async append(events: ReadonlyArray<{ tenant: string; event: CcEvent }>): Promise<Array<number | null>> {
    if (events.length === 0) return [];
    const rows = events.map(({ tenant, event: e }) => ({
      tenant,
      id: e.id,
      type: e.type,
      ts: e.ts,
      appeal_id: e.appealId ?? null,
      channel: e.channel ?? null,
      queue: e.queue ?? null,
      operator_id: e.operatorId ?? null,
      status: e.status ?? null,
      direction: e.direction ?? null,
      campaign_id: e.campaignId ?? null,
      attrs: e.attrs ?? null,
      key_ts: claimedTs(e),
    }));
    const insert = () => this.db.query<{ seq: number; tenant: string; id: string }>(
      // ON CONFLICT on whichever key the log has: (tenant, id) in the embedded store, (tenant, id, key_ts)
      // in PostgreSQL's log partitioned by day (migration 012) and in TimescaleDB's hypertable (020), where
      // a retry claims the same time
      `INSERT INTO events (tenant, id, type, ts, appeal_id, channel, queue, operator_id, status, direction, campaign_id, attrs, key_ts)
       SELECT x.tenant, x.id, x.type, ${MS.replace('%s', 'ts')}, x.appeal_id, x.channel, x.queue, x.operator_id, x.status, x.direction, x.campaign_id, x.attrs,
              ${MS.replace('%s', 'key_ts')}
       FROM json_to_recordset($1::text::json) AS x(tenant text, id text, type text, ts bigint, appeal_id text, channel text, queue text,
            operator_id text, status text, direction text, campaign_id text, attrs jsonb, key_ts bigint)
       ON CONFLICT DO NOTHING
       RETURNING seq::float8 AS seq, tenant, id`,
      [JSON.stringify(rows)],
    );
    let inserted: Array<{ seq: number; tenant: string; id: string }>;
    for (let attempt = 1; ; attempt++) {
      try {
        inserted = await insert();
        break;
      } catch (err) {
        // A day moved out of the default partition (partitions.ts) while this insert waited for its lock:
        // its rows were routed to the default partition before the move, and PostgreSQL refuses them
        // there after it. The statement changed nothing; routed again, they go to the day's partition.
        if (attempt >= 3 || !isPartitionRerouted(err)) throw err;
      }
    }
    const seqOf = new Map(inserted.map((r) => [`${r.tenant}\u0000${r.id}`, Number(r.seq)]));
    return events.map(({ tenant, event }) => seqOf.get(`${tenant}\u0000${event.id}`) ?? null);
  }

  async readLog(afterSeq: number, limit: number): Promise<LoggedEvent[]> {
    const rows = await this.db.query(`SELECT ${EVENT_COLUMNS} FROM events WHERE seq > $1 ORDER BY seq LIMIT $2`, [afterSeq, limit]);
    return rows.map(toLoggedEvent);
  }

  async readEventsByTime(tenant: string, from: number, to: number): Promise<LoggedEvent[]> {
    const rows = await this.db.query(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE tenant = $1 AND ts >= $2::timestamptz AND ts < $3::timestamptz ORDER BY seq`,
      [tenant, iso(from), iso(to)],
    );
    return rows.map(toLoggedEvent);
  }

  async readAppealEvents(tenant: string, appealIds: string[], maxSeq: number): Promise<LoggedEvent[]> {
    if (appealIds.length === 0) return [];
    const rows = await this.db.query(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE tenant = $1 AND appeal_id = ANY($2::text[]) AND seq <= $3 ORDER BY seq`,
      [tenant, appealIds, maxSeq],
    );
    return rows.map(toLoggedEvent);
  }

  async loadCheckpoint(name: string): Promise<Checkpoint | null> {
    // json comes back as text and is parsed here: drivers differ in whether they parse json themselves
    const [row] = await this.db.query<{ position: number; state: string; commit_id: number }>(
      `SELECT position::float8 AS position, state::text AS state, commit_id::float8 AS commit_id FROM checkpoints WHERE name = $1`,
      [name],
    );
    if (!row) return null;
    const entries = await this.db.query<{ key: string; value: string }>(
      `SELECT key, value::text AS value FROM processor_state WHERE name = $1`,
      [name],
    );
    return {
      name,
      commitId: Number(row.commit_id),
      position: Number(row.position),
      state: JSON.parse(row.state),
      entries: entries.map((e) => ({ key: e.key, value: JSON.parse(e.value) })),
    };
  }

  async commitCheckpoint(c: CheckpointCommit): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [stored] = await tx.query<{ commit_id: number }>(`SELECT commit_id::float8 AS commit_id FROM checkpoints WHERE name = $1 FOR UPDATE`, [c.name]);
      const last = stored ? Number(stored.commit_id) : 0;
      if (last === c.commitId) return; // applied already: only its acknowledgement was lost
      if (last !== c.commitId - 1) throw new Error(`checkpoint ${c.name}: commit ${c.commitId} does not follow the stored ${last} (another writer?)`);
      if (c.rollupDeltas.length) await addRollupDeltas(tx, c.rollupDeltas);
      if (c.deadLetters.length) {
        await tx.query(
          `INSERT INTO dead_letters (tenant, event_id, seq, step, reason, payload)
           SELECT tenant, event_id, seq, step, reason, payload FROM json_to_recordset($1::text::json)
             AS x(tenant text, event_id text, seq bigint, step text, reason text, payload jsonb)`,
          [JSON.stringify(c.deadLetters.map((d) => ({ tenant: d.tenant, event_id: d.eventId, seq: d.seq, step: d.step, reason: d.reason, payload: d.payload })))],
        );
      }
      if (c.deletes.length) {
        await tx.query(`DELETE FROM processor_state WHERE name = $1 AND key = ANY($2::text[])`, [c.name, c.deletes]);
      }
      if (c.upserts.length) {
        await tx.query(
          `INSERT INTO processor_state (name, key, value)
           SELECT $1, x.key, x.value FROM json_to_recordset($2::text::json) AS x(key text, value json)
           ON CONFLICT (name, key) DO UPDATE SET value = excluded.value`,
          [c.name, `[${c.upserts.map((u) => `{"key":${JSON.stringify(u.key)},"value":${u.value}}`).join(',')}]`],
        );
      }
      await tx.query(
        `INSERT INTO checkpoints (name, position, state, commit_id, updated_at) VALUES ($1, $2, $3::text::json, $4, now())
         ON CONFLICT (name) DO UPDATE SET position = excluded.position, state = excluded.state, commit_id = excluded.commit_id, updated_at = excluded.updated_at`,
        [c.name, c.position, c.state, c.commitId],
      );
    });
  }

  queryRollups(q: RollupQuery): Promise<RollupCell[]> {
    return readMinuteCells(this.db, q);
  }

  queryHistory(q: HistoryQuery, pending?: readonly RollupCell[]): Promise<HistoryAggregate[]> {
    return queryHistory(this.db, q, pending);
  }

  qaLevels(q: { tenant: string; at: number; queue?: string; channel?: string }): Promise<QaLevel[]> {
    return qaLevels(this.db, q);
  }

  async listDeadLetters(q: { tenant?: string; limit: number; afterId?: number; notReplayed?: boolean }): Promise<DeadLetter[]> {
    const rows = await this.db.query(
      `SELECT ${DLQ_COLUMNS} FROM dead_letters
       WHERE ($1::text IS NULL OR tenant = $1) AND id > $2 AND (NOT $4::boolean OR replayed_at IS NULL) ORDER BY id LIMIT $3`,
      [q.tenant ?? null, q.afterId ?? 0, q.limit, q.notReplayed ?? false],
    );
    return rows.map(toDeadLetter);
  }

  async getDeadLetter(id: number): Promise<DeadLetter | null> {
    const [row] = await this.db.query(`SELECT ${DLQ_COLUMNS} FROM dead_letters WHERE id = $1`, [id]);
    return row ? toDeadLetter(row) : null;
  }

  async deadLetteredSeqs(seqs: number[]): Promise<number[]> {
    if (seqs.length === 0) return [];
    const rows = await this.db.query<{ seq: number }>(`SELECT DISTINCT seq::float8 AS seq FROM dead_letters WHERE seq = ANY($1::bigint[])`, [seqs]);
    return rows.map((r) => Number(r.seq));
  }

  async markDeadLettersReplayed(ids: number[]): Promise<void> {
    if (ids.length) await this.db.query(`UPDATE dead_letters SET replayed_at = now() WHERE id = ANY($1::bigint[])`, [ids]);
  }

  saveRecommendations(changes: readonly RecommendationChange[]): Promise<void> {
    return saveRecommendations(this.db, changes);
  }

  listRecommendations(q: RecommendationQuery): Promise<StoredRecommendation[]> {
    return listRecommendations(this.db, q);
  }

  lastRecommendationNumber(): Promise<number> {
    return lastRecommendationNumber(this.db);
  }

  putCampaign(c: Campaign): Promise<void> {
    return putCampaign(this.db, c);
  }

  listCampaigns(tenant: string): Promise<Campaign[]> {
    return listCampaigns(this.db, tenant);
  }

  putDestination(d: StoredDestination): Promise<void> {
    return notify.putDestination(this.db, d);
  }

  deleteDestination(tenant: string, id: string): Promise<boolean> {
    return notify.deleteDestination(this.db, tenant, id);
  }

  listDestinations(tenant?: string): Promise<StoredDestination[]> {
    return notify.listDestinations(this.db, tenant);
  }

  readOutbox(afterId: number, limit: number): Promise<OutboxEntry[]> {
    return notify.readOutbox(this.db, afterId, limit);
  }

  outboxRouted(): Promise<number> {
    return notify.outboxRouted(this.db);
  }

  addDeliveries(deliveries: readonly Delivery[], routedUpTo?: number): Promise<void> {
    return notify.addDeliveries(this.db, deliveries, routedUpTo);
  }

  updateDelivery(d: Delivery): Promise<void> {
    return notify.updateDelivery(this.db, d);
  }

  dueDeliveries(now: number, limit: number): Promise<Delivery[]> {
    return notify.dueDeliveries(this.db, now, limit);
  }

  listDeliveries(q: { tenant: string; state?: DeliveryState; limit: number }): Promise<Delivery[]> {
    return notify.listDeliveries(this.db, q);
  }

  getDelivery(tenant: string, key: string): Promise<Delivery | null> {
    return notify.getDelivery(this.db, tenant, key);
  }

  putSettings(s: StoredSettings, expectedVersion: number): Promise<boolean> {
    return putSettings(this.db, s, expectedVersion);
  }

  listSettings(): Promise<StoredSettings[]> {
    return listSettings(this.db);
  }

  addApiKey(k: StoredApiKey): Promise<boolean> {
    return apiKeys.addApiKey(this.db, k);
  }

  revokeApiKey(id: string, at: number): Promise<boolean> {
    return apiKeys.revokeApiKey(this.db, id, at);
  }

  listApiKeys(): Promise<StoredApiKey[]> {
    return apiKeys.listApiKeys(this.db);
  }

  listLogDays(before: number): Promise<number[]> {
    return this.archive.listLogDays(before);
  }

  describeLogDay(day: number, upTo: number): Promise<HeldDay | 'open' | null> {
    return this.archive.describeLogDay(day, upTo);
  }

  holdLogDay(day: number, upTo: number): Promise<HeldDay | 'open' | null> {
    return this.archive.holdLogDay(day, upTo);
  }

  listHeldDays(): Promise<HeldDay[]> {
    return this.archive.listHeldDays();
  }

  readHeldDay(held: HeldDay, afterSeq: number, span: number): Promise<RawLogEvent[]> {
    return this.archive.readHeldDay(held, afterSeq, span);
  }

  removeHeldDay(held: HeldDay, archived: { file: string; part: number; digest: DayDigestResult }): Promise<ArchivedDay> {
    return this.archive.removeHeldDay(held, archived);
  }

  listArchivedDays(q?: { from?: number; to?: number }): Promise<ArchivedDay[]> {
    return this.archive.listArchivedDays(q);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

export const DLQ_COLUMNS = `id::float8 AS id, tenant, event_id, seq::float8 AS seq, step, reason, payload, ${toMs('created_at')} AS created_at, ${toMs('replayed_at')} AS replayed_at`;

const iso = (ms: number) => new Date(ms).toISOString();


export function toDeadLetter(r: Record<string, unknown>): DeadLetter {
  return {
    id: Number(r.id),
    tenant: r.tenant as string,
    eventId: (r.event_id as string | null) ?? null,
    seq: r.seq == null ? null : Number(r.seq),
    step: r.step as string,
    reason: r.reason as string,
    payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
    createdAt: Number(r.created_at),
    replayedAt: r.replayed_at == null ? null : Number(r.replayed_at),
  };
}

export type { Counters };

/** PostgreSQL's refusal of a row routed to a partition whose bounds changed under it (SQLSTATE 23514). */
function isPartitionRerouted(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23514' && /violates partition constraint/.test(e.message ?? '');
}
