import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import { Errors } from './errors.js';

/** Which budget refused a request: the API key's own, or its tenant's (shared by all the tenant's keys). */
export type LimitName = 'key' | 'tenant';

export interface RateLimitOptions {
  limits: Config['rateLimit'];
  /** Whether API keys are configured: without them (open mode, one center) nothing is limited. */
  keyed: boolean;
  /** Told of each refusal, by the limit that refused (the Prometheus counter). */
  onRefused?(limit: LimitName): void;
}

/** What one limit says of a request: its budget, what is left of it and when its window ends. */
interface Verdict {
  limit: LimitName;
  max: number;
  windowSec: number;
  remaining: number;
  resetSec: number;
  exceeded: boolean;
}

/**
 * Per-client fairness, a layer apart from overload shedding (the ingest admission's 503): requests to
 * the /v1 routes are counted per API key (`req.keyId`) and per tenant (`req.tenant`), each in a fixed
 * window of its own (@fastify/rate-limit's counters, one store each); over either budget the answer is
 * 429 CCP_RATE_LIMITED naming that budget, with Retry-After. So one runaway key cannot use up its
 * tenant's budget alone, and one tenant cannot take the server from the others.
 *
 * It counts requests, not events: an ingest batch counts once (the event rate is admission control's to
 * bound, and counting events would mean reading the body the limit is there to spare). An SSE stream
 * counts once, at connect. The check runs in onRequest right after the auth hook (registered after it):
 * a request without a valid key is answered 401 before it and costs no one's budget, and a refused
 * batch is answered before its body is read. /healthz, /readyz, /metrics and the dashboard's files are
 * outside /v1 and never limited.
 */
export async function installRateLimits(app: FastifyInstance, opts: RateLimitOptions): Promise<void> {
  const { limits, keyed } = opts;
  if (!keyed || !limits.enabled) return;
  // global: false: the plugin adds no hook of its own; its limiters are called from ours below, so one
  // hook decides, sets the headers once and throws our coded error
  await app.register(rateLimit, { global: false });
  // The counters live in each store's LRU map (a Map: a tenant named `__proto__` is a key like any
  // other) of 5,000 entries; a key or tenant evicted past that starts a fresh window, which only forgives.
  const counters = new Map<LimitName, ReturnType<FastifyInstance['createRateLimit']>>([
    ['key', app.createRateLimit({ max: limits.perKey.max, timeWindow: limits.perKey.windowSec * 1000, keyGenerator: (req) => req.keyId })],
    ['tenant', app.createRateLimit({ max: limits.perTenant.max, timeWindow: limits.perTenant.windowSec * 1000, keyGenerator: (req) => req.tenant })],
  ]);
  const windows = new Map<LimitName, Config['rateLimit']['perKey']>([
    ['key', limits.perKey],
    ['tenant', limits.perTenant],
  ]);
  const check = async (limit: LimitName, req: FastifyRequest): Promise<Verdict> => {
    const r = await counters.get(limit)!(req);
    const w = windows.get(limit)!;
    // isAllowed is the plugin's allow list, which is not used: every request is counted
    if (r.isAllowed) return { limit, max: w.max, windowSec: w.windowSec, remaining: w.max, resetSec: w.windowSec, exceeded: false };
    return { limit, max: r.max, windowSec: w.windowSec, remaining: r.remaining, resetSec: Math.max(1, r.ttlInSeconds), exceeded: r.isExceeded };
  };

  app.addHook('onRequest', async (req, reply) => {
    // the matched route, as the auth hook decides: only /v1 routes are limited
    if (!(req.routeOptions.url ?? '').startsWith('/v1/')) return;
    // the key first: a key over its own budget is refused without spending its tenant's
    const key = await check('key', req);
    if (key.exceeded) throw refuse(key, reply, opts.onRefused);
    const tenant = await check('tenant', req);
    if (tenant.exceeded) throw refuse(tenant, reply, opts.onRefused);
    // the headers tell of the budget nearer its end: the one a client must pace itself by
    setLimitHeaders(reply, tenant.remaining < key.remaining ? tenant : key);
  });
}

function setLimitHeaders(reply: FastifyReply, v: Verdict): void {
  reply.header('x-ratelimit-limit', v.max);
  reply.header('x-ratelimit-remaining', v.remaining);
  reply.header('x-ratelimit-reset', v.resetSec);
}

function refuse(v: Verdict, reply: FastifyReply, onRefused?: (limit: LimitName) => void): Error {
  onRefused?.(v.limit);
  setLimitHeaders(reply, { ...v, remaining: 0 });
  reply.header('retry-after', v.resetSec);
  const which = v.limit === 'key' ? "this API key's rate limit" : "this tenant's rate limit (shared by all its API keys)";
  return new Errors.RATE_LIMITED(`${which} of ${v.max} requests per ${v.windowSec} s is used up: retry in ${v.resetSec} s (Retry-After)`);
}
