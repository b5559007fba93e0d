/**
 * OpenTelemetry tracing (issue #13): a span per HTTP request, continued from the caller's `traceparent`,
 * and spans for each batch through the pipeline (log write, process, checkpoint commit), linked to the
 * requests whose events they carry. Exported over OTLP/HTTP (JSON) to `otlpEndpoint`.
 *
 * Off by default, and then free: only @opentelemetry/api is loaded (its types and constants), the SDK
 * and the exporter are imported by startTracing only when an endpoint is configured, no request hook
 * is installed, and the pipeline pays one null check per batch (`activeTracer()`).
 */
import { DiagLogLevel, ROOT_CONTEXT, SpanStatusCode, diag, trace, type Attributes, type Context, type Link, type Span, type SpanContext, type TextMapPropagator, type Tracer } from '@opentelemetry/api';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';

interface Active {
  tracer: Tracer;
  propagator: TextMapPropagator;
  shutdown(): Promise<void>;
}

/**
 * The process's tracing once started (one per process, as the logger is). Module state rather than an
 * option threaded through every constructor: the pipeline reads it per batch, the HTTP hooks at install.
 */
let active: Active | null = null;

/** The tracer when tracing is on; undefined (and nothing to do) when it is off. */
export function activeTracer(): Tracer | undefined {
  return active?.tracer;
}

/** The W3C trace-context propagator when tracing is on (the HTTP hooks extract `traceparent` with it). */
export function activePropagator(): TextMapPropagator | undefined {
  return active?.propagator;
}

/** How long a shutdown waits for the last spans to reach the collector: a dead collector must not hold the exit. */
const FLUSH_TIMEOUT_MS = 3_000;

export interface TracingOptions {
  /** The traces URL (config `otlpEndpoint`, already resolved by loadConfig). Empty: tracing off. */
  otlpEndpoint: string;
  serviceName: string;
  log?: Logger;
}

export interface Tracing {
  /** Sends the spans still buffered and stops the exporter (within FLUSH_TIMEOUT_MS). */
  shutdown(): Promise<void>;
}

/**
 * Starts tracing when an endpoint is configured, else returns null having loaded nothing. Call before
 * the app is built: the HTTP hooks are installed only if tracing is on by then.
 */
export async function startTracing(opts: TracingOptions): Promise<Tracing | null> {
  if (!opts.otlpEndpoint) return null;
  if (active) throw new Error('tracing is already started in this process');
  // Loaded here, never at the top: with no endpoint none of this is in the process.
  const [{ BasicTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }, { W3CTraceContextPropagator }] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/core'),
  ]);
  const log = opts.log;
  const version = packageVersion();
  if (log) {
    // The SDK reports failed exports (collector down, refused) through diag; silent unless given a logger.
    const warn = (message: string, ...args: unknown[]) => log.warn({ detail: args.length ? args.map(String).join(' ') : undefined }, `opentelemetry: ${message}`);
    const quiet = () => {};
    diag.setLogger({ error: warn, warn, info: quiet, debug: quiet, verbose: quiet }, DiagLogLevel.WARN);
  }
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: opts.serviceName,
      ...(version ? { [ATTR_SERVICE_VERSION]: version } : {}),
    }),
    // Batched off the request path: spans are queued (bounded; the excess is dropped, never waited for)
    // and posted every few seconds or per 512. OTEL_BSP_* tune it as in any OpenTelemetry SDK.
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: opts.otlpEndpoint }))],
  });
  const state: Active = {
    tracer: provider.getTracer('ccpulse', version),
    propagator: new W3CTraceContextPropagator(),
    async shutdown() {
      if (active === state) active = null;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          log?.warn({ timeoutMs: FLUSH_TIMEOUT_MS }, 'the last spans did not reach the OTLP endpoint in time; dropped');
          resolve();
        }, FLUSH_TIMEOUT_MS);
      });
      await Promise.race([provider.shutdown().catch((err: Error) => log?.warn({ err: err.message }, 'flushing spans failed')), timeout]);
      clearTimeout(timer);
    },
  };
  active = state;
  log?.info({ otlpEndpoint: redactedUrl(opts.otlpEndpoint), serviceName: opts.serviceName }, 'tracing: spans go to the OTLP endpoint');
  return { shutdown: () => state.shutdown() };
}

/** service.version: ccpulse's (dist/observe/ and src/observe/ both sit two levels below package.json). */
function packageVersion(): string | undefined {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** The endpoint for the log, without credentials a URL may carry. */
function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(the OTLP endpoint)';
  }
}

/** A context whose span is `span`, to start children of it with an explicit parent (no context manager is installed). */
export function contextOf(span: Span): Context {
  return trace.setSpan(ROOT_CONTEXT, span);
}

/** Links to the spans in `contexts` (the SDK keeps at most 128 of them per span). */
export function linksTo(contexts: Iterable<SpanContext | undefined>): Link[] {
  const links: Link[] = [];
  for (const context of contexts) if (context && trace.isSpanContextValid(context)) links.push({ context });
  return links;
}

/**
 * Runs `fn` in a child span of `parent` named `name`, when there is a parent to trace under; a failure
 * marks the span (by the error's class: messages may quote data) and is thrown on.
 */
export function inChildSpan<T>(tracer: Tracer | undefined, parent: Span | undefined, name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  // not async itself: untraced, `fn` runs as if called directly (no promise of its own around it)
  return tracer && parent ? traced(tracer.startSpan(name, { attributes }, contextOf(parent)), fn) : fn();
}

async function traced<T>(span: Span, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    markFailed(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** Sets the span's status to error, with the error's class as error.type (never its message: it may quote events). */
export function markFailed(span: Span, err: unknown): void {
  const type = err instanceof Error ? err.constructor.name || err.name : typeof err;
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR });
}
