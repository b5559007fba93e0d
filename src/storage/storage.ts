import type { MessagePort } from 'node:worker_threads';
import type { CcEvent, LoggedEvent } from '../contract/event.js';
import type { CounterSums, Counters } from '../metrics/counters.js';
import type { SlPolicy } from '../metrics/finalize.js';
import type { DayDigestResult } from './archive-format.js';
import type { JobRerun } from './postgres/timescale/jobs.js';

/**
 * The one storage interface every backend implements (PGlite, PostgreSQL, PostgreSQL with TimescaleDB,
 * ClickHouse). `conformance.ts` is the suite each backend must pass.
 *
 * Exactly-once rests on two rules that do not need multi-statement transactions:
 *  - the log is append-only and idempotent on (tenant, event id);
 *  - `commitCheckpoint` applies rollup deltas, dead letters and the processor state *together with* the
 *    log position they cover. A backend with transactions does it in one; one without must make the
 *    write idempotent for that position range.
 */
export interface Storage {
  readonly backend: string;

  /**
   * Appends events to the log. Returns, per input event, its log position (seq) or null when that
   * (tenant, id) was already logged. Input pairs must be distinct. Durable when the promise resolves.
   */
  append(events: ReadonlyArray<{ tenant: string; event: CcEvent }>): Promise<Array<number | null>>;

  /** Log entries with seq > afterSeq, in seq order. */
  readLog(afterSeq: number, limit: number): Promise<LoggedEvent[]>;

  /** Events of one tenant with event time in [from, to), in seq order (batch recomputation, verify). */
  readEventsByTime(tenant: string, from: number, to: number): Promise<LoggedEvent[]>;

  /** Every logged event of these appeals of one tenant with seq ≤ maxSeq, in seq order (reconciling late events). */
  readAppealEvents(tenant: string, appealIds: string[], maxSeq: number): Promise<LoggedEvent[]>;

  loadCheckpoint(name: string): Promise<Checkpoint | null>;
  commitCheckpoint(commit: CheckpointCommit): Promise<void>;

  /** Minute rollup cells of one tenant in [from, to), queue-level or operator-level (live seeding, verify). */
  queryRollups(q: RollupQuery): Promise<RollupCell[]>;

  /**
   * History aggregated in the store: one row per group × interval, from rollups kept at several
   * resolutions, so the cost follows the size of the answer, not of the history. `pending` are cells
   * not committed yet, aggregated with the stored ones. Histograms are merged in the store; only the
   * answer's rows come back.
   */
  queryHistory(q: HistoryQuery, pending?: readonly RollupCell[]): Promise<HistoryAggregate[]>;

  /** QA per queue × channel at time `at` (the running sum of qaDelta of every cell before it), kept incrementally. */
  qaLevels(q: { tenant: string; at: number; queue?: string; channel?: string }): Promise<QaLevel[]>;

  listDeadLetters(q: { tenant?: string; limit: number; afterId?: number; notReplayed?: boolean }): Promise<DeadLetter[]>;
  getDeadLetter(id: number): Promise<DeadLetter | null>;
  /** Which of these log positions were dead-lettered. */
  deadLetteredSeqs(seqs: number[]): Promise<number[]>;
  markDeadLettersReplayed(ids: number[]): Promise<void>;

  /**
   * Recommendations and alerts: stores each transition and the item as it stands after it, in one
   * transaction (an item's row is replaced by its latest state; transitions are appended).
   */
  saveRecommendations(changes: readonly RecommendationChange[]): Promise<void>;
  /** Items of one tenant: those not resolved (`open`), or those whose lifetime overlaps [from, to), newest first. */
  listRecommendations(q: RecommendationQuery): Promise<StoredRecommendation[]>;
  /** The highest item number stored (0 with none): numbering goes on from there after a restart. */
  lastRecommendationNumber(): Promise<number>;

