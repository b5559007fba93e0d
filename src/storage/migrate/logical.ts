/**
 * `ccpulse migrate` between stores of different dialects (ClickHouse and the PostgreSQL family): what a
 * store holds, as logical rows any backend reads and writes the same, copied table by table and checked
 * by counts and checksums of those rows on both sides. Between the embedded store and PostgreSQL the
 * SQL copy of migrate.ts is used instead (row for row, checksums computed by each database).
 *
 * Resumable: every write is one atomic step (a page of the log, one day of rollups, a small table
 * whole); a run started again carries on after the last key the target holds, and writes a small table
 * only where the target has none of it.
 */
import { createHash } from 'node:crypto';
import type { ArchivedDay, RollupCell, StoredRecommendation, Campaign, DeadLetter, StoredSettings, StoredDestination, Delivery, StoredApiKey } from '../storage.js';
import { toPairs } from '../postgres/rollups.js';
import { MigrationError, type MigrateOptions, type TableReport } from './migrate.js';

/** A logged event as both dialects keep it: its position, when it arrived, the time it claimed. */
export interface EventRow {
  seq: number;
  arrived: number;
  tenant: string;
  id: string;
  type: string;
  ts: number;
  keyTs: number;
  appealId: string | null;
  channel: string | null;
  queue: string | null;
  operatorId: string | null;
  status: string | null;
  direction: string | null;
  campaignId: string | null;
  /** JSON text, or null. */
  attrs: string | null;
}

export interface StateRow {
  name: string;
  key: string;
  /** JSON text. */
  value: string;
}

export interface CheckpointRow {
  name: string;
  commitId: number;
  position: number;
  /** JSON text. */
  state: string;
}

export interface TransitionRow {
  tenant: string;
  num: number;
  from: string | null;
  to: string;
  at: number;
}

/** A table read in pages of increasing numeric keys, and written a page at a time (each write atomic). */
export interface KeyedTable<Row> {
  count(): Promise<number>;
  /** The highest key the store holds (null: none). */
  lastKey(): Promise<number | null>;
  /** The rows of the next `limit` keys after `after`, in key order (one row a key, but a day of rollup cells). */
  page(after: number | null, limit: number): Promise<Array<{ key: number; row: Row }>>;
  write(rows: Row[]): Promise<void>;
}

/** A small table read and written whole, in one atomic write: a target holds all of it or none. */
export interface WholeTable<Row> {
  all(): Promise<Row[]>;
  write(rows: Row[]): Promise<void>;
}

/** A store as the logical copy sees it. */
export interface LogicalStore {
  name: string;
  /** The record of a migration into this store: its source and whether it finished (null: none). */
  readMark(): Promise<{ source: string; finished: boolean } | null>;
  writeMark(source: string, finished: boolean): Promise<void>;
  /** Whether it holds events or a checkpoint (a target must not, unless it holds this copy). */
  holdsData(): Promise<boolean>;
  events: KeyedTable<EventRow>;
  /** Minute rollup cells, keyed by their UTC day: the coarser resolutions and QA totals follow from them. */
  cells: KeyedTable<RollupCell>;
  deadLetters: KeyedTable<DeadLetter>;
  recommendations: KeyedTable<StoredRecommendation>;
  transitions: WholeTable<TransitionRow>;
  campaigns: WholeTable<Campaign>;
  /** Notification destinations and deliveries (the outbox is not copied: what it held is routed already, or is in the deliveries). */
  destinations: WholeTable<StoredDestination>;
  deliveries: WholeTable<Delivery>;
  settings: WholeTable<StoredSettings>;
  /** API keys as stored (hashes, never secrets), revoked ones too: the copy's server accepts the same keys. */
  apiKeys: WholeTable<StoredApiKey>;
  state: WholeTable<StateRow>;
  checkpoints: WholeTable<CheckpointRow>;
  /** The archive's record of the days that left the log (their files stay in the archive directory). */
  archivedDays: WholeTable<ArchivedDay>;
  /** Days an interrupted archive run holds apart, out of the log and not archived: a copy would lose them. */
  heldDays(): Promise<string[]>;
  /** Upkeep after the copy (sequences carried on, staging dropped). */
  finish(): Promise<void>;
}

const PAGE = 5_000;

/** JSON with object keys sorted, so that the same value is the same text on both sides (jsonb reorders keys). */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** A row as the text both sides hash: JSON-like text with histograms and maps in a fixed order. */
function rowText(table: string, row: unknown): string {
  if (table === 'events') {
    const e = row as EventRow;
    return canonicalJson({ ...e, attrs: e.attrs === null ? null : canonicalJson(JSON.parse(e.attrs)) });
  }
  if (table === 'cells') {
    const c = row as RollupCell;
    const k = c.counters;
    return canonicalJson({ ...c, counters: { ...k, waitHist: toPairs(k.waitHist), abandonHist: toPairs(k.abandonHist), repairs: Object.entries(k.repairs).filter(([, n]) => n !== 0).sort() } });
  }
  if (table === 'state') {
    const s = row as StateRow;
    return canonicalJson({ ...s, value: canonicalJson(JSON.parse(s.value)) });
  }
  if (table === 'tenant_settings') {
    const t = row as StoredSettings;
    return canonicalJson({ ...t, settings: canonicalJson(JSON.parse(t.settings)) });
  }
  if (table === 'checkpoints') {
    const c = row as CheckpointRow;
    return canonicalJson({ ...c, state: canonicalJson(JSON.parse(c.state)) });
  }
  return canonicalJson(row);
}

