/**
 * Tracing end to end: a real `ccpulse start` with CCPULSE_OTLP_ENDPOINT pointing at a plain OTLP/HTTP
 * receiver in this test (the exporter posts JSON to /v1/traces). Spans are held in the SDK's batch
 * until the server's SIGTERM (the schedule delay is set far beyond the test), so what arrives also shows
 * that the shutdown flushes them.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerProcess } from '../testing/server-process.js';

const EVENTS = JSON.parse(readFileSync(new URL('../../examples/events.json', import.meta.url), 'utf8')) as Array<{ id: string }>;
const API_KEY = 'tracing-test-key-7f3a9c';

interface OtlpValue { stringValue?: string; intValue?: string | number; boolValue?: boolean }
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: Array<{ key: string; value: OtlpValue }>;
  links?: Array<{ traceId: string; spanId: string }>;
  status?: { code?: number };
}
interface OtlpExport {
  resourceSpans: Array<{ resource: { attributes: Array<{ key: string; value: OtlpValue }> }; scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
}

/** An OTLP/HTTP traces receiver: keeps every body posted to /v1/traces, raw and parsed. */
async function startReceiver(): Promise<{ url: string; raw: string[]; exports: OtlpExport[]; close(): Promise<void> }> {
  const raw: string[] = [];
  const exports: OtlpExport[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      expect(req.headers['content-type']).toMatch(/^application\/json/);
      raw.push(body.toString('utf8'));
      exports.push(JSON.parse(body.toString('utf8')) as OtlpExport);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, raw, exports, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const attr = (s: { attributes?: Array<{ key: string; value: OtlpValue }> }, key: string) => {
  const v = s.attributes?.find((a) => a.key === key)?.value;
  return v === undefined ? undefined : (v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : v.boolValue));
};

describe('OpenTelemetry tracing of a running server', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let server: ServerProcess;
  const dir = mkdtempSync(join(tmpdir(), 'ccpulse-tracing-'));
  // the caller's span, as its traceparent names it
  const callerTrace = randomBytes(16).toString('hex');
  const callerSpan = randomBytes(8).toString('hex');
  let spans: OtlpSpan[] = [];

  beforeAll(async () => {
    receiver = await startReceiver();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ apiKeys: { [API_KEY]: 'acme' } }));
    server = await ServerProcess.start({
      dataDir: join(dir, 'data'),
      args: ['--config', join(dir, 'config.json')],
      auth: true,
      env: {
        CCPULSE_OTLP_ENDPOINT: receiver.url, // no path: /v1/traces is added
        OTEL_SERVICE_NAME: 'ccpulse-tracing-test',
        OTEL_BSP_SCHEDULE_DELAY: '600000', // nothing leaves before the shutdown's flush
        CCPULSE_CHECKPOINT_MS: '100',
      },
    });
    const posted = await server.post('/v1/events', EVENTS, { 'x-api-key': API_KEY, traceparent: `00-${callerTrace}-${callerSpan}-01` });
    expect(posted.status).toBe(202);
    // a route with a parameter and a query holding the key: the pattern names the span, the query is not kept
    const res = await fetch(`${server.url}/v1/dlq/12345?apiKey=${API_KEY}`);
    expect(res.status).toBe(404);
    await new Promise((r) => setTimeout(r, 300)); // a checkpoint commit (every 100 ms) covers the batch
    expect(receiver.exports).toHaveLength(0); // held in the batch until the shutdown
    await server.stop();
    for (let waited = 0; receiver.exports.length === 0 && waited < 3_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    spans = receiver.exports.flatMap((e) => e.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
  }, 180_000); // a server started from the sources, then stopped: on a loaded machine more than the default minute
  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const one = (name: string, where: (s: OtlpSpan) => boolean = () => true) => {
    const found = spans.filter((s) => s.name === name && where(s));
    expect(found, `spans named ${name}; received: ${spans.map((s) => s.name).join(', ')}`).toHaveLength(1);
    return found[0];
  };

  it('sends the spans on shutdown, with the configured service name', () => {
    expect(receiver.exports.length).toBeGreaterThan(0);
    const names = receiver.exports.flatMap((e) => e.resourceSpans.map((r) => attr(r.resource, 'service.name')));
    expect(new Set(names)).toEqual(new Set(['ccpulse-tracing-test']));
  });

  it("makes the request's span a child of the caller's (traceparent), named by the route", () => {
    const req = one('POST /v1/events');
    expect(req.traceId).toBe(callerTrace);
    expect(req.parentSpanId).toBe(callerSpan);
    expect(req.kind).toBe(2); // SERVER
    expect(attr(req, 'http.request.method')).toBe('POST');
    expect(attr(req, 'http.route')).toBe('/v1/events');
    expect(attr(req, 'url.path')).toBe('/v1/events');
    expect(attr(req, 'http.response.status_code')).toBe(202);
    const ingest = one('ingest', (s) => s.parentSpanId === req.spanId);
    expect(ingest.traceId).toBe(callerTrace);
    expect([attr(ingest, 'ccpulse.ingest.events'), attr(ingest, 'ccpulse.ingest.rejected')]).toEqual([7, 1]);
  });

  it('names a request by its route pattern and keeps its path without the query', () => {
    const req = one('GET /v1/dlq/:id');
    expect(req.parentSpanId ?? '').toBe(''); // no traceparent: a trace of its own
    expect(attr(req, 'http.route')).toBe('/v1/dlq/:id');
    expect(attr(req, 'url.path')).toBe('/v1/dlq/12345');
    expect(attr(req, 'http.response.status_code')).toBe(404);
  });

  it('traces the batch through log write and process, linked to the request that carried its events', () => {
    const req = one('POST /v1/events');
    const batch = one('pipeline batch', (s) => (s.links ?? []).some((l) => l.spanId === req.spanId));
    expect(batch.links).toContainEqual(expect.objectContaining({ traceId: callerTrace, spanId: req.spanId }));
    expect(attr(batch, 'ccpulse.batch.events')).toBe(6);
    expect(attr(batch, 'ccpulse.batch.accepted')).toBe(6);
    const write = one('log write', (s) => s.parentSpanId === batch.spanId);
    const process = one('process', (s) => s.parentSpanId === batch.spanId);
    expect([write.traceId, process.traceId]).toEqual([batch.traceId, batch.traceId]);
    expect(attr(write, 'ccpulse.log.rows')).toBe(6);
    expect(attr(process, 'ccpulse.process.events')).toBe(6);
  });

  it('traces the checkpoint commit that made the batch durable, linked to the batch', () => {
    const req = one('POST /v1/events');
    const batch = one('pipeline batch', (s) => (s.links ?? []).some((l) => l.spanId === req.spanId));
    const commit = one('checkpoint commit', (s) => (s.links ?? []).some((l) => l.spanId === batch.spanId));
    expect(attr(commit, 'ccpulse.checkpoint.batches')).toBe(1);
    expect(Number(attr(commit, 'ccpulse.log.position'))).toBeGreaterThanOrEqual(Number(attr(batch, 'ccpulse.log.position')));
  });

  it('records neither the API key nor any of the bodies', () => {
    const all = receiver.raw.join('\n');
    expect(all).toContain('POST /v1/events'); // not vacuous: the request's span is in what was searched
    expect(all).not.toContain(API_KEY);
    expect(all).not.toContain('acme'); // the tenant
    for (const e of EVENTS) expect(all).not.toContain(`"${e.id}"`);
    expect(all).not.toContain('appealId');
  });
});
