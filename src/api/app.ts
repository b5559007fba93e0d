import { tierRoute } from './routes/tier.js';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import helmet from '@fastify/helmet';
import cors from '@fastify/cors';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG, type Config } from '../config/config.js';
import type { Engine } from '../stream/engine.js';
import { clientErrorHandler, frameworkErrors, installErrorHandler, refuseConnect } from './error-handler.js';
import { badRequest } from './errors.js';
import { dlqRoute } from './routes/dlq.js';
import { verifyRoute } from './routes/verify.js';
import { appealsRoute } from './routes/appeals.js';
import { eventsRoute } from './routes/events.js';
import { healthRoute } from './routes/health.js';
import { liveRoute } from './routes/live.js';
import { metricsRoute } from './routes/metrics.js';
import { forecastRoute } from './routes/forecast.js';
import { operatorsRoute } from './routes/operators.js';
import { recommendationsRoute } from './routes/recommendations.js';
import { whatIfRoute } from './routes/whatif.js';
import { campaignsRoute } from './routes/campaigns.js';
import { staffingRoute } from './routes/staffing.js';
import { settingsRoute } from './routes/settings.js';
import { jobsRoute } from './routes/jobs.js';
import { notificationsRoute } from './routes/notifications.js';
import { streamRoute } from './routes/stream.js';
import { installTenantResolution } from './tenant.js';
import { installRateLimits } from './rate-limit.js';
import { KeyRing } from './keys/key-ring.js';
import { SessionStore } from './keys/sessions.js';
import { keysRoute } from './routes/keys.js';
import { sessionRoute } from './routes/session.js';
import { prometheusRoute } from './routes/prometheus.js';
import { createPrometheus, type ScrapeSources } from '../observe/prometheus.js';
import { requestIdOf } from '../observe/logger.js';
import { installTracing } from '../observe/tracing-http.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route of the app, as registered (for the suites that walk them all). */
    registeredRoutes: ReadonlyArray<{ method: string; url: string; querystring: unknown }>;
  }
}

export interface AppOptions {
  engine: Engine;
  config: Pick<Config, 'apiKeys' | 'ingest' | 'customChannels' | 'logLevel' | 'maxFutureSkewSec'> & Partial<Pick<Config, 'metricsKey' | 'corsOrigins' | 'rateLimit'>> & { recommend?: Pick<Config['recommend'], 'campaignDropCapPct'> } & Partial<Pick<Config, 'readiness' | 'checkpointIntervalMs'>>;
  /** Directory of the built dashboard; found next to the compiled code by default. */
  webRoot?: string;
  /** The process logger (pino); a silent one when absent. */
  logger?: FastifyBaseLogger;
  /**
   * API keys (issue #14). Given (ccpulse start): keys are required, from this ring (the stored keys and the
   * config file's). Absent: keys are required only when the config file gives some (apiKeys); with none,
   * every request is the default tenant's (open mode, as the tests that build the app without keys want).
   */
  keys?: KeyRing;
}

