import type { FastifyPluginAsync } from 'fastify';
import type { ScrapeSources } from '../../observe/prometheus.js';
import type { ServerResponse } from 'node:http';
import type { LiveUpdate } from '../../contract/api.js';
import type { Engine } from '../../stream/engine.js';
import { NoQuery } from '../schemas.js';
import { viewOf } from './recommendations.js';

/** A client that lets this much pile up unsent is dropped; EventSource reconnects and gets a fresh snapshot. */
const MAX_BUFFERED = 4 * 1024 * 1024;
const HEARTBEAT_MS = 15_000;
const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/**
 * GET /v1/stream: Server-Sent Events. `snapshot` first (the whole live state) and `recommendations`
 * (the open board of advice and alerts), then `update` with the tiles that changed, as soon as the
 * processor has applied the events that changed them, and `recommendation` with each item that opened,
 * was acknowledged or resolved ({ from, to, at, item }).
 */
export const streamRoute: FastifyPluginAsync<{ engine: Engine; scrape?: Pick<ScrapeSources, 'sseClients'>; onRevoke?: (listener: (keyId: string) => void) => void }> = async (app, { engine, scrape, onRevoke }) => {
  const clients = new Map<ServerResponse, string>();
  /** The key each stream was opened with: a revoked key's streams end at once, not at their next reconnect. */
  const keyOf = new Map<ServerResponse, string>();
  if (scrape) scrape.sseClients = () => clients.size;
  onRevoke?.((keyId) => {
    for (const [res, k] of keyOf) {
      if (k !== keyId) continue;
      clients.delete(res);
      keyOf.delete(res);
      res.end();
    }
  });

  const off = engine.onChange((changes) => {
    if (clients.size === 0) return;
    const at = engine.now();
    const position = engine.processor.position;
    for (const [tenant, tiles] of changes) {
      const update: LiveUpdate = {
        at,
        position,
        tiles,
        center: engine.processor.live.center(tenant),
        operators: engine.processor.live.operatorTotals(tenant),
        repairs: engine.processor.live.repairsOf(tenant),
      };
      const frame = `event: update\ndata: ${JSON.stringify(update)}\n\n`;
      for (const [res, t] of clients) if (t === tenant) send(res, frame);
    }
  });

  const offAdvice = engine.recommender?.onTransition((e) => {
    const frame = `event: recommendation\ndata: ${JSON.stringify({ from: e.from, to: e.to, at: new Date(e.at).toISOString(), item: viewOf(e.item) })}\n\n`;
    for (const [res, t] of clients) if (t === e.tenant) send(res, frame);
  });

  const heartbeat = setInterval(() => {
    for (const res of clients.keys()) send(res, `: keep-alive\n\n`);
  }, HEARTBEAT_MS);
  heartbeat.unref();

  function send(res: ServerResponse, frame: string) {
    if (res.writableLength > MAX_BUFFERED) {
      clients.delete(res);
      keyOf.delete(res);
      res.destroy();
      return;
    }
    res.write(frame);
  }

  // preClose, not onClose: the server waits for open connections before onClose runs, and an SSE
  // connection stays open until we end it.
  app.addHook('preClose', async () => {
    off();
    offAdvice?.();
    clearInterval(heartbeat);
    for (const res of clients.keys()) res.end();
    clients.clear();
    keyOf.clear();
  });

  // HEAD answers at once with the stream's headers: the GET handler would hold it open forever, writing
  // frames Node drops for a HEAD response, and the client would never get its answer.
  app.head('/v1/stream', { config: { role: 'read' }, schema: { querystring: NoQuery } }, async (_req, reply) => {
    const { connection: _keepAlive, ...headers } = SSE_HEADERS;
    return reply.status(200).headers(headers).send();
  });

  app.get('/v1/stream', { exposeHeadRoute: false, config: { role: 'read' }, schema: { querystring: NoQuery } }, async (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    // hijacked: the headers set on the reply (its request id, the rate limit's budget) are written here
    const limit = Object.entries(reply.getHeaders()).filter(([h]) => h.startsWith('x-ratelimit-'));
    res.writeHead(200, { ...SSE_HEADERS, 'x-request-id': req.id, ...Object.fromEntries(limit) });
    res.socket?.setNoDelay(true);
    const snapshot = engine.snapshot(req.tenant);
    res.write(`retry: 2000\nevent: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`);
    if (engine.recommender) res.write(`event: recommendations\ndata: ${JSON.stringify({ items: engine.recommender.board(req.tenant).map(viewOf) })}\n\n`);
    clients.set(res, req.tenant);
    if (req.keyId) keyOf.set(res, req.keyId);
    req.raw.on('close', () => {
      clients.delete(res);
      keyOf.delete(res);
    });
  });
};
