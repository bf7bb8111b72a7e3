-- +goose Up
-- Demands, offers and orders keep their document as JSON (body); the
-- columns beside it are what tenant checks, lists and sweeps read.
CREATE TABLE demands (
    id         TEXT PRIMARY KEY,
    member_id  TEXT NOT NULL REFERENCES members (id),
    status     TEXT NOT NULL,
    body       BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX demands_member ON demands (member_id, created_at);
CREATE INDEX demands_status ON demands (status, created_at);

CREATE TABLE offers (
    id          TEXT PRIMARY KEY,
    demand_id   TEXT NOT NULL REFERENCES demands (id),
    listing_id  TEXT NOT NULL REFERENCES listings (id),
    supplier_id TEXT NOT NULL REFERENCES members (id),
    demander_id TEXT NOT NULL REFERENCES members (id),
    status      TEXT NOT NULL,
    body        BLOB NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
-- One standing offer per listing and demand: a new price replaces it.
CREATE UNIQUE INDEX offers_demand_listing ON offers (demand_id, listing_id);
CREATE INDEX offers_supplier ON offers (supplier_id, created_at);

CREATE TABLE orders (
    id          TEXT PRIMARY KEY,
    demand_id   TEXT NOT NULL,
    offer_id    TEXT NOT NULL,
    demander_id TEXT NOT NULL REFERENCES members (id),
    supplier_id TEXT NOT NULL REFERENCES members (id),
    status      TEXT NOT NULL,
    terms_hash  TEXT NOT NULL,
    ends_at     TIMESTAMP NOT NULL,
    body        BLOB NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX orders_demander ON orders (demander_id, created_at);
CREATE INDEX orders_supplier ON orders (supplier_id, created_at);
CREATE INDEX orders_status_end ON orders (status, ends_at);

-- The demander's quota 可用额度 (X-S3), in fen. Available = balance plus the
-- operator's temporary credit while it has not expired; the balance may go
-- below zero only by the credit, which the CHECK guards independently of
-- the code.
CREATE TABLE quota_accounts (
    member_id         TEXT PRIMARY KEY REFERENCES members (id),
    balance_fen       BIGINT NOT NULL DEFAULT 0,
    credit_fen        BIGINT NOT NULL DEFAULT 0,
    credit_expires_at TIMESTAMP,
    credit_reason     TEXT NOT NULL DEFAULT '',
    threshold_fen     BIGINT NOT NULL DEFAULT 0,
    webhook_url       TEXT NOT NULL DEFAULT '',
    low_warned        BOOLEAN NOT NULL DEFAULT FALSE,
    suspended_at      TIMESTAMP,
    topped_up_fen     BIGINT NOT NULL DEFAULT 0,
    deducted_fen      BIGINT NOT NULL DEFAULT 0,
    updated_at        TIMESTAMP NOT NULL,
    CHECK (credit_fen >= 0 AND balance_fen + credit_fen >= 0)
);

-- Every movement of a quota. (member_id, request_id) is the idempotency
-- key: a deduction repeated with the same request ID finds its first row.
CREATE TABLE quota_movements (
    member_id   TEXT NOT NULL REFERENCES members (id),
    request_id  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    amount_fen  BIGINT NOT NULL,
    balance_fen BIGINT NOT NULL,
    available_fen BIGINT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    object      TEXT NOT NULL DEFAULT '',
    actor       TEXT NOT NULL,
    at          TIMESTAMP NOT NULL,
    PRIMARY KEY (member_id, request_id)
);
CREATE INDEX quota_movements_at ON quota_movements (member_id, at);

-- Low-balance warnings, suspensions and resumptions, for the console
-- banner; cleared when a top-up restores the quota.
CREATE TABLE quota_notifications (
    id            TEXT PRIMARY KEY,
    member_id     TEXT NOT NULL REFERENCES members (id),
    kind          TEXT NOT NULL,
    available_fen BIGINT NOT NULL,
    threshold_fen BIGINT NOT NULL,
    at            TIMESTAMP NOT NULL,
    cleared_at    TIMESTAMP
);
CREATE INDEX quota_notifications_member ON quota_notifications (member_id, at);

-- +goose Down
DROP TABLE quota_notifications;
DROP TABLE quota_movements;
DROP TABLE quota_accounts;
DROP TABLE orders;
DROP TABLE offers;
DROP TABLE demands;
