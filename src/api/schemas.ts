import { Type } from '@sinclair/typebox';

const Num = Type.Number();
const NullableNum = Type.Union([Type.Number(), Type.Null()]);

/** The query of a route that takes no parameters (?apiKey= is taken out before): anything else is a mistake. */
export const NoQuery = Type.Object({}, { additionalProperties: false });

export const MetricValuesSchema = Type.Object({
  offered: Num,
  aa: Num,
  ha: Num,
  missed: Num,
  qa: Num,
  awtSec: NullableNum,
  ahtSec: NullableNum,
  asaSec: NullableNum,
  slPct: NullableNum,
  abandonPct: NullableNum,
  waitP50Sec: NullableNum,
  waitP90Sec: NullableNum,
  waitP95Sec: NullableNum,
  longestWaitSec: NullableNum,
});

export const MetricsRowSchema = Type.Object({
  queue: Type.Optional(Type.String()),
  channel: Type.Optional(Type.String()),
  operator: Type.Optional(Type.String()),
  team: Type.Optional(Type.String()),
  bucket: Type.Optional(Type.String()),
  final: Type.Boolean(),
  ...MetricValuesSchema.properties,
});

const OperatorCountsSchema = Type.Object({ offline: Num, ready: Num, busy: Num, break: Num, acw: Num });

export const LiveTileSchema = Type.Object({
  queue: Type.String(),
  channel: Type.String(),
  qa: Num,
  waiting: Num,
  inHandling: Num,
  longestWaitSec: Num,
  targets: Type.Object({ slPct: Num, slSec: Num, longWaitSec: Num }),
  lastEventAt: Type.Union([Type.Number(), Type.Null()]),
  operators: OperatorCountsSchema,
  operatorsHome: OperatorCountsSchema,
  last15m: MetricValuesSchema,
  last60m: MetricValuesSchema,
});

export const LiveSnapshotSchema = Type.Object({
  tenant: Type.String(),
  timeZone: Type.Optional(Type.String({ description: 'the center’s time zone (IANA): times are shown in it' })),
  watermark: Type.Union([Type.Number(), Type.Null()]),
  at: Num,
  position: Num,
  tiles: Type.Array(LiveTileSchema),
  center: Type.Object({ last15m: MetricValuesSchema, last60m: MetricValuesSchema }),
  operators: OperatorCountsSchema,
  repairs: Type.Record(Type.String(), Num),
});

const FieldErrorSchema = Type.Object({ path: Type.String(), message: Type.String() });

export const IngestResultSchema = Type.Object({
  accepted: Num,
  duplicates: Num,
  rejected: Type.Array(Type.Object({ index: Num, errors: Type.Array(FieldErrorSchema) })),
});

/**
 * Days (UTC) of a range whose raw events are archived (docs/STORAGE.md "Archive"): not recomputed by a
 * verify, not listed by the appeals (the rollups, and /v1/metrics, still have them).
 */
export const ArchivedDaysSchema = Type.Array(
  Type.Object({
    day: Type.String({ description: 'YYYY-MM-DD' }),
    /** This tenant's events of that day in the archive. */
    events: Type.Number(),
    files: Type.Array(Type.String()),
    /** Being archived right now: out of the log, its file not yet recorded. */
    inProgress: Type.Optional(Type.Boolean()),
  }),
);

export const ErrorSchema = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Array(FieldErrorSchema)) }),
});
