-- +goose Up
-- Where each member's node answers relayed delivery requests (its
-- AnswerService base URL), registered by the node itself.
CREATE TABLE node_endpoints (
    member_id  TEXT PRIMARY KEY REFERENCES members (id),
    url        TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- One row per delivery the platform metered and charged (配送). It holds
-- counts, the charge and hashes only: never a token, an exID or a value.
-- (order_id, request_id) is the idempotency key of a delivery.
CREATE TABLE deliveries (
    order_id           TEXT NOT NULL REFERENCES orders (id),
    request_id         TEXT NOT NULL,
    demander_id        TEXT NOT NULL REFERENCES members (id),
    supplier_id        TEXT NOT NULL REFERENCES members (id),
    queried            BIGINT NOT NULL,
    matched            BIGINT NOT NULL,
    charge_fen         BIGINT NOT NULL,
    commitment         TEXT NOT NULL,
    tokens_sha256      TEXT NOT NULL,
    supplier_signature BYTEA NOT NULL,
    delivered_at       TIMESTAMPTZ NOT NULL,
    retain_until       TEXT NOT NULL,
    seq                BIGINT NOT NULL,
    receipt            TEXT NOT NULL,
    destroyed_at       TIMESTAMPTZ,
    destroy_reason     TEXT NOT NULL DEFAULT '',
    destroy_seq        BIGINT,
    PRIMARY KEY (order_id, request_id),
    CHECK (matched <= queried AND charge_fen >= 0)
);
CREATE INDEX deliveries_order_at ON deliveries (order_id, delivered_at);
CREATE INDEX deliveries_demander ON deliveries (demander_id, delivered_at);
CREATE INDEX deliveries_supplier ON deliveries (supplier_id, delivered_at);
CREATE INDEX deliveries_retention ON deliveries (retain_until) WHERE destroyed_at IS NULL;

-- Delivered counts per order and period: "month:YYYY-MM" (the billing
-- month, Asia/Shanghai) for the charge, "day:YYYY-MM-DD" (the business
-- day) for the per-day traversal limit.
CREATE TABLE delivery_usage (
    order_id   TEXT NOT NULL REFERENCES orders (id),
    period     TEXT NOT NULL,
    queried    BIGINT NOT NULL DEFAULT 0,
    matched    BIGINT NOT NULL DEFAULT 0,
    requests   BIGINT NOT NULL DEFAULT 0,
    charge_fen BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (order_id, period)
);

-- +goose Down
DROP TABLE delivery_usage;
DROP TABLE deliveries;
DROP TABLE node_endpoints;
