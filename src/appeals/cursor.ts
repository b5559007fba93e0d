import { CONTROL_OR_BROKEN, EVENT_TYPES, type EventType } from '../contract/event.js';

/**
 * Where a page of GET /v1/appeals ended, as the `after` the client sends back: the scan window of the
 * last item, its appeal, and its segment's first event. Items are listed in (window, appeal id as the
 * database orders it, segment in story order), so the next page starts strictly after that key: no item
 * twice, none skipped, without the server keeping anything between requests.
 * Opaque to the client (base64url of JSON); checked field by field when it comes back.
 */
export interface AppealsCursor {
  /** Start of the scan window (epoch ms), on the grid of the query's `from`. */
  window: number;
  appealId: string;
  start: { ts: number; type: EventType; id: string };
}

export function encodeCursor(c: AppealsCursor): string {
  return Buffer.from(JSON.stringify([c.window, c.appealId, c.start.ts, c.start.type, c.start.id]), 'utf8').toString('base64url');
}

/** The cursor, or null when `text` is not one this server made. */
export function decodeCursor(text: string): AppealsCursor | null {
  if (text.length > 4_096 || !/^[A-Za-z0-9_-]+$/.test(text)) return null;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(v) || v.length !== 5) return null;
  const [window, appealId, ts, type, id] = v as unknown[];
  if (!Number.isSafeInteger(window) || typeof appealId !== 'string' || !Number.isSafeInteger(ts)) return null;
  if (typeof type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(type) || typeof id !== 'string') return null;
  // names as events may hold them: a forged one with a NUL would reach the database as text it refuses
  if (CONTROL_OR_BROKEN.test(appealId) || CONTROL_OR_BROKEN.test(id) || appealId.length > 1_000 || id.length > 1_000) return null;
  return { window: window as number, appealId, start: { ts: ts as number, type: type as EventType, id } };
}
