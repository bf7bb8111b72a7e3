-- +goose Up
-- Members' webhooks. The HMAC secret that signs each call is shown to the
-- member once and kept sealed with the platform's key-encryption key.
CREATE TABLE webhook_secrets (
    member_id     TEXT PRIMARY KEY,
    secret_sealed BYTEA NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

-- The outbox: an event is written here in the transaction that causes it
-- (a low balance, a suspension, an order's change), so that none is lost
-- however the process ends, and sent afterwards, retried with backoff. The
-- ID goes with every attempt: a receiver that sees it twice has the same
-- event twice. The URL is read when sending, so a corrected address
-- receives what is still pending.
CREATE TABLE webhook_outbox (
    id           TEXT PRIMARY KEY,
    member_id    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    next_at      TIMESTAMPTZ NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_status  TEXT NOT NULL DEFAULT '',
    delivered_at TIMESTAMPTZ,
    failed_at    TIMESTAMPTZ
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_at) WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX webhook_outbox_member ON webhook_outbox (member_id, created_at);

-- +goose Down
DROP TABLE webhook_outbox;
DROP TABLE webhook_secrets;
