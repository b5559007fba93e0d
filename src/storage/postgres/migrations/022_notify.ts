/**
 * Notifications (issue #12, src/notify): each tenant's destinations (their documents, secrets included:
 * the API never returns them), the outbox that every saved lifecycle change is also written to in the
 * same transaction, how far the notifier has routed it, and one row per delivery (item × event ×
 * destination), made once under its key.
 */
export default `
CREATE TABLE notify_destinations (
  tenant     text        NOT NULL,
  id         text        NOT NULL,
  doc        text        NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant, id)
);

CREATE TABLE notify_outbox (
  id         bigserial   PRIMARY KEY,
  tenant     text        NOT NULL,
  num        bigint      NOT NULL,
  from_state text,
  to_state   text        NOT NULL,
  at         timestamptz NOT NULL,
  item       text        NOT NULL
);

CREATE TABLE notify_routed (
  one        boolean     PRIMARY KEY DEFAULT true CHECK (one),
  up_to      bigint      NOT NULL
);

CREATE TABLE notify_deliveries (
  key         text        PRIMARY KEY,
  tenant      text        NOT NULL,
  destination text        NOT NULL,
  num         bigint      NOT NULL,
  event       text        NOT NULL,
  state       text        NOT NULL,
  attempts    integer     NOT NULL,
  next_at     timestamptz NOT NULL,
  last_error  text,
  created_at  timestamptz NOT NULL,
  sent_at     timestamptz,
  message     text        NOT NULL
);
CREATE INDEX notify_deliveries_due ON notify_deliveries (next_at) WHERE state = 'pending';
CREATE INDEX notify_deliveries_tenant ON notify_deliveries (tenant, created_at);
`;
