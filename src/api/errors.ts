import createError from '@fastify/error';

/**
 * Every error the API answers with has a stable code. Clients branch on `error.code`; the message is
 * for people. Shape of every error body: { error: { code, message, details? } }.
 */
export const Errors = {
  BAD_REQUEST: createError('CCP_BAD_REQUEST', '%s', 400),
  INVALID_JSON: createError('CCP_INVALID_JSON', 'body is not valid JSON: %s', 400),
  EMPTY_BATCH: createError('CCP_EMPTY_BATCH', '%s', 400),
  INVALID_BATCH: createError('CCP_INVALID_BATCH', '%s', 400),
  ALL_EVENTS_REJECTED: createError('CCP_ALL_EVENTS_REJECTED', 'no event in the batch is valid; see rejected', 400),
  TOO_MANY_EVENTS: createError('CCP_TOO_MANY_EVENTS', '%s', 413),
  BODY_TOO_LARGE: createError('CCP_BODY_TOO_LARGE', 'request body exceeds %s bytes; split the batch', 413),
  UNSUPPORTED_MEDIA_TYPE: createError('CCP_UNSUPPORTED_MEDIA_TYPE', 'send application/json (an array of events) or application/x-ndjson (one event per line)', 415),
  UNAUTHORIZED: createError('CCP_UNAUTHORIZED', 'a valid API key is required (Authorization: Bearer KEY, or X-Api-Key)', 401),
  NOT_FOUND: createError('CCP_NOT_FOUND', '%s', 404),
  OVERLOADED: createError('CCP_OVERLOADED', '%s', 503),
  STORAGE_UNAVAILABLE: createError('CCP_STORAGE_UNAVAILABLE', 'events could not be confirmed as stored; retry the same batch (events already kept count as duplicates)', 503),
} as const;

export interface ErrorDetail {
  path: string;
  message: string;
}

/** An error carrying field-level details. */
export function withDetails<E extends Error>(err: E, details: ErrorDetail[]): E & { details: ErrorDetail[] } {
  return Object.assign(err, { details });
}
