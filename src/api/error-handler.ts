import type { FastifyError, FastifyInstance } from 'fastify';
import { OverloadedError } from '../stream/event-log.js';
import { Errors, type ErrorDetail } from './errors.js';

/** The one place errors become responses. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((raw: FastifyError & { details?: ErrorDetail[]; body?: unknown }, req, reply) => {
    let err = raw;
    if (raw.validation) {
      // Paths are JSON Pointers into the part that failed (the query string, the body, the path parameters).
      const details = raw.validation.map((v) => {
        const p = v.params as { missingProperty?: string; additionalProperty?: string } | undefined;
        const extra = p?.missingProperty ?? p?.additionalProperty;
        const message = p?.missingProperty ? 'required' : p?.additionalProperty ? `unknown ${raw.validationContext === 'querystring' ? 'parameter' : 'field'}` : (v.message ?? 'invalid');
        return { path: `${v.instancePath}${extra ? `/${extra}` : ''}` || '/', message };
      });
      err = Object.assign(new Errors.BAD_REQUEST(details.map((d) => `${d.path}: ${d.message}`).join('; ')), { details });
    } else if (raw.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (raw instanceof SyntaxError && raw.statusCode === 400)) {
      err = new Errors.INVALID_JSON(raw.message);
    } else if (raw.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      err = new Errors.EMPTY_BATCH('the request has no body');
    } else if (raw.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      err = new Errors.BODY_TOO_LARGE(String(req.routeOptions.bodyLimit ?? ''));
    } else if (raw.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      err = new Errors.UNSUPPORTED_MEDIA_TYPE();
    } else if (raw instanceof OverloadedError) {
      // Expected under load and logged, rate-limited, by the admission controller: not an error per request.
      err = new Errors.OVERLOADED(raw.message);
      reply.header('retry-after', String(raw.retryAfterSec));
    }
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500 && !(raw instanceof OverloadedError)) req.log.error({ err: raw }, 'request failed');
    const code = status === 500 && !err.code?.startsWith('CCP_') ? 'CCP_INTERNAL' : err.code;
    const message = status === 500 && code === 'CCP_INTERNAL' ? 'internal error; see the server log' : err.message;
    reply.status(status).send({ error: { code, message, ...(err.details ? { details: err.details } : {}) }, ...(raw.body && typeof raw.body === 'object' ? raw.body : {}) });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ error: { code: 'CCP_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
  });
}
