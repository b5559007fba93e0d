/** The log, the rollups, checkpoints and dead letters. */
export default `
CREATE TABLE events (
  seq         bigserial   NOT NULL,
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
  -- the idempotency key: a repeated id is a duplicate, whenever it comes
  PRIMARY KEY (tenant, id)
);
-- seq and ts grow with inserts, so block-range indexes serve replay and time-range reads at a fraction
-- of a b-tree's write cost
CREATE INDEX events_seq_brin ON events USING brin (seq);
CREATE INDEX events_ts_brin ON events USING brin (ts);

CREATE TABLE rollups (
  tenant        text        NOT NULL,
  bucket        timestamptz NOT NULL,
  queue         text        NOT NULL,
  channel       text        NOT NULL,
  operator      text        NOT NULL DEFAULT '',
  offered       integer     NOT NULL DEFAULT 0,
  aa            integer     NOT NULL DEFAULT 0,
  ha            integer     NOT NULL DEFAULT 0,
  missed        integer     NOT NULL DEFAULT 0,
  wait_sum_ms   bigint      NOT NULL DEFAULT 0,
  wait_count    integer     NOT NULL DEFAULT 0,
  handle_sum_ms bigint      NOT NULL DEFAULT 0,
  handle_count  integer     NOT NULL DEFAULT 0,
  qa_delta      integer     NOT NULL DEFAULT 0,
  wait_hist     jsonb       NOT NULL DEFAULT '{}',
  abandon_hist  jsonb       NOT NULL DEFAULT '{}',
  repairs       jsonb       NOT NULL DEFAULT '{}',
  PRIMARY KEY (tenant, bucket, queue, channel, operator)
);

CREATE TABLE checkpoints (
  name       text        PRIMARY KEY,
  position   bigint      NOT NULL,
  state      json        NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE dead_letters (
  id          bigserial   PRIMARY KEY,
  tenant      text        NOT NULL,
  event_id    text,
  seq         bigint,
  step        text        NOT NULL,
  reason      text        NOT NULL,
  payload     jsonb       NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  replayed_at timestamptz
);
CREATE INDEX dead_letters_tenant ON dead_letters (tenant, id);
`;
