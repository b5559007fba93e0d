import { calendarValid } from '../contract/time.js';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import {
  APPEAL_EVENT_TYPES,
  BUILTIN_CHANNELS,
  CONTROL_OR_BROKEN,
  DIRECTIONS,
  NAME_MAX_LENGTH,
  EVENT_TYPES,
  OPERATOR_EVENT_TYPES,
  OPERATOR_STATUSES,
  type CcEvent,
  type EventType,
} from '../contract/event.js';

export interface FieldError {
  path: string;
  message: string;
}

export type Validation = { ok: true; event: CcEvent } | { ok: false; errors: FieldError[] };

const Id = Type.String({ minLength: 1, maxLength: NAME_MAX_LENGTH.id });

/** Structure of a wire event; enumerations and per-type rules are checked below with clearer messages. */
const WireEvent = Type.Object(
  {
    id: Id,
    type: Type.String(),
    ts: Type.Union([Type.String(), Type.Number()]),
    appealId: Type.Optional(Id),
    channel: Type.Optional(Type.String({ minLength: 1, maxLength: NAME_MAX_LENGTH.channel })),
    queue: Type.Optional(Type.String({ minLength: 1, maxLength: NAME_MAX_LENGTH.queue })),
    operatorId: Type.Optional(Id),
    status: Type.Optional(Type.String()),
    direction: Type.Optional(Type.String()),
    campaignId: Type.Optional(Id),
    attrs: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);
const wireEvent = TypeCompiler.Compile(WireEvent);
const FIELDS: ReadonlySet<string> = new Set(Object.keys(WireEvent.properties));

/**
 * Why an event was rejected, as a bounded name (a metric label): the first field named wrong, "body"
 * for an item that is not an object, "unknown_field" for a field the contract does not have.
 */
export function rejectionReason(errors: readonly FieldError[]): string {
  const field = errors[0]?.path.split('/')[1] ?? '';
  return field === '' ? 'body' : FIELDS.has(field) ? field : 'unknown_field';
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)$/i;
/** Event times outside 2000–2100 are almost always a unit mistake (seconds for milliseconds). */
const TS_MIN = Date.UTC(2000, 0, 1);
const TS_MAX = Date.UTC(2100, 0, 1);

const FRIENDLY: ReadonlyMap<string, string> = new Map([['Unexpected property', 'unknown field'], ['Expected required property', 'required']]);

const oneOf = (values: readonly string[]) => `must be one of ${values.join(', ')}`;

/** Validates one wire event and normalizes it (ts → epoch ms). All problems are reported, not just the first. */
export function createEventValidator(opts: { customChannels?: readonly string[] } = {}) {
  const channels = new Set<string>([...BUILTIN_CHANNELS, ...(opts.customChannels ?? [])]);
  const channelList = [...channels];
  const eventTypes = new Set<string>(EVENT_TYPES);
  const statuses = new Set<string>(OPERATOR_STATUSES);
  const directions = new Set<string>(DIRECTIONS);

  return function validateEvent(raw: unknown): Validation {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      return { ok: false, errors: [{ path: '', message: 'must be a JSON object' }] };
    }
    const errors: FieldError[] = [];
    if (!wireEvent.Check(raw)) {
      const seen = new Set<string>();
      for (const e of wireEvent.Errors(raw)) {
        // One message per field (the first is the most telling); ts is reported below in plain words.
        if (e.path === '/ts' || seen.has(e.path)) continue;
        seen.add(e.path);
        errors.push({ path: e.path, message: FRIENDLY.get(e.message) ?? e.message.toLowerCase() });
      }
    }
    const ev = raw as Record<string, unknown>;
    const type = ev.type;
    if (typeof type === 'string' && !eventTypes.has(type)) errors.push({ path: '/type', message: oneOf(EVENT_TYPES) });
    if (type === undefined) errors.push({ path: '/type', message: 'required' });

    const ts = parseTs(ev.ts);
    if (typeof ts === 'string') errors.push({ path: '/ts', message: ts });

    if (typeof type === 'string' && eventTypes.has(type)) {
      const t = type as EventType;
      if (APPEAL_EVENT_TYPES.has(t)) {
        for (const f of ['appealId', 'channel', 'queue']) if (ev[f] === undefined) errors.push({ path: `/${f}`, message: `required for ${t}` });
      }
      if (OPERATOR_EVENT_TYPES.has(t) && ev.operatorId === undefined) errors.push({ path: '/operatorId', message: `required for ${t}` });
      if (t === 'OPERATOR_STATUS' && ev.status === undefined) errors.push({ path: '/status', message: 'required for OPERATOR_STATUS' });
    }
    if (typeof ev.channel === 'string' && !channels.has(ev.channel)) errors.push({ path: '/channel', message: `${oneOf(channelList)} (custom channels are set in the configuration)` });
    if (typeof ev.status === 'string' && !statuses.has(ev.status)) errors.push({ path: '/status', message: oneOf(OPERATOR_STATUSES) });
    if (typeof ev.direction === 'string' && !directions.has(ev.direction)) errors.push({ path: '/direction', message: oneOf(DIRECTIONS) });

    for (const f of ['id', 'appealId', 'channel', 'queue', 'operatorId', 'campaignId'] as const) {
      if (typeof ev[f] === 'string' && CONTROL_OR_BROKEN.test(ev[f] as string)) {
        errors.push({ path: `/${f}`, message: 'must not contain control characters or unpaired UTF-16 surrogates' });
      }
    }
    if (typeof ev.attrs === 'object' && ev.attrs !== null) checkAttrs(ev.attrs, '/attrs', errors);

    if (errors.length) return { ok: false, errors };
    const event: CcEvent = { id: ev.id as string, type: type as EventType, ts: ts as number };
    for (const f of ['appealId', 'channel', 'queue', 'operatorId', 'status', 'direction', 'campaignId', 'attrs'] as const) {
      if (ev[f] !== undefined) (event as unknown as Record<string, unknown>)[f] = ev[f];
    }
    return { ok: true, event };
  };
}