  /**
   * Notifications (src/notify). Every saved lifecycle change also goes to the outbox, in the same write
   * as the change (saveRecommendations): a change stored is a change the notifier will see.
   */
  putDestination(d: StoredDestination): Promise<void>;
  /** Removes a destination; false when the tenant has none of that id. */
  deleteDestination(tenant: string, id: string): Promise<boolean>;
  /** Destinations of a tenant, or of every tenant, by tenant and id. */
  listDestinations(tenant?: string): Promise<StoredDestination[]>;
  /** Outbox entries after `afterId`, in id order. */
  readOutbox(afterId: number, limit: number): Promise<OutboxEntry[]>;
  /** The outbox id routed up to (0 at first). */
  outboxRouted(): Promise<number>;
  /**
   * Records deliveries (one already there under its key stays as it is: a delivery is made once) and, when
   * given, that the outbox is routed up to `routedUpTo`; both at once.
   */
  addDeliveries(deliveries: readonly Delivery[], routedUpTo?: number): Promise<void>;
  /** Replaces a delivery's state (its attempts, next try, error, sent time). */
  updateDelivery(d: Delivery): Promise<void>;
  /** Pending deliveries due at `now`, oldest due first. */
  dueDeliveries(now: number, limit: number): Promise<Delivery[]>;
  /** A tenant's deliveries, newest first; of one state when given. */
  listDeliveries(q: { tenant: string; state?: DeliveryState; limit: number }): Promise<Delivery[]>;
  getDelivery(tenant: string, key: string): Promise<Delivery | null>;

  /** Registers an outbound campaign, or replaces its registration. */
  putCampaign(c: Campaign): Promise<void>;
  /** A tenant's registered campaigns, by id. */
  listCampaigns(tenant: string): Promise<Campaign[]>;

  /**
   * A tenant's settings as saved through PUT /v1/settings (src/settings), replacing the last ones only
   * if they are still at `expectedVersion` (0: none saved yet); the new version is expectedVersion + 1.
   * False when another save came first: the caller reads them again.
   */
  putSettings(s: StoredSettings, expectedVersion: number): Promise<boolean>;
  /** Every tenant's saved settings (read once at start). */
  listSettings(): Promise<StoredSettings[]>;

  /**
   * API keys (issue #14, src/api/keys): only their scrypt hash is stored, never the key. A key is added
   * once under its public id (false when that id is taken) and revoked by setting revokedAt, never
   * deleted, so an id is never given out twice and the list shows what was revoked and when.
   */
  addApiKey(k: StoredApiKey): Promise<boolean>;
  /** Marks a key revoked at `at`; false when there is no such key or it was revoked already. */
  revokeApiKey(id: string, at: number): Promise<boolean>;
  /** Every key, revoked ones too, oldest first (read once at start; the server keeps them in memory). */
  listApiKeys(): Promise<StoredApiKey[]>;

  /**
   * The archive (issue #10; src/archive/, docs/STORAGE.md "Archive"): a day of the log (UTC, by the time
   * each event claims, key_ts) leaves the hot store only once a file holding it has been written and
   * checked. The steps, each safe to repeat after a crash:
   *  1. `listLogDays`: the days that could go; `holdLogDay`: one of them fixed, if the stream has applied
   *     all its events (else it is still open and stays);
   *  2. `readHeldDay`: its events, page by page, in seq order, into the file;
   *  3. `removeHeldDay`: the store checks its own copy against the file's count and checksum, and removes
   *     the day and records it (`listArchivedDays`) in one transaction, or refuses and changes nothing.
   * A backend without transactions (ClickHouse) can do the same: hold = a day's partition taken apart
   * (DETACH PARTITION / MOVE PARTITION TO TABLE), remove = drop it after inserting the record, each step
   * idempotent, the record's presence telling a rerun which of the two happened.
   */
  /** Days of the hot log whose whole day (UTC) ends at or before `before`, holding at least one event, oldest first (epoch ms of each day's start). */
  listLogDays(before: number): Promise<number[]>;
  /**
   * A day's events as they stand, without holding them: null when it has none, 'open' when one of them
   * has a seq above `upTo` (the stream has not applied it yet: the day must not go). Read-only (--dry-run).
   */
  describeLogDay(day: number, upTo: number): Promise<HeldDay | 'open' | null>;
  /**
   * Fixes a day's events for archiving, as describeLogDay decides, so that what is checked is what is
   * removed. PostgreSQL takes the day's partition out of the log (DETACH PARTITION; a day waiting in the
   * default partition gets its own first) and keeps it apart until removeHeldDay drops it; a later event
   * for that day goes to the log as usual. The embedded store moves nothing: the day's events up to its
   * highest seq are a fixed set already (the log is append-only and a new event gets a higher seq).
   * A day already held apart is returned as it is.
   */
  holdLogDay(day: number, upTo: number): Promise<HeldDay | 'open' | null>;
  /** Days held apart by a run that did not finish (PostgreSQL's detached partitions): a rerun archives them first. */
  listHeldDays(): Promise<HeldDay[]>;
  /**
   * One page of a held (or described) day, in seq order: its events with seq in (afterSeq, afterSeq + span].
   * A page may be empty before the end; the caller walks from `minSeq − 1` to `maxSeq` in steps of
   * `span`, so a day of any size is read in bounded memory.
   */
  readHeldDay(held: HeldDay, afterSeq: number, span: number): Promise<RawLogEvent[]>;
  /**
   * Removes a held day from the hot store and records it as archived, in one transaction, if its events
   * are exactly those of `archived.digest` (count and checksum, see archive-format.ts, recomputed here
   * from the store's own rows). Otherwise throws ArchiveMismatchError and changes nothing.
   */
  removeHeldDay(held: HeldDay, archived: { file: string; part: number; digest: DayDigestResult }): Promise<ArchivedDay>;
  /** The archived days (every part), oldest first; with `from`/`to`, those overlapping [from, to). */
  listArchivedDays(q?: { from?: number; to?: number }): Promise<ArchivedDay[]>;

