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
  BODY_TOO_LARGE: createError('CCP_BODY_TOO_LARGE', 'request body exceeds %s bytes (a batch of events: split it)', 413),
  UNSUPPORTED_MEDIA_TYPE: createError('CCP_UNSUPPORTED_MEDIA_TYPE', '%s', 415),
  UNAUTHORIZED: createError('CCP_UNAUTHORIZED', 'a valid API key is required (Authorization: Bearer KEY, or X-Api-Key)', 401),
  FORBIDDEN: createError('CCP_FORBIDDEN', '%s', 403),
  METRICS_TOKEN_REQUIRED: createError('CCP_UNAUTHORIZED', 'the metrics token is required (Authorization: Bearer METRICS_KEY, as configured by metricsKey)', 401),
  NOT_FOUND: createError('CCP_NOT_FOUND', '%s', 404),
  CONFLICT: createError('CCP_CONFLICT', '%s', 409),
  TOO_MANY_JOBS: createError('CCP_TOO_MANY_JOBS', '%s', 429),
  RATE_LIMITED: createError('CCP_RATE_LIMITED', '%s', 429),
  URI_TOO_LONG: createError('CCP_URI_TOO_LONG', '%s', 414),
  OVERLOADED: createError('CCP_OVERLOADED', '%s', 503),
  STORAGE_UNAVAILABLE: createError('CCP_STORAGE_UNAVAILABLE', 'events could not be confirmed as stored; retry the same batch (events already kept count as duplicates)', 503),
} as const;

/**
 * The code of an error that does not carry one of ours (a framework or library error, anything thrown),
 * by its HTTP status: a client never sees a foreign code.
 */
export const CODE_OF_STATUS: ReadonlyMap<number, string> = new Map([
  [400, 'CCP_BAD_REQUEST'],
  [401, 'CCP_UNAUTHORIZED'],
  [403, 'CCP_FORBIDDEN'],
  [404, 'CCP_NOT_FOUND'],
  [405, 'CCP_METHOD_NOT_ALLOWED'],
  [406, 'CCP_NOT_ACCEPTABLE'],
  [408, 'CCP_TIMEOUT'],
  [409, 'CCP_CONFLICT'],
  [411, 'CCP_LENGTH_REQUIRED'],
  [413, 'CCP_BODY_TOO_LARGE'],
  [414, 'CCP_URI_TOO_LONG'],
  [415, 'CCP_UNSUPPORTED_MEDIA_TYPE'],
  [429, 'CCP_TOO_MANY_REQUESTS'],
  [431, 'CCP_HEADERS_TOO_LARGE'],
]);

export interface ErrorDetail {
  path: string;
  message: string;
}

/** An error carrying field-level details. */
export function withDetails<E extends Error>(err: E, details: ErrorDetail[]): E & { details: ErrorDetail[] } {
  return Object.assign(err, { details });
}

/** A 400 naming every field at fault. */
/** The most faults one answer names: a large body can hold thousands, and the answer must stay small. */
export const MAX_DETAILS = 100;

export function badRequest(details: ErrorDetail[]): Error & { details: ErrorDetail[] } {
  const shown = details.length > MAX_DETAILS ? [...details.slice(0, MAX_DETAILS), { path: '', message: `and ${details.length - MAX_DETAILS} more faults` }] : details;
  const message = shown.slice(0, 10).map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ');
  return withDetails(new Errors.BAD_REQUEST(shown.length > 10 ? `${message}; … (${details.length} faults in all, see details)` : message), shown);
}
