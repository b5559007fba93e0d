import type { CcEvent, LoggedEvent } from '../../contract/event.js';
import type { Campaign, Checkpoint, CheckpointCommit, DeadLetter, HistoryAggregate, HistoryQuery, QaLevel, RecommendationChange, RecommendationQuery, RollupCell, RollupQuery, SqlAccess, Storage, StoredRecommendation, StoredSettings, StoredApiKey, HeldDay, RawLogEvent, ArchivedDay, StoredDestination, OutboxEntry, Delivery, DeliveryState } from '../storage.js';
import * as settings from './settings.js';
import * as apiKeys from './api-keys.js';
import { ClickhouseNotify } from './notify.js';
import { chClient, LIVE_PATH, migrate, parseClickhouseUrl, SLOW_PATH, takeLease, type ChClient } from './client.js';
import { ClickhouseCommits } from './commits.js';
import { qaLevels, queryHistory, readMinuteCells } from './history.js';
import { ClickhouseLog } from './log.js';
import * as records from './records.js';
import { sql } from './sql.js';
import { ClickhouseArchiveDays } from './archive-days.js';
import type { DayDigestResult } from '../archive-format.js';
import { clickhouseLogicalStore } from './logical.js';
import type { LogicalStore } from '../migrate/logical.js';

/** How often the commits' old partitions are dropped (kept a partition behind the latest; a partition is 1,000 commits, migration 012). */
const PRUNE_EVERY_MS = 60_000;

export interface OpenOptions {
  /** The time an append arrives at (default: the wall clock); bench/storage.ts replays a week of arrivals in an hour. */
  arrivalClock?: () => number;
}

/**
 * Storage on ClickHouse, for the largest centres (issue #10's third tier): the log in MergeTree tables
 * partitioned by day, checkpoints as single-part inserts, rollups kept by materialized views at three
 * resolutions, history aggregated in the server. See the migrations for the layout and docs/STORAGE.md.
 */
export class ClickhouseStorage implements Storage {
  readonly backend = 'clickhouse';
  private prunedAt = -Infinity;
  private readonly archive: ClickhouseArchiveDays;
  private readonly notify: ClickhouseNotify;

  /** Verify reads ClickHouse from its own thread, with its own connection (storage/clickhouse/verify-reads.ts). */
  sqlAccess?: () => SqlAccess;

  private constructor(
    private readonly db: ChClient,
    private readonly log: ClickhouseLog,
    private readonly commits: ClickhouseCommits,
    private readonly releaseLease: () => Promise<void>,
    /** The slow path's connection (history): its queries give way to the live path's (client.ts SLOW_PATH). */
    private readonly slow: ChClient,
  ) {
    // the archive is slow-path work: its scans and deletions give way to the live path's appends
    this.archive = new ClickhouseArchiveDays(slow);
    this.notify = new ClickhouseNotify(db);
  }

  /**
   * Opens the database a `clickhouse://` URL names, as its one writer: the lease taken, the migrations
   * applied, and any insert a previous writer left running waited out before positions are read.
   */
  static async open(url: string, opts: OpenOptions = {}): Promise<ClickhouseStorage> {
    const target = parseClickhouseUrl(url);
    const bootstrap = chClient(target, null);
    try {
      await bootstrap.command(`CREATE DATABASE IF NOT EXISTS ${target.database}`);
    } finally {
      await bootstrap.close();
    }
    return ClickhouseStorage.openOn(chClient(target, target.database, 60_000, LIVE_PATH), url, chClient(target, target.database, 300_000, SLOW_PATH), opts);
  }

  /** The same, on a client already connected to its database (`url`: how verify's thread reaches it; null: it cannot). */
  static async openOn(db: ChClient, url: string | null, slow: ChClient = db, opts: OpenOptions = {}): Promise<ClickhouseStorage> {
    let release: (() => Promise<void>) | null = null;
    try {
      release = await takeLease(db);
      await migrate(db);
      await waitForEarlierWriters(db);
      const log = new ClickhouseLog(db, opts.arrivalClock);
      const commits = new ClickhouseCommits(db);
      await log.open();
      await commits.open();
      const storage = new ClickhouseStorage(db, log, commits, release, slow);
      if (url !== null) storage.sqlAccess = () => ({ log: { clickhouseUrl: url }, store: { clickhouseUrl: url } });
      return storage;
    } catch (err) {
      await release?.();
      await db.close();
      if (slow !== db) await slow.close();
      throw err;
    }
  }

  /** The store as `ccpulse migrate` copies it (see migrate/logical.ts). */
  logicalStore(name: string): LogicalStore {
    return clickhouseLogicalStore(name, this.db);
  }

  append(events: ReadonlyArray<{ tenant: string; event: CcEvent }>): Promise<Array<number | null>> {
    return this.log.append(events);
  }

  readLog(afterSeq: number, limit: number): Promise<LoggedEvent[]> {
    return this.log.readLog(afterSeq, limit);
  }

  readEventsByTime(tenant: string, from: number, to: number): Promise<LoggedEvent[]> {
    return this.log.readEventsByTime(tenant, from, to, this.slow);
  }

  readAppealEvents(tenant: string, appealIds: string[], maxSeq: number): Promise<LoggedEvent[]> {
    return this.log.readAppealEvents(tenant, appealIds, maxSeq);
  }