  /** The memory of the backend's own threads (the embedded databases), as they last reported it; absent where it has none. */
  threadMemory?(): ThreadMemory[];
  /**
   * How a worker thread can read this backend's databases itself, so that a long read (verify) runs
   * off the main thread and its rows never cross it. Absent: the backend offers no such access.
   */
  sqlAccess?(): SqlAccess;
  /**
   * How a history thread reaches this storage's history reads (queryHistory, qaLevels) without the main
   * thread relaying them: its own connection to PostgreSQL, or a port to the embedded store's thread.
   * Absent (a database on the main thread, as in tests): history is read on the main thread.
   */
  historyAccess?(): HistoryAccess;
  /**
   * The log's upkeep, for the engine to run every few seconds where the storage does not do it itself
   * (see SqlStorage.maintainLog). Absent where it is done elsewhere (the embedded store's log thread).
   */
  maintainLog?(): Promise<LogUpkeep>;

  /**
   * The cheapest round trip to every database the backend holds (a `SELECT 1`): resolves when each
   * answered, rejects when one cannot be reached or the storage is closed. What GET /readyz asks, with a
   * short timeout of its own; it never waits behind a long query of the slow path where it can avoid it.
   */
  ping(): Promise<void>;

  close(): Promise<void>;
}

/** What one run of the log's upkeep did (Storage.maintainLog). */
export interface LogUpkeep {
  /** Block ranges of the log's BRIN indexes summarized. */
  summarizedRanges: number;
  /** Whether statistics were taken of (part of) the log. */
  analyzed: boolean;
  /** TimescaleDB: its background jobs this run found failed or overdue and ran again (postgres/timescale/jobs.ts). */
  jobsRerun?: JobRerun[];
}

/** How often the log's owner runs its upkeep (Storage.maintainLog): a range of 128 pages fills in ~0.3 s at full ingest. */
export const LOG_UPKEEP_EVERY_MS = 2_000;

/** An item of advice or an alert as stored (see recommend/lifecycle: Item). */
export interface StoredRecommendation {
  tenant: string;
  /** Its number: the id is "r" + num. */
  num: number;
  key: string;
  kind: string;
  state: 'open' | 'acknowledged' | 'resolved';
  severity: 'info' | 'warning' | 'critical';
  reason: string;
  data: Record<string, unknown>;
  openedAt: number;
  updatedAt: number;
  acknowledgedAt?: number;
  acknowledgedBy?: string;
  resolvedAt?: number;
}

/** An outbound campaign as registered (PUT /v1/campaigns/:id). */
export interface Campaign {
  tenant: string;
  id: string;
  /** The queue its calls go to, when it is not learned from the events. */
  queue?: string;
  /** Contacts on the list. */
  listSize: number;
  /** Epoch ms by which the list should be done. */
  deadline: number;
  /** The most dropped calls allowed, % of answered. */
  dropCapPct: number;
  /** Share of dialled contacts that answer, when known (0–1): the answered calls the list will make. */
  answerRate?: number;
  registeredAt: number;
}

