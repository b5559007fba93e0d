import type { FastifyPluginAsync } from 'fastify';
import type { IngestResult } from '../../contract/api.js';
import type { CcEvent } from '../../contract/event.js';
import { BatchError, parseBatch } from '../../ingest/parse-batch.js';
import { createEventValidator, rejectionReason } from '../../ingest/validate.js';
import { clampFuture } from '../../ingest/clamp-future.js';
import { OverloadedError } from '../../stream/event-log.js';
import type { Engine } from '../../stream/engine.js';
import { Errors } from '../errors.js';
import { Type } from '@sinclair/typebox';
import { NoQuery, ErrorSchema, IngestResultSchema } from '../schemas.js';
import { requestChildSpan, requestSpanContext } from '../../observe/tracing-http.js';

const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl'];

export interface EventsRouteOptions {
  engine: Engine;
  maxEvents: number;
  maxBytes: number;
  customChannels: string[];
  maxFutureSkewMs: number;
}

/**
 * POST /v1/events: a JSON array or NDJSON of events. Valid events are kept even when others in the
 * batch are rejected; the answer says which were rejected and why, field by field.
 */
export const eventsRoute: FastifyPluginAsync<EventsRouteOptions> = async (app, opts) => {
  const validate = createEventValidator({ customChannels: opts.customChannels });
  app.addContentTypeParser(NDJSON_TYPES, { parseAs: 'string', bodyLimit: opts.maxBytes }, (_req, body, done) => done(null, body));
  // text/plain says nothing of the format (JSON? NDJSON? a log line?): 415 naming the two that are, not a guess
  app.removeContentTypeParser('text/plain');

  const admission = opts.engine.eventLog.admission;
  app.post(
    '/v1/events',
    {
      bodyLimit: opts.maxBytes,
      config: { role: 'ingest' },
      // Shed before reading the body when it would not be admitted anyway: no body is buffered or parsed
      // for a refusal. The unread body is then read off the wire and dropped by Node, and the connection
      // stays usable, so a client still sending gets the 503, not a reset.
      onRequest: async (req) => {
        const d = admission.precheck(Number(req.headers['content-length'] ?? NaN));
        if (!d.ok) throw new OverloadedError(d.message, d.retryAfterSec);
      },
      // A 400 for a batch with no valid event still carries the per-event rejections.
      schema: { querystring: NoQuery, response: { 202: IngestResultSchema, '4xx': Type.Intersect([ErrorSchema, Type.Partial(IngestResultSchema)]), '5xx': ErrorSchema } },
    },
    async (req, reply) => {
      const type = req.headers['content-type']?.toLowerCase() ?? '';
      const format = NDJSON_TYPES.some((t) => type.startsWith(t)) ? 'ndjson' : 'json';
      // the pipeline's first step, parse and validate (tracing on): then the log write of the batch it joins
      const ingest = requestChildSpan(req, 'ingest');
      let items;
      try {
        items = parseBatch(req.body, format, opts.maxEvents);
      } catch (err) {
        ingest?.end();
        if (err instanceof BatchError) throw new Errors[err.code](err.message);
        throw err;
      }
      admission.noteBody(Number(req.headers['content-length'] ?? NaN), items.length);
      const result: IngestResult = { accepted: 0, duplicates: 0, rejected: [] };
      const valid: CcEvent[] = [];
      const now = opts.engine.now();
      items.forEach((item, index) => {
        const v = item.ok ? validate(item.value) : item;
        if (!v.ok) {
          opts.engine.telemetry.ingestRejected.inc({ reason: rejectionReason(v.errors) });
          return void result.rejected.push({ index, errors: v.errors });
        }
        if (clampFuture(v.event, now, opts.maxFutureSkewMs)) opts.engine.processor.stats.clampedFuture++;
        valid.push(v.event);
      });
      opts.engine.telemetry.ingestEvents.inc({ outcome: 'rejected' }, result.rejected.length);
      ingest?.setAttributes({ 'ccpulse.ingest.events': items.length, 'ccpulse.ingest.rejected': result.rejected.length }).end();
      if (valid.length === 0) {
        throw Object.assign(new Errors.ALL_EVENTS_REJECTED(), { body: result });
      }
      try {
        // the pipeline's spans for the batch that carries these events link to this request's span
        const outcome = await opts.engine.append(req.tenant, valid, requestSpanContext(req));
        result.accepted = outcome.accepted;
        result.duplicates = outcome.duplicates;
        opts.engine.telemetry.ingestEvents.inc({ outcome: 'accepted' }, outcome.accepted);
        opts.engine.telemetry.ingestEvents.inc({ outcome: 'duplicate' }, outcome.duplicates);
        reply.header('x-ccpulse-position', String(outcome.position));
      } catch (err) {
        if (err instanceof OverloadedError) throw err; // 503 with Retry-After (the error handler)
        // logged once, by the error handler, with the storage's error as the cause
        throw new Errors.STORAGE_UNAVAILABLE({ cause: err });
      }
      return reply.status(202).send(result);
    },
  );
};
