-- +goose Up
-- Corrections and deletions travel to the demanders that received the data
-- (X-P4, O-4, PIPL Art. 47).

-- What this node supplied, per answered request: the rows of the dataset
-- version (their positions in exID order) it answered, as a compressed
-- bitmap, with the order's licensed columns and purpose. It tells a person
-- in the privacy centre to whom their data went, and the node which
-- demanders to notify when it changes.
CREATE TABLE node_supplied (
    order_id    TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    demander    TEXT NOT NULL,
    version_id  BIGINT NOT NULL REFERENCES node_dataset_versions (id),
    columns     TEXT NOT NULL, -- JSON array of the licensed tag keys
    purpose     TEXT NOT NULL DEFAULT '',
    rows_bitmap BYTEA NOT NULL,
    subjects    INTEGER NOT NULL,
    supplied_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (order_id, request_id)
);
CREATE INDEX node_supplied_version ON node_supplied (version_id, order_id);

-- Notices this node made as a supplier: the rows of from_version they
-- name (so that none is named twice), sealed to the demander until sent.
CREATE TABLE node_rectifications_out (
    id            TEXT PRIMARY KEY,
    order_id      TEXT NOT NULL,
    demander      TEXT NOT NULL,
    action        TEXT NOT NULL, -- delete, correct
    reason        TEXT NOT NULL, -- erased, withdrawn, removed, corrected
    from_version  BIGINT NOT NULL,
    to_version    BIGINT NOT NULL, -- correct: the version whose values it carries; delete: 0
    rows_bitmap   BYTEA NOT NULL,
    subjects      INTEGER NOT NULL,
    sealed        BYTEA, -- cleared once sent
    authenticator BYTEA,
    created_at    TIMESTAMPTZ NOT NULL,
    sent_at       TIMESTAMPTZ,
    sent_seq      INTEGER
);
CREATE INDEX node_rectifications_out_order ON node_rectifications_out (order_id, from_version);
CREATE INDEX node_rectifications_out_unsent ON node_rectifications_out (created_at) WHERE sent_at IS NULL;

-- Notices this node applied as a demander, and their attestation.
CREATE TABLE node_rectifications_in (
    id          TEXT PRIMARY KEY,
    order_id    TEXT NOT NULL,
    supplier    TEXT NOT NULL,
    action      TEXT NOT NULL,
    subjects    INTEGER NOT NULL,
    applied     INTEGER NOT NULL,
    absent      INTEGER NOT NULL,
    files       TEXT NOT NULL DEFAULT '[]',
    applied_at  TIMESTAMPTZ NOT NULL,
    attest_seq  INTEGER,
    attested_at TIMESTAMPTZ
);

-- The identifier type of a delivery's result files when they are keyed by
-- the member's raw IDs ('' for exIDs): applying a notice turns the keys of
-- the rows it names back into exIDs.
ALTER TABLE node_deliveries ADD COLUMN key_type TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE node_deliveries DROP COLUMN key_type;
DROP TABLE node_rectifications_in;
DROP TABLE node_rectifications_out;
DROP TABLE node_supplied;
