import { KEY_TS_OF_ROW } from './011_event_key_time.js';

/**
 * The log as a TimescaleDB hypertable (issue #10, tier 2): on a server with the extension, in place of
 * migration 012's declarative partitions. A chunk a day of claimed event time (key_ts), like 012's
 * partitions, so the idempotency key (tenant, id, key_ts) is one day's index and never one over all time;
 * TimescaleDB makes each day's chunk as the first event claiming it arrives (no default partition, no
 * days made ahead). Compressed days keep the key: an append whose key lands in one still finds the
 * duplicate (segments by tenant, a bloom filter on id; see timescale/policies.ts for when they compress).
 *
 * Applied instead of 012, never after it: a database whose log 012 already partitioned keeps that layout
 * (SqlStorage.migrate; docs/STORAGE.md). Rows logged before (a database made by a version before 012)
 * are copied in, in one transaction, as 012 does.
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
);
ALTER SEQUENCE events_seq_seq OWNED BY events.seq;
-- no index on key_ts alone (TimescaleDB's default): nothing reads by it, and the key starts with tenant
SELECT create_hypertable('events', by_range('key_ts', INTERVAL '1 day'), create_default_indexes => false);
-- replay (by seq) and time reads (by ts) within a chunk: block-range indexes, as on the partitioned log
CREATE INDEX events_seq_brin ON events USING brin (seq) WITH (autosummarize = on);
CREATE INDEX events_ts_brin ON events USING brin (ts) WITH (autosummarize = on);
-- a compressed day: a segment per tenant, in log order (replay reads by seq use each batch's range of
-- seq), with a bloom filter on id (an append checks its key against the batches that may hold it, not
-- all of the tenant's), one on appeal_id (reconciling an appeal) and the range of ts (reads by time)
ALTER TABLE events SET (
  timescaledb.compress,
  timescaledb.compress_segmentby = 'tenant',
  timescaledb.compress_orderby = 'seq',
  timescaledb.sparse_index = 'bloom(id), bloom(appeal_id), minmax(ts)'
);

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
