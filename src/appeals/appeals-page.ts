import type { SlPolicy } from '../metrics/finalize.js';
import type { SlPolicies } from '../storage/storage.js';
import type { VerifyReads } from '../verify/log-reads.js';
import { appealsMaybeOpenAt, pages, readStories } from '../verify/verify-range.js';
import { storyOrder } from '../metrics/appeal-story.js';
import { encodeCursor, type AppealsCursor } from './cursor.js';
import { openAt, segmentItems, type Count, type CountedAs, type SegmentItem } from './segment-items.js';

/**
 * One page of GET /v1/appeals, read from the log in bounded memory (it runs on the verify thread).
 *
 * Every number of the rollups sits at an event's time (offered at the queued-at event, answered at the
 * appointment, handled at the close, missed at the miss), so the appeals behind the numbers of [from, to)
 * are among the appeals with an event in it. The range is walked in scan windows of event time; in each,
 * the appeals with an event there are read in appeal id order (pages of `pageSize`), their whole stories
 * in batches (`appealBatch`, dead letters left out as the stream left them out), and each segment is
 * listed in the window of its first matching count: once, whichever windows its events touch.
 */
/** Event time each read of appeal ids scans: short, as verify's, since each read holds the log's thread. */
export const APPEALS_DEFAULTS = { scanMs: 5 * 60_000, lookbackWindowMs: 30 * 60_000 } as const;

/** The level "Open at end" (the `qa` of GET /v1/metrics) is not a count: its appeals are those open at `to`. */
export const OPEN_AT_END = 'open';
export type Outcome = CountedAs | typeof OPEN_AT_END;

/** What the request asks for (the rest of AppealsPageOptions is the engine's). */
export type AppealsQuery = Pick<AppealsPageOptions, 'tenant' | 'from' | 'to' | 'queue' | 'channel' | 'operator' | 'team' | 'outcome' | 'minWaitSec' | 'limit' | 'after'>;

export interface AppealsPageOptions {
  tenant: string;
  /** [from, to) on minute edges, like the rollups /v1/metrics reads. */
  from: number;
  to: number;
  queue?: string;
  channel?: string;
  /** The numbers of this operator (each hand-over to them), not the queue's; the segments they took part in. */
  operator?: string;
  /** The same for a team: its operators, as the settings list them. */
  team?: string[];
  outcome?: Outcome;
  /** Only counts whose wait's bin starts at this many seconds or later (the longest wait's appeals). */
  minWaitSec?: number;
  limit: number;
  after: AppealsCursor | null;
  /** The stream's log position and its dead letters not yet stored: the stories are told as of it. */
  maxSeq: number;
  deadSeqs: number[];
  timeouts: { channels: Array<[string, number]>; defaultMs: number };
  sl: SlPolicies;
  /** Event time whose raw events are archived: no story to read there. */
  archived: Array<{ from: number; to: number }>;
  scanMs: number;
  pageSize: number;
  appealBatch: number;
}

export interface AppealsPageResult {
  /** The items as the JSON array of the answer (serialized here, off the main thread). */
  itemsJson: string;
  count: number;
  next: string | null;
  /** Appeal stories told to make the page (what it cost). */
  appealsRead: number;
}

export async function appealsPage(reads: VerifyReads, o: AppealsPageOptions): Promise<AppealsPageResult> {
  if (o.outcome === OPEN_AT_END) return openAtEndPage(reads, o);
  const ctx = storyContext(o);
  const dead = { pending: new Set(o.deadSeqs), stored: await reads.hasDeadLetters(o.tenant) };
  const found: Array<{ window: number; item: SegmentItem }> = [];
  let appealsRead = 0;

  // The window of a segment's first count that this query asks for, or null when it asks for none.
  // whose numbers: the queue × channel cells (operator ''), or one operator's, or a team's operators'
  const team = o.team ? new Set(o.team) : null;
  const whose = (operator: string) => (o.operator !== undefined ? operator === o.operator : team ? team.has(operator) : operator === '');
  const longEnough = (c: Count) => o.minWaitSec === undefined || (c.waitSec !== undefined && c.waitSec >= o.minWaitSec);
  const inRange = (c: Count) =>
    c.bucket >= o.from && c.bucket < o.to && (o.queue === undefined || c.queue === o.queue) && (o.channel === undefined || c.channel === o.channel) && whose(c.operator);
  const asked = (c: Count) => inRange(c) && (o.outcome === undefined || c.as === o.outcome) && longEnough(c);
  const windowOf = (item: SegmentItem): number | null => {
    if (o.operator !== undefined && !item.operators.includes(o.operator)) return null;
    if (team && !item.operators.some((op) => team.has(op))) return null;
    let first: number | null = null;
    for (const c of item.counts) if (asked(c) && (first === null || c.bucket < first)) first = c.bucket;
    return first === null ? null : o.from + Math.floor((first - o.from) / o.scanMs) * o.scanMs;
  };
  const afterCursor = (item: SegmentItem, c: AppealsCursor) => item.appealId === c.appealId && storyOrder(item.start, { ...c.start, queue: '', channel: '' }) > 0;

  const tell = async (window: number, ids: string[], cursor: AppealsCursor | null): Promise<boolean> => {
    for (let i = 0; i < ids.length; i += o.appealBatch) {
      const group = ids.slice(i, i + o.appealBatch);
      const stories = await readStories(reads, o, group, o.maxSeq, dead);
      for (const id of group) {
        appealsRead++;
        for (const item of segmentItems(id, stories.get(id) ?? [], ctx)) {
          if (windowOf(item) !== window || (cursor && !afterCursor(item, cursor))) continue;
          item.counts = item.counts.filter(inRange);
          found.push({ window, item });
          if (found.length > o.limit) return true;
        }
      }
    }
    return false;
  };

  const first = o.after?.window ?? o.from;
  let full = false;
  for (let w = first; w < o.to && !full; w += o.scanMs) {
    const end = Math.min(w + o.scanMs, o.to);
    if (o.archived.some((a) => w >= a.from && end <= a.to)) continue;
    const resume = o.after !== null && w === o.after.window ? o.after : null;
    // the cursor's own appeal may have segments left after the one the previous page ended on
    if (resume && (full = await tell(w, [resume.appealId], resume))) break;
    // A count sits at one of the story's events and takes that event's queue and channel: an appeal
    // counted in this window for this queue × channel has an event here with both (the read narrows to those).
    const read = (after: string | null) => reads.appealIdsInRange({ tenant: o.tenant, from: w, to: end, maxSeq: o.maxSeq, after, limit: o.pageSize, queue: o.queue, channel: o.channel });
    let batch: string[] = [];
    for await (const id of pages(read, (id) => id, resume?.appealId ?? null, o.pageSize)) {
      batch.push(id);
      if (batch.length < o.appealBatch) continue;
      if ((full = await tell(w, batch, null))) break;
      batch = [];
    }
    if (!full && batch.length) full = await tell(w, batch, null);
  }

  const items = found.slice(0, o.limit);
  const last = items[items.length - 1];
  const next = full && last ? cursorAfter(last.window, last.item) : null;
  return { itemsJson: JSON.stringify(items.map(({ item }) => wireItem(item))), count: items.length, next, appealsRead };
}

