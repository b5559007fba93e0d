/**
 * A server span per HTTP request (src/observe/tracing.ts), as the HTTP semantic conventions name it:
 * `METHOD /route/pattern`, with the method, the route, the path (never the query: ?apiKey= may be in it)
 * and the status. Nothing else of the request is recorded: no header (the tenant's key is one), no body.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, defaultTextMapGetter, type Span, type SpanContext } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_URL_PATH, ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD_ORIGINAL } from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { activePropagator, activeTracer, contextOf } from './tracing.js';

const spans = new WeakMap<FastifyRequest, Span>();

/** Methods the conventions name as they are; any other is `_OTHER` (a client must not mint span names). */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/**
 * The span context of the request's server span, for the pipeline spans that carry its events to link
 * to (Engine.append); undefined when tracing is off.
 */
export function requestSpanContext(req: FastifyRequest): SpanContext | undefined {
  return spans.get(req)?.spanContext();
}

/** A child span of the request's (tracing on; else undefined): a step of its handling, ended by the caller. */
export function requestChildSpan(req: FastifyRequest, name: string): Span | undefined {
  const span = spans.get(req);
  return span && activeTracer()?.startSpan(name, {}, contextOf(span));
}

/**
 * Adds the hooks, on the root instance so every route has them (as the tenant resolution does). Installs
 * nothing when tracing is off: then a request costs not even a hook call. Call it first, so that the
 * span also covers requests refused by the hooks added after it.
 */
export function installTracing(app: FastifyInstance): void {
  const tracer = activeTracer();
  const propagator = activePropagator();
  if (!tracer || !propagator) return;

  app.addHook('onRequest', (req, _reply, done) => {
    // The caller's `traceparent` (and `tracestate`) make this span a child of theirs; without one it starts a trace.
    const parent = propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
    const known = KNOWN_METHODS.has(req.method);
    const method = known ? req.method : '_OTHER';
    const route = req.routeOptions.url; // the pattern (/v1/dlq/:id); undefined when no route matched
    const q = req.url.indexOf('?');
    const span = tracer.startSpan(
      route ? `${known ? method : 'HTTP'} ${route}` : known ? method : 'HTTP',
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: method,
          ...(known ? {} : { [ATTR_HTTP_REQUEST_METHOD_ORIGINAL]: req.method.slice(0, 32) }),
          ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}),
          [ATTR_URL_PATH]: q === -1 ? req.url : req.url.slice(0, q),
        },
      },
      parent,
    );
    spans.set(req, span);
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    end(req, reply.statusCode);
    done();
  });
  // The client went away before the answer: the span ends there, without a status code.
  app.addHook('onRequestAbort', (req, done) => {
    end(req, undefined);
    done();
  });
}

function end(req: FastifyRequest, status: number | undefined): void {
  const span = spans.get(req);
  if (!span) return;
  spans.delete(req);
  if (status !== undefined) {
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    // a server span fails on the server's errors only; a 4xx is the client's (the conventions' rule)
    if (status >= 500) {
      span.setAttribute(ATTR_ERROR_TYPE, String(status));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  } else {
    span.setAttribute(ATTR_ERROR_TYPE, 'aborted');
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

