/**
 * The time an event claimed (issue #10): its `ts`, or for an event whose time was clamped to its
 * arrival (far in the future) the time it claimed, kept in `attrs.ccpulseClampedFromTs`. A retry of the
 * same event claims the same time, whenever it arrives: the PostgreSQL log is partitioned by it, day by
 * day, and its idempotency key is (tenant, id, key_ts), one day's index each (migration 012). Rows logged
 * before this migration have none here; KEY_TS_OF_ROW computes it for them.
 */
export default `
ALTER TABLE events ADD COLUMN key_ts timestamptz;
ALTER TABLE events ALTER COLUMN key_ts SET STATISTICS 10;
`;

/** SQL for the claimed time of a row of `events` (see above): a clamped event's original time where it is a number a timestamp can hold. */
export const KEY_TS_OF_ROW = `coalesce(key_ts, CASE WHEN jsonb_typeof(attrs->'ccpulseClampedFromTs') = 'number' AND abs((attrs->>'ccpulseClampedFromTs')::numeric) <= 8.64e15
  THEN 'epoch'::timestamptz + (attrs->>'ccpulseClampedFromTs')::float8 * interval '1 millisecond' ELSE ts END)`;