/** The HTTP face of ccpulse: ingest, live state, history, the live stream and the dashboard. */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }),
    // One log line per request would drown the log at ingest rates; errors are logged by the handler.
    logController: new LogController({ disableRequestLogging: true }),
    // Each request's log lines carry its id (reqId): the caller's x-request-id when sane, else a new UUID;
    // it goes back in the response's x-request-id.
    genReqId: requestIdOf,
    requestIdHeader: false,
    bodyLimit: opts.config.ingest.maxBytes,
    // Unknown query parameters are errors, not silently dropped: a typo should not change the answer.
    // No type coercion: Ajv coerces "Infinity" or "1e400" to numbers that then skip every range check (a
    // 500 from the database). Query numbers are strings parsed by the route (query.ts); a body's types are its own.
    ajv: { customOptions: { coerceTypes: false, allErrors: true, removeAdditional: false } },
    // A `__proto__` or `constructor` key in a JSON body is kept as the plain own key JSON.parse makes of
    // it (as for NDJSON): it is data (an attribute, or an unknown field that rejects only its event), and
    // nothing copies body keys by assignment. Refusing it rejected a whole batch for one event's attribute.
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    // Path parameters are checked by their schema (a 400 naming the field), not cut off by the router.
    routerOptions: { maxParamLength: 16_384 },
    // Errors before routing (a malformed URL) and requests Node's parser refuses answer in the documented shape too.
    frameworkErrors,
    clientErrorHandler,
    // Node answers an HTTP/1.1 request without Host itself, with an empty body: the check is ours instead.
    http: { requireHostHeader: false },
  });
  installTracing(app); // first: the request's span covers the hooks below (a no-op when tracing is off)
  installErrorHandler(app);
  // every route as registered (method and pattern): the suites that must walk them all read it from here
  const routes: Array<{ method: string; url: string; querystring: unknown }> = [];
  app.decorate('registeredRoutes', routes);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url, querystring: r.schema?.querystring });
  });
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  // Security headers on every answer (nosniff, frame denial, referrer policy, …) and a Content-Security-Policy
  // the dashboard passes: its scripts, styles and the live stream are all its own origin's; the icon is a
  // data: URL. HSTS belongs to whoever terminates TLS in front of ccpulse, not to a plain-HTTP server.
  // Registered before the hooks that may refuse a request (no Host, no API key): their answers carry them too.
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    strictTransportSecurity: false,
  });
  app.addHook('onRequest', async (req, reply) => {
    if (req.raw.httpVersion !== '1.1' || req.headers.host !== undefined) return;
    reply.header('connection', 'close'); // a malformed request: as Node would, end the connection after the answer
    throw badRequest([{ path: '/headers/host', message: 'required in HTTP/1.1' }]);
  });
  // A DELETE or a GET with no body but a JSON content type (some clients send one always) is not a
  // malformed JSON body: the content type of nothing is dropped before the parser sees it
  app.addHook('onRequest', async (req) => {
    if ((req.method === 'DELETE' || req.method === 'GET') && (req.headers['content-length'] === '0' || (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined))) {
      delete req.headers['content-type'];
    }
  });
  // Cross-origin calls only from the origins configured (none by default: the dashboard is same-origin)
  const corsOrigins = opts.config.corsOrigins ?? [];
  if (corsOrigins.length) {
    await app.register(cors, {
      origin: corsOrigins.includes('*') ? '*' : corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['authorization', 'x-api-key', 'content-type', 'x-request-id', 'traceparent', 'tracestate'],
      exposedHeaders: ['x-request-id', 'retry-after', 'x-ccpulse-position', 'location', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
      maxAge: 600,
    });
  }
  // A parameter given twice (?from=a&from=b) would reach the schema as an array ("must be string"): say what is wrong
  app.addHook('preValidation', async (req) => {
    const query = req.query as Record<string, unknown> | undefined;
    if (!query || typeof query !== 'object') return;
    // a name the route does not take is left to the schema, which names it as unknown; a route with no
    // query schema (/healthz, /readyz, /metrics, the dashboard's files) takes any query, repeated or not
    const known = (req.routeOptions.schema?.querystring as { properties?: Record<string, unknown> } | undefined)?.properties;
    if (!known) return;
    const repeated = Object.keys(query).filter((k) => Array.isArray(query[k]) && Object.hasOwn(known, k));
    if (repeated.length) throw badRequest(repeated.map((k) => ({ path: `/${k}`, message: 'given more than once: give each parameter once' })));
  });
  app.server.on('connect', refuseConnect);
  const { engine } = opts;
  const ring = opts.keys ?? (await KeyRing.load(engine.storage, opts.config.apiKeys));
  const open = !opts.keys && Object.keys(opts.config.apiKeys).length === 0;
  const sessions = new SessionStore();
  ring.onRevoke((keyId) => sessions.endAllOf(keyId));
  installTenantResolution(app, { ring, sessions, open });
  // RED per route for /metrics: the routes that report what they hold (SSE clients, jobs) set theirs below
  const scrape: ScrapeSources = { engine, sseClients: () => 0, jobs: () => ({ queued: 0, running: 0 }) };
  const prometheus = createPrometheus(scrape);
  // after the auth hook (hooks run in order): the limits are keyed on the tenant and key it resolved
  await installRateLimits(app, {
    limits: opts.config.rateLimit ?? DEFAULT_CONFIG.rateLimit,
    keyed: !open,
    onRefused: (limit) => prometheus.rateLimited(limit),
  });
  app.addHook('onResponse', async (req, reply) => {
    prometheus.requestDone(req.method, req.routeOptions.url ?? '', reply.statusCode, reply.elapsedTime / 1000);
  });
  await app.register(prometheusRoute, { prometheus, tenants: open ? 0 : Math.max(1, new Set(ring.list().map((k) => k.tenant)).size), metricsKey: opts.config.metricsKey ?? '' });
  await app.register(eventsRoute, { engine, maxEvents: opts.config.ingest.maxEvents, maxBytes: opts.config.ingest.maxBytes, customChannels: opts.config.customChannels, maxFutureSkewMs: opts.config.maxFutureSkewSec * 1000 });
  await app.register(liveRoute, { engine });
  await app.register(metricsRoute, { engine });
  await app.register(streamRoute, { engine, scrape, onRevoke: (l) => ring.onRevoke(l) });
  await app.register(dlqRoute, { engine });
  await app.register(verifyRoute, { engine });
  await app.register(appealsRoute, { engine });
  await app.register(staffingRoute);
  await app.register(recommendationsRoute, { engine });
  await app.register(whatIfRoute, { engine });
  await app.register(forecastRoute, { engine });
  await app.register(operatorsRoute, { engine });
  await app.register(settingsRoute, { engine });
  await app.register(jobsRoute, { engine, scrape });
  await app.register(notificationsRoute, { engine });
  await app.register(campaignsRoute, { engine, defaultDropCapPct: opts.config.recommend?.campaignDropCapPct ?? DEFAULT_CONFIG.recommend.campaignDropCapPct });
  await app.register(tierRoute, { engine, open });
  await app.register(keysRoute, { ring });
  await app.register(sessionRoute, { ring, sessions, open });
  await app.register(healthRoute, {
    engine,
    startedAt: Date.now(),
    detailed: open,
    readiness: opts.config.readiness ?? DEFAULT_CONFIG.readiness,
    checkpointIntervalMs: opts.config.checkpointIntervalMs ?? DEFAULT_CONFIG.checkpointIntervalMs,
  });
  const webRoot = opts.webRoot ?? findWebRoot();
  // Dotfiles are never served (the plugin's default serves them): 403, like a path out of the root.
  if (webRoot) await app.register(fastifyStatic, { root: webRoot, index: 'index.html', dotfiles: 'deny' });
  else app.log.warn('dashboard bundle not found (run npm run build); serving the API only');
  return app;
}

function findWebRoot(): string | undefined {
  // dist/api/app.js → dist/web; src/api/app.ts (under the test runner) → the built bundle in dist/web
  const rel = import.meta.url.endsWith('.ts') ? '../../dist/web/' : '../web/';
  const dir = fileURLToPath(new URL(rel, import.meta.url));
  return existsSync(`${dir}index.html`) ? dir : undefined;
}
