/**
 * Recommendations and alerts (issue #9): each item as it stands now, and every transition of its
 * lifecycle (open → acknowledged → resolved), so history survives restarts and can be read by range.
 * `num` is the item's number (its id is "r" + num), assigned by the server and unique across tenants.
 */
export default `
CREATE TABLE recommendations (
  num             bigint      PRIMARY KEY,
  tenant          text        NOT NULL,
  key             text        NOT NULL,
  kind            text        NOT NULL,
  state           text        NOT NULL,
  severity        text        NOT NULL,
  reason          text        NOT NULL,
  data            jsonb       NOT NULL,
  opened_at       timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  acknowledged_at timestamptz,
  acknowledged_by text,
  resolved_at     timestamptz
);
-- the open board of a tenant, and its history by time
CREATE INDEX recommendations_open ON recommendations (tenant) WHERE state <> 'resolved';
CREATE INDEX recommendations_history ON recommendations (tenant, opened_at);

CREATE TABLE recommendation_transitions (
  num        bigint      NOT NULL,
  tenant     text        NOT NULL,
  from_state text,
  to_state   text        NOT NULL,
  at         timestamptz NOT NULL
);
CREATE INDEX recommendation_transitions_num ON recommendation_transitions (num);
`;
