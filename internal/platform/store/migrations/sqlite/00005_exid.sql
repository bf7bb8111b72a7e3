-- +goose Up
-- The platform's OPRF keys, one per epoch, the private scalar sealed under
-- the key-encryption key (never stored in the clear).
CREATE TABLE oprf_keys (
    epoch       INTEGER PRIMARY KEY,
    public_key  BLOB NOT NULL,
    sealed_key  BLOB NOT NULL,
    alg         TEXT NOT NULL,
    kek_id      TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    created_by  TEXT NOT NULL,
    retired_at  TIMESTAMP
);

-- exID issuance metered per member and business day (Asia/Shanghai): counts
-- of evaluated elements, never the elements.
CREATE TABLE issuance_usage (
    member_id TEXT NOT NULL,
    day       TEXT NOT NULL,
    count     BIGINT NOT NULL,
    PRIMARY KEY (member_id, day)
);

-- +goose Down
DROP TABLE issuance_usage;
DROP TABLE oprf_keys;