/** Order-independent checksum of rows: the sum of each row's hash (60 bits of its SHA-1), as decimal text. */
class Checksum {
  rows = 0;
  private sum = 0n;
  add(table: string, row: unknown): void {
    this.rows++;
    this.sum += BigInt(`0x${createHash('sha1').update(rowText(table, row)).digest('hex').slice(0, 15)}`);
  }
  get text(): string {
    return this.sum.toString();
  }
}

async function keyedChecksum<Row>(table: string, t: KeyedTable<Row>): Promise<Checksum> {
  const c = new Checksum();
  let after: number | null = null;
  for (;;) {
    const page = await t.page(after, PAGE);
    if (page.length === 0) return c;
    for (const { row } of page) c.add(table, row);
    after = page[page.length - 1].key;
  }
}

async function wholeChecksum<Row>(table: string, t: WholeTable<Row>): Promise<Checksum> {
  const c = new Checksum();
  for (const row of await t.all()) c.add(table, row);
  return c;
}

/**
 * Copies `from` into `to` and checks every table on both sides; the same contract as migrateStore
 * (migrate.ts): the target empty or holding an interrupted copy of the same source.
 */
export async function migrateLogical(from: LogicalStore, to: LogicalStore, opts: MigrateOptions = {}): Promise<TableReport[]> {
  const held = await from.heldDays();
  if (held.length) {
    throw new MigrationError(`${from.name} holds ${held.length === 1 ? 'a day' : `${held.length} days`} an interrupted archive run took out of the log (${held.join(', ')}): run ccpulse archive on it first, so that it finishes them`);
  }
  const mark = await to.readMark();
  if (mark && mark.source !== from.name) throw new MigrationError(`${to.name} holds a migration from ${mark.source}, not from ${from.name}: give it an empty store`);
  if (!mark) {
    if (await to.holdsData()) throw new MigrationError(`${to.name} already holds data (events or a checkpoint): migrate into an empty store`);
    await to.writeMark(from.name, false);
  }
  const finished = mark?.finished ?? false;
  const reports: TableReport[] = [];

  const keyed = async <Row>(name: string, src: KeyedTable<Row>, dst: KeyedTable<Row>, pageRows: number) => {
    const total = await src.count();
    let done = finished ? total : await dst.count();
    let copied = 0;
    opts.onProgress?.({ table: name, done, total });
    if (!finished) {
      let after = await dst.lastKey();
      for (;;) {
        const page = await src.page(after, pageRows);
        if (page.length === 0) break;
        await dst.write(page.map((p) => p.row));
        copied += page.length;
        done += page.length;
        opts.onProgress?.({ table: name, done: Math.min(done, total), total });
        after = page[page.length - 1].key;
      }
    }
    const [a, b] = await Promise.all([keyedChecksum(name, src), keyedChecksum(name, dst)]);
    check(name, a, b);
    reports.push({ table: name, rows: a.rows, copied, checksum: a.text });
  };
  const whole = async <Row>(name: string, src: WholeTable<Row>, dst: WholeTable<Row>) => {
    const rows = await src.all();
    opts.onProgress?.({ table: name, done: 0, total: rows.length });
    if (!finished && (await dst.all()).length === 0) await dst.write(rows);
    opts.onProgress?.({ table: name, done: rows.length, total: rows.length });
    const [a, b] = await Promise.all([wholeChecksum(name, src), wholeChecksum(name, dst)]);
    check(name, a, b);
    reports.push({ table: name, rows: a.rows, copied: finished ? 0 : rows.length, checksum: a.text });
  };
  const check = (name: string, a: Checksum, b: Checksum) => {
    if (a.rows !== b.rows || a.text !== b.text) {
      throw new MigrationError(`${name} differs after the copy: ${a.rows} rows in ${from.name}, ${b.rows} in ${to.name}${a.rows === b.rows ? ' (same count, different contents)' : ''}`);
    }
  };

  const pageRows = opts.pageRows ?? PAGE;
  await keyed('events', from.events, to.events, pageRows);
  await whole('archived_days', from.archivedDays, to.archivedDays);
  await keyed('rollups', from.cells, to.cells, 1); // a day at a time
  await keyed('dead_letters', from.deadLetters, to.deadLetters, pageRows);
  await keyed('recommendations', from.recommendations, to.recommendations, pageRows);
  await whole('recommendation_transitions', from.transitions, to.transitions);
  await whole('campaigns', from.campaigns, to.campaigns);
  await whole('tenant_settings', from.settings, to.settings);
  await whole('api_keys', from.apiKeys, to.apiKeys);
  await whole('notify_destinations', from.destinations, to.destinations);
  await whole('notify_deliveries', from.deliveries, to.deliveries);
  await whole('processor_state', from.state, to.state);
  // last: a target with the checkpoint is a store whose rollups and state are all there
  await whole('checkpoints', from.checkpoints, to.checkpoints);
  if (!finished) {
    await to.finish();
    await to.writeMark(from.name, true);
  }
  return reports;
}
