-- +goose Up
-- A witness's own copy of the platform's business log (X-G1). The state
-- row holds the pinned log key, how many entries are copied with the
-- compact Merkle range over them, the newest checkpoint verified against
-- the copy (with the witness's cosignature) and where the rolling audit
-- of the copy against what the platform serves has reached.
CREATE TABLE witness_state (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    log_key       TEXT NOT NULL,
    copied        BIGINT NOT NULL,
    range_hashes  BYTEA NOT NULL,
    verified_size BIGINT NOT NULL,
    verified_root BYTEA NOT NULL,
    checkpoint    TEXT NOT NULL,
    audited       BIGINT NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

-- Every entry, as the leaf bytes hashed into the tree.
CREATE TABLE witness_entries (
    seq  BIGINT PRIMARY KEY,
    leaf BYTEA NOT NULL
);

-- Every alarm raised: the first index found to differ and why.
CREATE TABLE witness_alarms (
    at          TIMESTAMPTZ NOT NULL,
    first_index BIGINT NOT NULL,
    reason      TEXT NOT NULL
);

-- +goose Down
DROP TABLE witness_alarms;
DROP TABLE witness_entries;
DROP TABLE witness_state;
