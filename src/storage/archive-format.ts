/**
 * The archive's one definition of an event as a line of text, and of a day's checksum. The store uses
 * it when it checks a day before removing it (Storage.removeHeldDay), the archive when it writes a file
 * and when it reads one back: the three must agree byte for byte, so there is exactly one of each.
 *
 * A line is the event as JSON with its keys in a fixed order (attrs' keys sorted, at every depth: jsonb
 * and the drivers may hand them back in another order); the checksum is SHA-256 over the lines in seq
 * order, each followed by "\n": the bytes of the uncompressed NDJSON file.
 */
import { createHash, type Hash } from 'node:crypto';
import type { RawLogEvent } from './storage.js';

/** The fields of a line, in their order; absent optional fields are left out. */
const FIELDS = ['seq', 'tenant', 'id', 'type', 'ts', 'keyTs', 'receivedAtUs', 'appealId', 'channel', 'queue', 'operatorId', 'status', 'direction', 'campaignId', 'attrs'] as const;

/** The canonical NDJSON line of an event (without its "\n"). */
export function canonicalLine(e: RawLogEvent): string {
  const parts: string[] = [];
  for (const f of FIELDS) {
    const v = e[f];
    if (v === undefined || v === null) continue;
    parts.push(`${JSON.stringify(f)}:${f === 'attrs' ? sortedJson(v) : JSON.stringify(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/** JSON with object keys sorted at every depth (arrays keep their order). */
function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** An event back from its line (the file side of the comparison, and a reader of the archive). */
export function parseLine(line: string): RawLogEvent {
  return JSON.parse(line) as RawLogEvent;
}

/** What identifies a day's archived events: how many, their checksum, their seq range and count per tenant. */
export interface DayDigestResult {
  events: number;
  sha256: string;
  /** 0 when there are none. */
  minSeq: number;
  maxSeq: number;
  /** Events per tenant, by tenant name. */
  tenants: Array<{ tenant: string; events: number }>;
}

/**
 * Accumulates a day's digest line by line, in seq order. Throws when a seq does not follow the one
 * before it: a file out of order is not one this archive wrote, and its checksum would not compare.
 */
export class DayDigest {
  private readonly hash: Hash = createHash('sha256');
  private events = 0;
  private minSeq = 0;
  private maxSeq = 0;
  private readonly tenants = new Map<string, number>();

  /** Adds one event; `line` is its canonical line when the caller has it already (as written or as read). */
  add(e: Pick<RawLogEvent, 'seq' | 'tenant'>, line: string): void {
    if (this.events > 0 && !(e.seq > this.maxSeq)) throw new Error(`seq ${e.seq} does not follow ${this.maxSeq}`);
    this.hash.update(line);
    this.hash.update('\n');
    if (this.events === 0) this.minSeq = e.seq;
    this.maxSeq = e.seq;
    this.events++;
    this.tenants.set(e.tenant, (this.tenants.get(e.tenant) ?? 0) + 1);
  }

  result(): DayDigestResult {
    return {
      events: this.events,
      sha256: this.hash.copy().digest('hex'),
      minSeq: this.minSeq,
      maxSeq: this.maxSeq,
      tenants: [...this.tenants].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([tenant, events]) => ({ tenant, events })),
    };
  }
}

/** Whether two digests describe the same events (the per-tenant counts follow from the lines). */
export const sameDigest = (a: Pick<DayDigestResult, 'events' | 'sha256'>, b: Pick<DayDigestResult, 'events' | 'sha256'>) => a.events === b.events && a.sha256 === b.sha256;
