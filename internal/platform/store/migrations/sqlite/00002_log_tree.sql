-- +goose Up
-- The business log's Merkle tree, kept so that proofs need O(log n) point
-- reads and appends recompute nothing (see docs/parts/log.md).
--
-- Node (level, idx) of the RFC 6962 tree, level >= 1, is complete once leaf
-- ((idx+1) << level) - 1 is appended; that leaf's row keeps it, so nodes
-- are written by the same INSERT as the entry and read by primary key.
-- nodes is the concatenation of the 32-byte hashes of levels 1, 2, … that
-- the leaf completes (as many as the trailing one bits of seq).
ALTER TABLE log_entries ADD COLUMN nodes BLOB NOT NULL DEFAULT x'';

-- edge is the compact range of [0, size): the hashes of the complete
-- subtrees that size decomposes into, largest first. It is derived data (the
-- same hashes are in log_entries.nodes) kept so that an append reads one row.
ALTER TABLE log_head ADD COLUMN edge BLOB;

-- Signed checkpoints: note is the signed note whose body is
-- "origin\nsize\nbase64(root)\n".
CREATE TABLE log_checkpoints (
    size  BIGINT PRIMARY KEY,
    root  BLOB NOT NULL,
    at    TIMESTAMP NOT NULL,
    note  TEXT NOT NULL
);

-- The log signing key: the note verifier key in the clear, the signer key
-- sealed with AES-256-GCM under the key-encryption key held outside the
-- database.
CREATE TABLE log_keys (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    verifier    TEXT NOT NULL,
    sealed      BLOB NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE log_keys;
DROP TABLE log_checkpoints;
ALTER TABLE log_head DROP COLUMN edge;
ALTER TABLE log_entries DROP COLUMN nodes;