  loadCheckpoint(name: string): Promise<Checkpoint | null> {
    return this.commits.load(name);
  }

  commitCheckpoint(commit: CheckpointCommit): Promise<void> {
    return this.commits.commit(commit);
  }

  queryRollups(q: RollupQuery): Promise<RollupCell[]> {
    return readMinuteCells(this.slow, q);
  }

  queryHistory(q: HistoryQuery, pending?: readonly RollupCell[]): Promise<HistoryAggregate[]> {
    return queryHistory(this.slow, q, pending);
  }

  qaLevels(q: { tenant: string; at: number; queue?: string; channel?: string }): Promise<QaLevel[]> {
    return qaLevels(this.db, q);
  }

  listDeadLetters(q: { tenant?: string; limit: number; afterId?: number; notReplayed?: boolean }): Promise<DeadLetter[]> {
    return records.listDeadLetters(this.db, q);
  }

  getDeadLetter(id: number): Promise<DeadLetter | null> {
    return records.getDeadLetter(this.db, id);
  }

  deadLetteredSeqs(seqs: number[]): Promise<number[]> {
    return records.deadLetteredSeqs(this.db, seqs);
  }

  markDeadLettersReplayed(ids: number[]): Promise<void> {
    return records.markDeadLettersReplayed(this.db, ids);
  }

  async saveRecommendations(changes: readonly RecommendationChange[]): Promise<void> {
    // the notifier's outbox first (no transaction here): a change stored is never one it misses
    await this.notify.writeOutbox(changes);
    await records.saveRecommendations(this.db, changes);
  }

  listRecommendations(q: RecommendationQuery): Promise<StoredRecommendation[]> {
    return records.listRecommendations(this.db, q);
  }

  async lastRecommendationNumber(): Promise<number> {
    // an outbox entry whose item a kill kept from being stored still holds its number
    const [stored, outbox] = await Promise.all([records.lastRecommendationNumber(this.db), this.notify.lastNumber()]);
    return Math.max(stored, outbox);
  }

  putDestination(d: StoredDestination): Promise<void> {
    return this.notify.putDestination(d);
  }

  deleteDestination(tenant: string, id: string): Promise<boolean> {
    return this.notify.deleteDestination(tenant, id);
  }

  listDestinations(tenant?: string): Promise<StoredDestination[]> {
    return this.notify.listDestinations(tenant);
  }

  readOutbox(afterId: number, limit: number): Promise<OutboxEntry[]> {
    return this.notify.readOutbox(afterId, limit);
  }

  outboxRouted(): Promise<number> {
    return this.notify.outboxRouted();
  }

  addDeliveries(deliveries: readonly Delivery[], routedUpTo?: number): Promise<void> {
    return this.notify.addDeliveries(deliveries, routedUpTo);
  }

  updateDelivery(d: Delivery): Promise<void> {
    return this.notify.updateDelivery(d);
  }

  dueDeliveries(now: number, limit: number): Promise<Delivery[]> {
    return this.notify.dueDeliveries(now, limit);
  }

  listDeliveries(q: { tenant: string; state?: DeliveryState; limit: number }): Promise<Delivery[]> {
    return this.notify.listDeliveries(q);
  }

  getDelivery(tenant: string, key: string): Promise<Delivery | null> {
    return this.notify.getDelivery(tenant, key);
  }

  putCampaign(c: Campaign): Promise<void> {
    return records.putCampaign(this.db, c);
  }

  listCampaigns(tenant: string): Promise<Campaign[]> {
    return records.listCampaigns(this.db, tenant);
  }

  putSettings(s: StoredSettings, expectedVersion: number): Promise<boolean> {
    return settings.putSettings(this.db, s, expectedVersion);
  }

  listSettings(): Promise<StoredSettings[]> {
    return settings.listSettings(this.db);
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

  /** ClickHouse merges and summarizes by itself; what is left is dropping the commits' old partitions, every minute. */
  async maintainLog(): Promise<{ summarizedRanges: number; analyzed: boolean }> {
    if (Date.now() - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = Date.now();
      await this.commits.prune();
    }
    return { summarizedRanges: 0, analyzed: false };
  }

  /** On the live path's client (the slow path's may be busy with an export); ClickHouse's own priority puts it first. */
  async ping(): Promise<void> {
    // the HTTP client would open a new connection after close(): a closed store must say it is closed
    if (this.closed) throw new Error('the ClickHouse storage is closed');
    await this.db.rows(sql`SELECT 1 AS ok`);
  }

  private closed = false;

  async close(): Promise<void> {
    this.closed = true;
    await this.releaseLease();
    await this.db.close();
    if (this.slow !== this.db) await this.slow.close();
  }
}

/** Waits until no append or commit of an earlier writer (killed mid-insert) still runs on the server. */
async function waitForEarlierWriters(db: ChClient, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [r] = await db.rows<{ n: string }>(
      sql`SELECT count() AS n FROM system.processes WHERE startsWith(query_id, 'ccpulse-append-') OR startsWith(query_id, 'ccpulse-commit-')`,
    );
    if (Number(r.n) === 0) return;
    if (Date.now() > until) throw new Error(`an earlier writer's inserts still run on ClickHouse after ${timeoutMs / 1000} s`);
    await new Promise((res) => setTimeout(res, 100));
  }
}
