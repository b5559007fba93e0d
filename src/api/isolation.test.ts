import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './testing/test-app.js';

/**
 * Tenant isolation, route by route (issue #14). Every route the app registers is enumerated from Fastify
 * (a route added later fails here until the walk is told how to call it), and called as another tenant,
 * with no key, with a wrong one, with one key in the header and another in the query, and by encoded and
 * doubled spellings of its path. Acme's data carries MARK in every name acme gives it (queues, operators,
 * appeals, settings, destinations, campaigns, dead letters, exports): no answer to anyone else may contain
 * it, no call of beta's may change anything of acme's, and no input answers 5xx.
 */
const MARK = 'zq7acme';
const ACME = 'k-acme-admin';
const BETA = 'k-beta-admin';
const QUEUE = `q-${MARK}`;
const OP = `op-${MARK}`;

/** Routes answered without a key by design: probes, the scrape (its own token), the dashboard's files. */
const OPEN = new Set(['GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /*']);
/** The sign-in and sign-out: their key (if any) is the body's or the cookie's; a sign-out of nothing is a 204. */
const SIGN_IN_OUT = new Set(['POST /v1/session', 'DELETE /v1/session']);

describe('tenant isolation, route by route', () => {
  let t: TestApp;
  /** Acme's resources, by the path parameter that names them. */
  const acme = { key: '', readKey: '', ingestKey: '', dlq: '', job: '', destination: '', recommendation: 'none-yet', delivery: 'none-yet', campaign: 'camp-shared' };
  // (a campaign's id is its tenant's own name: beta may have one of the same id, which must stay apart from acme's)
  const hourAgo = new Date(Date.now() - 3_600_000);
  const from = new Date(hourAgo.getTime() - (hourAgo.getTime() % 60_000)).toISOString();
  const to = new Date(Date.now() + 3_600_000 - (Date.now() % 60_000)).toISOString();

  const inject = (method: string, url: string, key?: string, body?: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: method as 'GET',
      url,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });

  beforeAll(async () => {
    t = await startTestApp({ apiKeys: { [ACME]: 'acme', [BETA]: 'beta' }, knownQueues: [QUEUE, 'q-beta'] });
    await t.listen();
    const ts = Date.now() - 120_000;
    const ev = (n: number, type: string, extra: Record<string, unknown> = {}) => ({ id: `${MARK}-e${n}`, type, ts: new Date(ts + n * 1_000).toISOString(), appealId: `a-${MARK}`, channel: 'voice', queue: QUEUE, ...extra });
    const events = [
      ev(1, 'APPEAL_NEW'),
      ev(2, 'APPEAL_SENT_DISTRIBUTION'),
      ev(3, 'APPEAL_APPOINTED', { operatorId: OP }),
      ev(4, 'APPEAL_CLOSED', { operatorId: OP }),
      // strict mode: a queue not in knownQueues goes to the dead-letter queue, its event (and the mark) with it
      { id: `${MARK}-dead`, type: 'APPEAL_NEW', ts: new Date(ts).toISOString(), appealId: `a-${MARK}-dead`, channel: 'voice', queue: `qx-${MARK}` },
    ];
    expect((await inject('POST', '/v1/events', ACME, events)).statusCode).toBe(202);
    const saved = await inject('PUT', '/v1/settings', ACME, { version: 0, settings: { slTargetPct: { [QUEUE]: 91 }, teams: { [`team-${MARK}`]: [OP] } } });
    expect(saved.statusCode, saved.body).toBe(200);
    const dest = await inject('POST', '/v1/notifications/destinations', ACME, { name: `dest-${MARK}`, kind: 'email', email: { to: [`${MARK}@example.com`] } });
    expect(dest.statusCode, dest.body).toBe(201);
    acme.destination = dest.json().id;
    const camp = await inject('PUT', `/v1/campaigns/${acme.campaign}`, ACME, { queue: QUEUE, listSize: 1_000, deadline: to });
    expect(camp.statusCode, camp.body).toBe(200);
    const job = await inject('POST', '/v1/jobs', ACME, { kind: 'export', format: 'csv', from, to, groupBy: 'queue,operator' });
    expect(job.statusCode, job.body).toBe(202);
    acme.job = job.json().id;
    // processed: the tile and the dead letter are there, the export done
    for (let i = 0; i < 200; i++) {
      const dlq = (await inject('GET', '/v1/dlq', ACME)).json().items;
      const state = (await inject('GET', `/v1/jobs/${acme.job}`, ACME)).json().state;
      if (dlq.length && state === 'done') {
        acme.dlq = String(dlq[0].id);
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(acme.dlq, 'acme has a dead letter').not.toBe('');
    expect((await inject('GET', '/v1/live', ACME)).body).toContain(MARK);
    const recs = (await inject('GET', '/v1/recommendations', ACME)).json().items;
    if (recs.length) acme.recommendation = String(recs[0].id);
    // acme's keys of the two other roles
    for (const role of ['read', 'ingest'] as const) {
      const made = await inject('POST', '/v1/keys', ACME, { role, name: `${role}-${MARK}` });
      expect(made.statusCode, made.body).toBe(201);
      if (role === 'read') [acme.readKey, acme.key] = [made.json().key, made.json().id];
      else acme.ingestKey = made.json().key;
    }
    // beta has a life of its own: its events and settings
    await inject('POST', '/v1/events', BETA, [{ id: 'b1', type: 'APPEAL_NEW', ts: new Date(ts).toISOString(), appealId: 'b', channel: 'voice', queue: 'q-beta' }]);
  });
  afterAll(() => t?.close());

  /** How the walk calls a route: its path with acme's ids, the query it needs, a body that passes its checks. */
  const BODIES: Record<string, (id: string) => unknown> = {
    'POST /v1/events': () => [{ id: 'b2', type: 'APPEAL_NEW', ts: new Date().toISOString(), appealId: 'b2', channel: 'voice', queue: 'q-beta' }],
    'POST /v1/dlq/replay': () => ({ ids: [Number(acme.dlq)] }),
    'POST /v1/staffing/calc': () => ({ model: 'erlang-c', callsPerInterval: 100, intervalSec: 1800, ahtSec: 180, agents: 14, slSec: 20 }),
    'POST /v1/recommendations/:id/ack': () => ({ by: 'beta' }),
    // (acme's queue is not on beta's board: refused as beta's own input, naming nothing else)
    'POST /v1/whatif': () => ({ actions: [{ action: 'add', queue: 'q-beta', channel: 'voice', n: 1 }], runs: 1 }),
    'PUT /v1/settings': () => ({ version: 0, settings: { slTargetPct: { 'q-beta': 10 } } }),
    'POST /v1/jobs': () => ({ kind: 'export', format: 'csv', from, to, groupBy: 'queue' }),
    'POST /v1/notifications/destinations': () => ({ name: 'beta-dest', kind: 'email', email: { to: ['b@example.com'] } }),
    'PUT /v1/notifications/destinations/:id': () => ({ name: 'taken-over', kind: 'email', email: { to: ['b@example.com'] } }),
    'POST /v1/notifications/destinations/:id/test': () => undefined,
    'POST /v1/notifications/deliveries/:key/replay': () => undefined,
    'PUT /v1/campaigns/:id': () => ({ listSize: 7, deadline: to }),
    'POST /v1/keys': () => ({ role: 'read', name: 'beta-key' }),
    // the sign-in: the key is in the body (a wrong one here: the walk's callers come with theirs in the header)
    'POST /v1/session': () => ({ key: 'ccp_nope_nope' }),
  };
  const QUERY: Record<string, string> = { from, to, limit: '100' };
  const idFor = (url: string): string =>
    url.startsWith('/v1/dlq') ? acme.dlq
    : url.startsWith('/v1/jobs') ? acme.job
    : url.startsWith('/v1/notifications/destinations') ? acme.destination
    : url.startsWith('/v1/notifications/deliveries') ? acme.delivery
    : url.startsWith('/v1/recommendations') ? acme.recommendation
    : url.startsWith('/v1/campaigns') ? acme.campaign
    : url.startsWith('/v1/keys') ? acme.key
    : 'x';

  const routes = () => t.app.registeredRoutes.filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS');
  /** A call of the route as a client would make it, or why the walk cannot. */
  const callOf = (r: { method: string; url: string; querystring: unknown }) => {
    const path = r.url.replace(/:(\w+)/g, () => encodeURIComponent(idFor(r.url)));
    const required = ((r.querystring as { required?: string[] } | undefined)?.required ?? []).filter((n) => n !== 'apiKey');
    const missing = required.filter((n) => !Object.hasOwn(QUERY, n));
    const query = required.map((n) => `${n}=${encodeURIComponent(QUERY[n])}`).join('&');
    const name = `${r.method} ${r.url}`;
    const needsBody = r.method === 'POST' || r.method === 'PUT';
    return { name, url: query ? `${path}?${query}` : path, body: needsBody ? BODIES[name]?.('') : undefined, unknown: missing.length ? `query ${missing.join(', ')}` : needsBody && !Object.hasOwn(BODIES, name) ? 'body' : null };
  };

  it('knows how to call every route the app registers (a new route must be added to the walk)', () => {
    const unknown = routes().map(callOf).filter((c) => c.unknown).map((c) => `${c.name}: ${c.unknown}`);
    expect(unknown).toEqual([]);
    expect(routes().length).toBeGreaterThan(30);
  });

  it('refuses every route but the open ones without a key, with a wrong key, and with a prototype name as key', async () => {
    for (const r of routes()) {
      const c = callOf(r);
      if (OPEN.has(c.name) || c.name === 'DELETE /v1/session') continue;
      for (const key of [undefined, 'k-acme-admi', 'K-ACME-ADMIN', '__proto__', 'constructor', `${ACME}${ACME}`, `${ACME},${BETA}`]) {
        const res = await inject(r.method, c.url, key, c.body);
        expect(res.statusCode, `${c.name} with key ${JSON.stringify(key)}: ${res.body.slice(0, 200)}`).toBe(401);
        expect(res.json().error.code).toBe('CCP_UNAUTHORIZED');
        expect(res.body).not.toContain(MARK);
      }
    }
  });

  it("never shows acme's data to beta, and nothing beta calls changes acme's", async () => {
    const before = await acmeView();
    for (const r of routes()) {
      const c = callOf(r);
      if (c.name === 'GET /v1/stream') continue; // below: it never ends
      const res = await inject(r.method, c.url, BETA, c.body);
      expect(res.statusCode, `${c.name}: ${res.body.slice(0, 300)}`).toBeLessThan(500);
      expect(res.body, `${c.name} answered beta with acme's data`).not.toContain(MARK);
      // a call on one of acme's resources by its id finds nothing
      if (r.url.includes(':') && !r.url.startsWith('/v1/campaigns')) expect(res.statusCode, `${c.name}: ${res.body.slice(0, 200)}`).toBe(404);
    }
    // what beta made (an export, a destination, a campaign of the same id) holds none of acme's either
    // an admin of another tenant makes no key of acme's
    const foreignKey = await inject('POST', '/v1/keys', BETA, { role: 'admin', tenant: 'acme' });
    expect(foreignKey.statusCode, foreignKey.body).toBe(403);
    for (const url of ['/v1/keys', '/v1/jobs', '/v1/notifications/destinations', '/v1/campaigns', '/v1/settings', '/v1/dlq', `/v1/metrics?from=${from}&to=${to}&groupBy=queue,operator`]) {
      expect((await inject('GET', url, BETA)).body, url).not.toContain(MARK);
    }
    const betaJobs = (await inject('GET', '/v1/jobs', BETA)).json().items as Array<{ id: string; state: string }>;
    for (const j of betaJobs) {
      for (let i = 0; i < 100 && (await inject('GET', `/v1/jobs/${j.id}`, BETA)).json().state !== 'done'; i++) await new Promise((r) => setTimeout(r, 50));
      const file = await inject('GET', `/v1/jobs/${j.id}/download`, BETA);
      expect(file.statusCode).toBe(200);
      expect(file.body).not.toContain(MARK);
    }
    expect(await acmeView(), "acme's data after beta's walk").toEqual(before);
  });

  it("streams beta nothing of acme's", async () => {
    const ac = new AbortController();
    const res = await fetch(`${t.url}/v1/stream`, { headers: { authorization: `Bearer ${BETA}` }, signal: ac.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    const until = Date.now() + 1_500;
    while (Date.now() < until && text.length < 200_000) {
      const chunk = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), until - Date.now()))]);
      if (!chunk || chunk.done) break;
      text += Buffer.from(chunk.value).toString();
    }
    ac.abort();
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain(MARK);
  });

  it('takes the header over the query when both carry a key, and never mixes the two', async () => {
    const live = (headers: Record<string, string>, query: string) => inject('GET', `/v1/live${query}`, undefined, undefined, headers);
    const asBetaWithAcmeInQuery = await live({ authorization: `Bearer ${BETA}` }, `?apiKey=${ACME}`);
    expect(asBetaWithAcmeInQuery.statusCode).toBe(200);
    expect(asBetaWithAcmeInQuery.json().tenant).toBe('beta');
    expect(asBetaWithAcmeInQuery.body).not.toContain(MARK);
    const asAcmeWithBetaInQuery = await live({ 'x-api-key': ACME }, `?apiKey=${BETA}`);
    expect(asAcmeWithBetaInQuery.json().tenant).toBe('acme');
    // a wrong key in the header is not rescued by a right one in the query
    expect((await live({ authorization: 'Bearer nope' }, `?apiKey=${ACME}`)).statusCode).toBe(401);
  });

  it('answers encoded, doubled and dotted spellings of every path as the route itself, or not at all', async () => {
    const spellings = (p: string) => [
      p.replace('/v1/', '/%76%31/'),
      p.replace('/v1/', '/v%31/'),
      p.replace(/\/([a-z])/, (_, ch: string) => `/%${ch.charCodeAt(0).toString(16)}`),
      `/${p}`,
      p.replace('/v1/', '/v1//'),
      p.replace('/v1/', '/x/../v1/'),
      p.replace('/v1/', '/v1/./'),
      p.replace('/v1/', '/V1/'),
      `${p}/`,
      p.replace('/v1/', '/v1%2F'),
    ];
    for (const r of routes()) {
      const c = callOf(r);
      if (OPEN.has(c.name) || SIGN_IN_OUT.has(c.name) || c.name === 'GET /v1/stream') continue;
      for (const url of spellings(c.url)) {
        const none = await inject(r.method, url, undefined, c.body);
        expect([401, 404], `${r.method} ${url} without a key: ${none.statusCode} ${none.body.slice(0, 200)}`).toContain(none.statusCode);
        const beta = await inject(r.method, url, BETA, c.body);
        expect(beta.statusCode, `${r.method} ${url} as beta`).toBeLessThan(500);
        expect(beta.body, `${r.method} ${url} as beta`).not.toContain(MARK);
      }
    }
  });

  /** Routes only an admin key reaches (settings changes, replay, notifications, campaigns, keys): the policy, stated apart from the routes' own declarations. */
  const ADMIN_ONLY = (name: string) =>
    /^(PUT \/v1\/settings|POST \/v1\/dlq\/replay|PUT \/v1\/campaigns\/:id)$/.test(name) || / \/v1\/notifications\//.test(name) || / \/v1\/keys/.test(name);

  it('lets each role reach its routes only: ingest posts events, read reads, admin changes', async () => {
    const refusedAs = async (key: string, c: ReturnType<typeof callOf>, method: string) => {
      const res = await inject(method, c.url, key, c.body);
      expect(res.statusCode, `${c.name}: ${res.body.slice(0, 200)}`).toBeLessThan(500);
      if (res.statusCode === 403) expect(res.json().error.message).toMatch(/needs a key with the (read|admin|ingest) role/);
      return res.statusCode === 403;
    };
    const wrong: string[] = [];
    for (const r of routes()) {
      const c = callOf(r);
      if (OPEN.has(c.name) || SIGN_IN_OUT.has(c.name) || c.name === 'GET /v1/stream') continue;
      const ingestRefused = await refusedAs(acme.ingestKey, c, r.method);
      if (ingestRefused !== (c.name !== 'POST /v1/events')) wrong.push(`ingest key ${ingestRefused ? 'refused' : 'let through'} ${c.name}`);
      // (destructive calls of the read key are on acme's own resources: allowed or not, they are acme's)
      const readRefused = await refusedAs(acme.readKey, c, r.method);
      const readShould = ADMIN_ONLY(c.name) || c.name === 'POST /v1/events';
      if (readRefused !== readShould) wrong.push(`read key ${readRefused ? 'refused' : 'let through'} ${c.name}`);
    }
    expect(wrong, wrong.join('\n')).toEqual([]);
    // the stream: read yes, ingest no
    const stream = async (key: string) => {
      const ac = new AbortController();
      const res = await fetch(`${t.url}/v1/stream`, { headers: { authorization: `Bearer ${key}` }, signal: ac.signal });
      ac.abort();
      return res.status;
    };
    expect(await stream(acme.readKey)).toBe(200);
    expect(await stream(acme.ingestKey)).toBe(403);
  });

  /** Everything of acme's that a call could change, as acme reads it. */
  async function acmeView() {
    const get = async (url: string) => (await inject('GET', url, ACME)).json();
    const jobs = await get('/v1/jobs');
    return {
      settings: await get('/v1/settings'),
      destinations: await get('/v1/notifications/destinations'),
      campaigns: (await get('/v1/campaigns')).items.map((c: { id: string; listSize: number; deadline: string }) => [c.id, c.listSize, c.deadline]),
      dlq: (await get('/v1/dlq')).items.map((d: { id: number; replayedAt?: unknown }) => [d.id, d.replayedAt ?? null]),
      jobs: jobs.items.map((j: { id: string; state: string }) => [j.id, j.state]),
      keys: (await get('/v1/keys')).items.map((k: { id: string; role: string; revokedAt: string | null }) => [k.id, k.role, k.revokedAt]),
      recommendations: (await get('/v1/recommendations')).items.map((r: { id: string; state: string }) => [r.id, r.state]),
    };
  }
});
