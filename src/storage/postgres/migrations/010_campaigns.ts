/**
 * Outbound campaigns registered with PUT /v1/campaigns/:id (issue #9): what the pacing and finish-time
 * advice needs that the events do not say: the list size, the deadline, the drop cap, the answer rate.
 */
export default `
CREATE TABLE campaigns (
  tenant       text        NOT NULL,
  id           text        NOT NULL,
  queue        text,
  list_size    integer     NOT NULL,
  deadline     timestamptz NOT NULL,
  drop_cap_pct real        NOT NULL,
  answer_rate  real,
  registered_at timestamptz NOT NULL,
  PRIMARY KEY (tenant, id)
);
`;