/** A tenant's settings as saved: the document (JSON, src/settings/schema.ts), its version, when it was saved. */
export interface StoredSettings {
  tenant: string;
  version: number;
  settings: string;
  updatedAt: number;
}

/** The role an API key grants within its tenant (src/api/keys/roles.ts). */
export type KeyRole = 'ingest' | 'read' | 'admin';

/** An API key as stored: its public id (the `ccp_<id>_…` part), never the secret; see Storage.addApiKey. */
export interface StoredApiKey {
  id: string;
  tenant: string;
  role: KeyRole;
  name: string;
  /** scrypt of the whole key, with its parameters and salt (src/api/keys/key-hash.ts). */
  hash: string;
  /** The key's last four characters, to tell keys apart in a list. */
  last4: string;
  createdAt: number;
  /** When it was revoked; null while it is valid. */
  revokedAt: number | null;
}

export interface RecommendationChange {
  item: StoredRecommendation;
  from: StoredRecommendation['state'] | null;
  to: StoredRecommendation['state'];
  at: number;
}

/** A tenant's notification destination (src/notify/destination.ts), as its JSON document (secrets included: the API never shows them). */
export interface StoredDestination {
  tenant: string;
  id: string;
  doc: string;
  updatedAt: number;
}

/** A lifecycle change waiting to be routed to destinations. */
export interface OutboxEntry {
  id: number;
  tenant: string;
  num: number;
  from: StoredRecommendation['state'] | null;
  to: StoredRecommendation['state'];
  at: number;
  /** The item as it stood after the change. */
  item: StoredRecommendation;
}

export type DeliveryState = 'pending' | 'sent' | 'dead';

/** One message to one destination: made once per (item, event, destination), its key saying which. */
export interface Delivery {
  key: string;
  tenant: string;
  destination: string;
  num: number;
  /** Why it is sent: open, escalated, resolved, test. */
  event: string;
  state: DeliveryState;
  attempts: number;
  /** When it is tried next (pending), epoch ms. */
  nextAt: number;
  lastError: string | null;
  createdAt: number;
  sentAt: number | null;
  /** What is sent, as JSON (rendered when it was routed). */
  message: string;
}

export type RecommendationQuery = { tenant: string; limit: number } & ({ open: true } | { open?: false; from: number; to: number });

export interface ThreadMemory {
  thread: string;
  /** V8's heap of that thread. */
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  /** PGlite's WebAssembly memory (its whole PostgreSQL: shared buffers, caches, query memory). */
  wasmMb: number;
  /** Where the thread vacuums its database (PGlite has no autovacuum): how many times so far, and the last one's duration. */
  vacuums?: number;
  lastVacuumMs?: number;
  /** Where the thread summarizes the log's block ranges (see SqlStorage.maintainLog): ranges summarized so far. */
  summarizedRanges?: number;
}

/**
 * A database a worker thread can query: a PostgreSQL server to connect to, a port to a thread that holds
 * it (PGlite), or a ClickHouse database (its own dialect: readers made for it, e.g. verify's).
 */
export type SqlEndpoint = { postgresUrl: string } | { port: MessagePort } | { clickhouseUrl: string };

/** See Storage.historyAccess: a PostgreSQL URL, or a port answering storage calls ({ id, method, args }). */
export type HistoryAccess = { postgresUrl: string } | { callPort: MessagePort };

/** The log (events) and the store (rollups, checkpoints, dead letters): one database or two. */
export interface SqlAccess {
  log: SqlEndpoint;
  store: SqlEndpoint;
}

export interface RollupCell {
  tenant: string;
  queue: string;
  channel: string;
  /** '' for queue-level cells. */
  operator: string;
  /** Minute start, epoch ms. */
  bucket: number;
  counters: Counters;
}

/** Which cells a read covers: [from, to), queue-level or operator-level, optionally one queue, channel or operator. */
interface CellRange {
  from: number;
  to: number;
  level: 'queue' | 'operator';
  queue?: string;
  channel?: string;
  operator?: string;
}

export interface RollupQuery extends CellRange {
  /** Omitted: every tenant. */
  tenant?: string;
}

