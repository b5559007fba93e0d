import type { FieldError } from './validate.js';

/** One item of a batch: the parsed value, or why its line could not be parsed. */
export type BatchItem = { ok: true; value: unknown } | { ok: false; errors: FieldError[] };

export class BatchError extends Error {
  constructor(
    readonly code: 'EMPTY_BATCH' | 'INVALID_JSON' | 'TOO_MANY_EVENTS' | 'INVALID_BATCH',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Splits a request body into events. A JSON body must be an array of events (or one event object);
 * NDJSON is one event per line, and a line that is not JSON rejects that line only.
 */
export function parseBatch(body: unknown, format: 'json' | 'ndjson', maxEvents: number): BatchItem[] {
  let items: BatchItem[];
  if (format === 'ndjson') {
    const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : '';
    items = [];
    for (const line of text.split('\n')) {
      const trimmed = line.trim();
      if (!trimmed) continue;
      if (items.length >= maxEvents) throw tooMany(maxEvents);
      try {
        items.push({ ok: true, value: JSON.parse(trimmed) });
      } catch (err) {
        items.push({ ok: false, errors: [{ path: '', message: `invalid JSON: ${(err as Error).message}` }] });
      }
    }
  } else {
    const values = Array.isArray(body) ? body : typeof body === 'object' && body !== null ? [body] : null;
    if (!values) throw new BatchError('INVALID_BATCH', 'body must be a JSON array of events, one event object, or NDJSON');
    if (values.length > maxEvents) throw tooMany(maxEvents);
    items = values.map((value) => ({ ok: true, value }));
  }
  if (items.length === 0) throw new BatchError('EMPTY_BATCH', 'the batch has no events');
  return items;
}

const tooMany = (max: number) => new BatchError('TOO_MANY_EVENTS', `a batch holds at most ${max} events; split it`);
