-- +goose Up
-- Delivery on the node (DESIGN.md protocol steps 4–6).

-- The listing's tag keys of each version, in the order of tag_columns:
-- orders name the columns they license by tag key. '[]' for versions
-- imported before this migration, which answer by column name.
ALTER TABLE node_dataset_versions ADD COLUMN tag_keys TEXT NOT NULL DEFAULT '[]';

-- Nonces of requests the platform relayed to this node, kept for twice
-- the allowed clock skew so that no relayed request is answered twice,
-- even across a restart.
CREATE TABLE node_relay_nonces (
    nonce   TEXT PRIMARY KEY,
    seen_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX node_relay_nonces_seen ON node_relay_nonces (seen_at);

-- Deliveries this node received as a demander, with their retention
-- deadline (X-P12): the files the node wrote them to are destroyed when
-- retain_until (an Asia/Shanghai date) has passed, and the destruction is
-- attested to the platform's log.
CREATE TABLE node_deliveries (
    order_id       TEXT NOT NULL,
    request_id     TEXT NOT NULL,
    supplier       TEXT NOT NULL,
    queried        BIGINT NOT NULL,
    matched        BIGINT NOT NULL,
    charge_fen     BIGINT NOT NULL,
    commitment     TEXT NOT NULL,
    seq            BIGINT NOT NULL,
    receipt        TEXT NOT NULL, -- the platform's signed receipt
    retain_until   TEXT NOT NULL, -- YYYY-MM-DD, Asia/Shanghai
    files          TEXT NOT NULL DEFAULT '[]', -- JSON array of the result files written
    delivered_at   TIMESTAMPTZ NOT NULL,
    destroyed_at   TIMESTAMPTZ,
    destroy_reason TEXT NOT NULL DEFAULT '',
    attested_at    TIMESTAMPTZ,
    attest_seq     BIGINT,
    PRIMARY KEY (order_id, request_id)
);
CREATE INDEX node_deliveries_live ON node_deliveries (retain_until) WHERE destroyed_at IS NULL;
CREATE INDEX node_deliveries_unattested ON node_deliveries (destroyed_at) WHERE destroyed_at IS NOT NULL AND attested_at IS NULL;

-- +goose Down
DROP TABLE node_deliveries;
DROP TABLE node_relay_nonces;
ALTER TABLE node_dataset_versions DROP COLUMN tag_keys;
