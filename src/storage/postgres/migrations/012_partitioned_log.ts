import { KEY_TS_OF_ROW } from './011_event_key_time.js';

/**
 * The PostgreSQL server's log partitioned by day (issue #10; seed 000: insert speed in a full database
 * can fall by orders of magnitude from an empty one). One table a day of claimed event time (key_ts), so
 * the idempotency key (tenant, id, key_ts) is one day's index, not one that grows over all time, and a
 * day is detached, archived or dropped whole. A default partition takes the days that have none yet (far
 * past or future); the log's upkeep (SqlStorage.maintainLog) creates the days ahead and moves a day that
 * fills up in the default partition to its own. The embedded store keeps one table: it is the small tier.
 *
 * The rows logged so far are copied in one transaction: on a large log, this migration takes as long
 * as copying it (PostgreSQL inserts some 100k rows a second); the server starts after it.
 */
export default `
ALTER TABLE events RENAME TO events_flat;
ALTER TABLE events_flat RENAME CONSTRAINT events_pkey TO events_flat_pkey;
ALTER INDEX events_seq_brin RENAME TO events_flat_seq_brin;
ALTER INDEX events_ts_brin RENAME TO events_flat_ts_brin;

CREATE TABLE events (
  seq         bigint      NOT NULL DEFAULT nextval('events_seq_seq'),
  tenant      text        NOT NULL,
  id          text        NOT NULL,
  type        text        NOT NULL,
  ts          timestamptz NOT NULL,
  appeal_id   text,
  channel     text,
  queue       text,
  operator_id text,
  status      text,
  direction   text,
  campaign_id text,
  attrs       jsonb,
  received_at timestamptz NOT NULL DEFAULT now(),
  key_ts      timestamptz NOT NULL,
  PRIMARY KEY (tenant, id, key_ts)
) PARTITION BY RANGE (key_ts);
ALTER SEQUENCE events_seq_seq OWNED BY events.seq;
CREATE INDEX events_seq_brin ON events USING brin (seq) WITH (autosummarize = on);
CREATE INDEX events_ts_brin ON events USING brin (ts) WITH (autosummarize = on);
CREATE TABLE events_default PARTITION OF events DEFAULT;

-- a partition for each day the log holds, and for today and the week ahead (days in UTC)
DO $$
DECLARE d date;
BEGIN
  FOR d IN
    SELECT DISTINCT (${KEY_TS_OF_ROW} AT TIME ZONE 'UTC')::date FROM events_flat
    UNION SELECT (now() AT TIME ZONE 'UTC')::date + k FROM generate_series(0, 7) AS k
  LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
      'events_' || to_char(d, 'YYYYMMDD'), (d::timestamp AT TIME ZONE 'UTC'), ((d + 1)::timestamp AT TIME ZONE 'UTC'));
  END LOOP;
END $$;

INSERT INTO events (seq, tenant, id, type, ts, appeal_id, channel, queue, operator_id, status, direction, campaign_id, attrs, received_at, key_ts)
  SELECT seq, tenant, id, type, ts, appeal_id, channel, queue, operator_id, status, direction, campaign_id, attrs, received_at, ${KEY_TS_OF_ROW}
  FROM events_flat;
DROP TABLE events_flat;

ALTER TABLE events ALTER COLUMN seq SET STATISTICS 10, ALTER COLUMN tenant SET STATISTICS 10, ALTER COLUMN id SET STATISTICS 10,
  ALTER COLUMN type SET STATISTICS 10, ALTER COLUMN ts SET STATISTICS 10, ALTER COLUMN appeal_id SET STATISTICS 10,
  ALTER COLUMN channel SET STATISTICS 10, ALTER COLUMN queue SET STATISTICS 10, ALTER COLUMN operator_id SET STATISTICS 10,
  ALTER COLUMN status SET STATISTICS 10, ALTER COLUMN direction SET STATISTICS 10, ALTER COLUMN campaign_id SET STATISTICS 10,
  ALTER COLUMN attrs SET STATISTICS 10, ALTER COLUMN received_at SET STATISTICS 10, ALTER COLUMN key_ts SET STATISTICS 10;
ANALYZE events;
`;