/** `team`: an operator's team in the tenant's settings ('' for an operator in none; see HistoryQuery.teams). */
export type GroupKey = 'queue' | 'channel' | 'operator' | 'team';

export interface HistoryQuery extends CellRange {
  tenant: string;
  /** `from` and `to` in whole minutes. */
  groupBy: readonly GroupKey[];
  /** Row interval in ms (whole minutes), slots aligned on the epoch; absent: one slot, starting at `from`. */
  intervalMs?: number;
  /** SL policy per cell: a queue's own, else its channel's, else the default (see config slPolicyOf). */
  sl: SlPolicies;
  /** Operator → team pairs (each operator once), read when grouping by team: an operator in none is in team ''. */
  teams?: ReadonlyArray<readonly [string, string]>;
  /** At most this many aggregates are returned; one more means the answer is too big (the caller says so). */
  limit: number;
}

export interface SlPolicies {
  default: SlPolicy;
  queues: ReadonlyArray<[string, SlPolicy]>;
  channels: ReadonlyArray<[string, SlPolicy]>;
}

/** The sums of one group over one slot, and what its merged histograms say; turned into metrics by metrics/history.ts. */
export interface HistoryAggregate extends CounterSums {
  queue?: string;
  channel?: string;
  operator?: string;
  team?: string;
  /** Slot start, epoch ms. */
  slot: number;
  /** Answered within target plus abandons that count against SL, each cell judged by its own queue's policy. */
  slWithin: number;
  slTotal: number;
  /** Nearest-rank percentiles of the answered waits, as histogram bins; null when none. */
  waitP50Bin: number | null;
  waitP90Bin: number | null;
  waitP95Bin: number | null;
  /** Highest bin of any wait that ended, answered or abandoned. */
  longestBin: number | null;
}

export interface QaLevel {
  queue: string;
  channel: string;
  qa: number;
}

export interface Checkpoint {
  name: string;
  /** Number of the last commit (see CheckpointCommit.commitId). */
  commitId: number;
  /** Log position (seq) the state and rollups include. */
  position: number;
  state: unknown;
  /** The keyed state as of `position`. */
  entries: Array<{ key: string; value: unknown }>;
}

export interface CheckpointCommit {
  name: string;
  /**
   * The previous commit's number plus one. A commit whose number is already stored was applied before
   * (its acknowledgement was lost) and is not applied again; any other gap is an error.
   */
  commitId: number;
  position: number;
  /** The processor's small global state, already serialized as JSON (taken at `position`, so it cannot drift). */
  state: string;
  /** Keyed state changed since the previous checkpoint (values serialized JSON). */
  upserts: Array<{ key: string; value: string }>;
  /** Keys whose state is no longer kept. */
  deletes: string[];
  rollupDeltas: RollupCell[];
  deadLetters: DeadLetter[];
}

export interface DeadLetter {
  id?: number;
  tenant: string;
  eventId: string | null;
  seq: number | null;
  /** The pipeline step that gave up on the event. */
  step: string;
  reason: string;
  payload: unknown;
  createdAt?: number;
  replayedAt?: number | null;
}

/** A logged event with what only the archive keeps of it: the time it claimed (its day) and when it arrived (µs). */
export interface RawLogEvent extends LoggedEvent {
  keyTs: number;
  receivedAtUs: number;
}

/** A day of the log fixed for archiving: its events (those claiming the day with seq ≤ maxSeq). */
export interface HeldDay {
  /** Start of the day, UTC, epoch ms. */
  day: number;
  events: number;
  minSeq: number;
  maxSeq: number;
  /** Held apart from the log (PostgreSQL: a detached partition), rather than fixed within it by seq. */
  apart: boolean;
}

/** A day (one part of it) in the archive: its file, and the digest it was checked by before it left the hot store. */
export interface ArchivedDay extends DayDigestResult {
  day: number;
  /** 1 for the day's first archive; a day that received late events after it is archived again as part 2, 3, … */
  part: number;
  /** The file's name within the archive directory. */
  file: string;
  archivedAt: number;
}

/** The hot store's copy of a day is not what the archive file holds: nothing was removed. */
export class ArchiveMismatchError extends Error {
  override name = 'ArchiveMismatchError';
}

export const DAY_MS = 86_400_000;