function storyContext(o: Pick<AppealsPageOptions, 'timeouts' | 'sl'>) {
  const timeouts = new Map(o.timeouts.channels);
  const queues = new Map(o.sl.queues);
  const channels = new Map(o.sl.channels);
  return {
    inactivityTimeoutOf: (channel: string) => timeouts.get(channel) ?? o.timeouts.defaultMs,
    slPolicyOf: (queue: string, channel: string): SlPolicy => queues.get(queue) ?? channels.get(channel) ?? o.sl.default,
  };
}

/**
 * The appeals behind "Open at end": the segments open at `to` in the asked queue × channel, as the
 * rollups' level counts them (entered before `to`, not left before it). Such an appeal may have no
 * event in [from, to) (an email waiting since yesterday), so they are not found by the range's scan but
 * by a lookback from `to` over the channels' inactivity timeouts (what verify does at its start), then
 * told whole. An appeal has at most one segment open at a time, so the page goes by appeal id.
 */
async function openAtEndPage(reads: VerifyReads, o: AppealsPageOptions): Promise<AppealsPageResult> {
  const ctx = storyContext(o);
  const lookback = { channels: new Map(o.timeouts.channels), defaultMs: o.timeouts.defaultMs };
  const q = { tenant: o.tenant, at: o.to, maxSeq: o.maxSeq, pendingDead: o.deadSeqs, timeouts: lookback, windowMs: APPEALS_DEFAULTS.lookbackWindowMs, pageSize: o.pageSize };
  const candidates = [...(await appealsMaybeOpenAt(reads, q))].filter((id) => o.after === null || id > o.after.appealId).sort();
  const dead = { pending: new Set(o.deadSeqs), stored: await reads.hasDeadLetters(o.tenant) };
  const found: SegmentItem[] = [];
  let appealsRead = 0;
  for (let i = 0; i < candidates.length && found.length <= o.limit; i += o.appealBatch) {
    const group = candidates.slice(i, i + o.appealBatch);
    const stories = await readStories(reads, o, group, o.maxSeq, dead);
    for (const id of group) {
      appealsRead++;
      for (const item of segmentItems(id, stories.get(id) ?? [], ctx)) {
        const where = openAt(item, o.to);
        if (!where || (o.queue !== undefined && where.queue !== o.queue) || (o.channel !== undefined && where.channel !== o.channel)) continue;
        item.counts = item.counts.filter((c) => c.bucket >= o.from && c.bucket < o.to && c.operator === '');
        found.push(item);
      }
      if (found.length > o.limit) break;
    }
  }
  const items = found.slice(0, o.limit);
  const last = items[items.length - 1];
  const next = found.length > o.limit && last ? cursorAfter(o.from, last) : null;
  return { itemsJson: JSON.stringify(items.map(wireItem)), count: items.length, next, appealsRead };
}

/** The `next` of a page that ended on `item`, found in scan window `window`. */
const cursorAfter = (window: number, item: SegmentItem) => encodeCursor({ window, appealId: item.appealId, start: { ts: item.start.ts, type: item.start.type, id: item.start.id } });

const iso = (ms: number) => new Date(ms).toISOString();

/** An item as the API shows it (times in ISO 8601, UTC). */
function wireItem(i: SegmentItem) {
  return {
    appealId: i.appealId,
    segment: i.segment,
    queue: i.queue,
    channel: i.channel,
    operators: i.operators,
    state: i.state,
    waitSec: i.waitSec,
    handleSec: i.handleSec,
    sl: i.sl,
    slTargetSec: i.slTargetSec,
    counts: i.counts.map((c) => ({
      as: c.as,
      queue: c.queue,
      channel: c.channel,
      ...(c.operator ? { operator: c.operator } : {}),
      minute: iso(c.bucket),
      ...(c.waitSec !== undefined ? { waitSec: c.waitSec } : {}),
    })),
    events: i.events.map((e) => ({ id: e.id, type: e.type, ts: iso(e.ts), queue: e.queue, channel: e.channel, operatorId: e.operatorId ?? null })),
  };
}