/** Free attributes may hold any text but NUL (PostgreSQL cannot store it) and broken UTF-16. */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function checkAttrs(v: unknown, path: string, errors: FieldError[], depth = 0): void {
  if (depth > 8) {
    errors.push({ path, message: 'nested too deep (at most 8 levels)' });
    return;
  }
  if (typeof v === 'string') {
    if (UNSTORABLE.test(v)) errors.push({ path, message: 'must not contain NUL or unpaired UTF-16 surrogates' });
  } else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      const p = `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (UNSTORABLE.test(k)) errors.push({ path: p, message: 'key must not contain NUL or unpaired UTF-16 surrogates' });
      else checkAttrs(x, p, errors, depth + 1);
    }
  }
}

/** Date.parse rolls 2026-02-31 over into March; a timestamp naming a day or time that does not exist is refused. */
/** Epoch ms, or an error message. */
function parseTs(v: unknown): number | string {
  if (v === undefined) return 'required';
  let ms: number;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return 'must be a finite number of epoch milliseconds';
    ms = Math.floor(v);
    if (ms > 0 && ms < TS_MIN && ms * 1000 >= TS_MIN) return 'looks like epoch seconds; use epoch milliseconds';
  } else if (typeof v === 'string') {
    if (!ISO_WITH_ZONE.test(v)) return 'must be ISO 8601 with a time zone (e.g. 2026-11-21T10:15:00Z) or epoch milliseconds';
    ms = Date.parse(v);
    if (Number.isNaN(ms) || !calendarValid(v)) return 'is not a valid date';
  } else {
    return 'must be an ISO 8601 string or epoch milliseconds';
  }
  if (ms < TS_MIN || ms >= TS_MAX) return 'must be between 2000-01-01 and 2100-01-01';
  return ms;
}
