-- +goose Up
-- The regulator's witnesses of the business log (X-G1): each keeps its own
-- copy of the log and cosigns the checkpoints it verified. A witness is
-- known by its name and cosignature verifier key, registered by the
-- regulator account that first published a cosignature under it.
CREATE TABLE log_witnesses (
    name          TEXT PRIMARY KEY,
    verifier_key  TEXT NOT NULL UNIQUE,
    registered_by TEXT NOT NULL,
    registered_at TIMESTAMPTZ NOT NULL
);

-- The newest cosignature of each witness for each checkpoint size it
-- cosigned: the signature line as it appears in the signed note.
CREATE TABLE log_cosignatures (
    witness     TEXT NOT NULL REFERENCES log_witnesses (name),
    size        BIGINT NOT NULL,
    signature   TEXT NOT NULL,
    signed_at   TIMESTAMPTZ NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (witness, size)
);
CREATE INDEX log_cosignatures_size ON log_cosignatures (size);

-- +goose Down
DROP TABLE log_cosignatures;
DROP TABLE log_witnesses;
