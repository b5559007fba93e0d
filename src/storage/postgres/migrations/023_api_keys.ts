/**
 * API keys (issue #14): the public id of each key, its tenant and role, and the scrypt hash of the
 * whole key (never the key). A revoked key keeps its row (revoked_at set): its id is never reused.
 */
export default `
CREATE TABLE api_keys (
  id         text        PRIMARY KEY,
  tenant     text        NOT NULL,
  role       text        NOT NULL,
  name       text        NOT NULL,
  hash       text        NOT NULL,
  last4      text        NOT NULL,
  created_at timestamptz NOT NULL,
  revoked_at timestamptz
);
`;
