import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OverloadedError } from '../stream/event-log.js';
import { CODE_OF_STATUS, Errors, type ErrorDetail } from './errors.js';

/** The documented shape of every error body. */
export interface ErrorBody {
  error: { code: string; message: string; details?: ErrorDetail[] };
}

const EVENTS_MEDIA = 'send application/json (an array of events) or application/x-ndjson (one event per line)';

/**
 * The one place errors become responses: anything thrown (an Error of ours, a framework or library
 * error, a string, null, an object with a numeric `code`) becomes a status and the documented body.
 * It never throws itself; whatever it cannot make sense of is a 500 CCP_INTERNAL, logged.
 */
export function errorResponse(thrown: unknown, req?: FastifyRequest): { status: number; body: ErrorBody & Record<string, unknown> } {
  try {
    return describe(thrown, req);
  } catch {
    return { status: 500, body: { error: { code: 'CCP_INTERNAL', message: 'internal error; see the server log' } } };
  }
}

function describe(thrown: unknown, req?: FastifyRequest): { status: number; body: ErrorBody & Record<string, unknown> } {
  const raw: Record<string, unknown> = typeof thrown === 'object' && thrown !== null ? (thrown as Record<string, unknown>) : {};
  const rawCode = typeof raw.code === 'string' ? raw.code : undefined;
  let err: { code?: string; message?: unknown; statusCode?: unknown; details?: unknown; body?: unknown } = raw;

  if (Array.isArray(raw.validation)) {
    // Paths are JSON Pointers into the part that failed (the query string, the body, the path parameters).
    const details = (raw.validation as Array<{ instancePath?: unknown; message?: unknown; params?: unknown }>).map((v) => {
      const p = (typeof v?.params === 'object' && v.params !== null ? v.params : {}) as { missingProperty?: unknown; additionalProperty?: unknown; allowedValues?: unknown };
      const extra = typeof p.missingProperty === 'string' ? p.missingProperty : typeof p.additionalProperty === 'string' ? p.additionalProperty : undefined;
      const message =
        typeof p.missingProperty === 'string'
          ? 'required'
          : typeof p.additionalProperty === 'string'
            ? `unknown ${raw.validationContext === 'querystring' ? 'parameter' : 'field'}`
            : Array.isArray(p.allowedValues) && p.allowedValues.every((x) => typeof x === 'string')
              ? `must be one of ${p.allowedValues.join(', ')}` // an enum: say which, not "one of the allowed values"
              : typeof v?.message === 'string'
                ? v.message
                : 'invalid';
      const at = typeof v?.instancePath === 'string' ? v.instancePath : '';
      return { path: `${at}${extra !== undefined ? `/${escapePointer(extra)}` : ''}` || '/', message };
    });
    err = Object.assign(new Errors.BAD_REQUEST(details.map((d) => `${d.path}: ${d.message}`).join('; ')), { details });
  } else if (rawCode === 'FST_ERR_CTP_INVALID_JSON_BODY' || (thrown instanceof SyntaxError && raw.statusCode === 400)) {
    err = new Errors.INVALID_JSON(String(raw.message));
  } else if (rawCode === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    err = new Errors.EMPTY_BATCH('the request has no body');
  } else if (rawCode === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    err = new Errors.BODY_TOO_LARGE(String(req?.routeOptions.bodyLimit ?? ''));
  } else if (rawCode === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    err = new Errors.UNSUPPORTED_MEDIA_TYPE(req?.routeOptions.url === '/v1/events' ? EVENTS_MEDIA : 'send application/json');
  } else if (thrown instanceof OverloadedError) {
    err = new Errors.OVERLOADED(thrown.message);
  } else if (rawCode === 'FST_ERR_BAD_URL') {
    err = new Errors.BAD_REQUEST('the URL is not valid (malformed percent-encoding?)');
  } else if (rawCode === 'FST_ERR_MAX_PARAM_LENGTH') {
    err = new Errors.URI_TOO_LONG('a path segment is too long');
  }

  const ours = typeof err.code === 'string' && err.code.startsWith('CCP_');
  const declared = typeof err.statusCode === 'number' && Number.isInteger(err.statusCode) ? err.statusCode : undefined;
  const status = declared !== undefined && declared >= 400 && declared <= 599 ? declared : 500;
  let code: string;
  let message: string;
  if (ours && (status < 500 || err.code !== 'CCP_INTERNAL')) {
    code = err.code!;
    message = typeof err.message === 'string' && err.message ? err.message : (STATUS_CODES[status] ?? 'error');
  } else if (status < 500) {
    // A framework or library 4xx (the static file server's 403, a bad Content-Length …): our code, its words.
    code = CODE_OF_STATUS.get(status) ?? 'CCP_BAD_REQUEST';
    message = typeof err.message === 'string' && err.message ? err.message : (STATUS_CODES[status] ?? 'bad request');
  } else {
    code = 'CCP_INTERNAL';
    message = 'internal error; see the server log';
  }
  const details = ours && Array.isArray(err.details) && err.details.every(isDetail) ? (err.details as ErrorDetail[]) : undefined;
  // Only our own errors may add fields beside `error` (the rejected events of a batch with none valid).
  const extra = ours && isPlainObject(err.body) ? err.body : {};
  return { status: status >= 500 && !ours ? 500 : status, body: { ...extra, error: { code, message, ...(details ? { details } : {}) } } };
}

