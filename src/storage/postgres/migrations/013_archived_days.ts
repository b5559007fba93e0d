/**
 * The record of the log's days moved to the archive (issue #10): one row per file written, verified and
 * removed from the hot store, inserted in the same transaction that removes the day's events, so a day
 * is either in the log or recorded here, never neither. A day that receives events after it was
 * archived (a very late event) is archived again later as its next part. In the embedded store it lives
 * in the log's database, beside the events it replaces.
 */
export default `
CREATE TABLE archived_days (
  day         date        NOT NULL,
  part        integer     NOT NULL,
  file        text        NOT NULL UNIQUE,
  events      bigint      NOT NULL,
  sha256      text        NOT NULL,
  min_seq     bigint      NOT NULL,
  max_seq     bigint      NOT NULL,
  -- events per tenant, [{"tenant": …, "events": n}]: what /v1/verify tells a tenant of its own archived events
  tenants     jsonb       NOT NULL,
  archived_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (day, part)
);
`;
