/**
 * Each tenant's settings as edited in the dashboard (PUT /v1/settings, issue #11): per-queue SL targets
 * and thresholds, alert thresholds, chat concurrency. One row a tenant, replaced only at the version it
 * was read at (src/settings/book.ts).
 */
export default `
CREATE TABLE tenant_settings (
  tenant     text        PRIMARY KEY,
  version    bigint      NOT NULL,
  settings   jsonb       NOT NULL,
  updated_at timestamptz NOT NULL
);
`;