const isDetail = (d: unknown): d is ErrorDetail =>
  typeof d === 'object' && d !== null && typeof (d as ErrorDetail).path === 'string' && typeof (d as ErrorDetail).message === 'string';

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && [Object.prototype, null].includes(Object.getPrototypeOf(v));

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

function sendError(thrown: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body } = errorResponse(thrown, req);
  if (thrown instanceof OverloadedError) {
    // Expected under load, and logged (rate-limited) by the admission controller: not an error per request.
    reply.header('retry-after', String(thrown.retryAfterSec));
  } else if (status >= 500) req.log.error({ err: thrown }, 'request failed');
  // a route may have set a file's headers before it failed: the error goes out as JSON
  for (const h of ['content-type', 'content-length', 'content-disposition']) reply.removeHeader(h);
  // errors met before the hooks ran (a malformed URL) carry the request id too
  reply.header('x-request-id', req.id);
  return reply.status(status).send(body);
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((thrown: unknown, req, reply) => sendError(thrown, req, reply));
  app.setNotFoundHandler((req, reply) => sendError(new Errors.NOT_FOUND(`no route ${req.method} ${req.url.split('?')[0]}`), req, reply));
}

/**
 * Errors the router meets before any route or hook runs (a malformed percent-encoding, an overlong path
 * parameter): Fastify's `frameworkErrors` option.
 */
export function frameworkErrors(thrown: unknown, req: FastifyRequest, reply: FastifyReply): void {
  void sendError(thrown, req, reply);
}

/**
 * Requests Node's HTTP parser refuses (bad header characters, a malformed request line, headers too
 * large): Fastify's `clientErrorHandler` option. There is no request to reply to, only the socket.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'CCP_TIMEOUT', 'the request took too long to arrive']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'CCP_HEADERS_TOO_LARGE', 'the request headers are too large']
        : [400, 'CCP_BAD_REQUEST', 'malformed HTTP request'];
  const body = JSON.stringify({ error: { code, message } } satisfies ErrorBody);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * CONNECT (a proxy's method) is not routed by Fastify: without a listener Node drops the connection with
 * no answer at all. It gets a 405 in the documented shape.
 */
export function refuseConnect(_req: unknown, socket: Socket): void {
  const body = JSON.stringify({ error: { code: 'CCP_METHOD_NOT_ALLOWED', message: 'CONNECT is not supported; this is not a proxy' } } satisfies ErrorBody);
  if (!socket.writable) return void socket.destroy();
  socket.end(`HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
