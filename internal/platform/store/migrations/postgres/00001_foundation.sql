-- +goose Up
CREATE TABLE members (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    uscc              TEXT NOT NULL UNIQUE,
    industry          TEXT NOT NULL,
    contact_name      TEXT NOT NULL,
    contact_phone     TEXT NOT NULL,
    contact_email     TEXT NOT NULL,
    storage_region    TEXT NOT NULL,
    is_supplier       BOOLEAN NOT NULL,
    is_demander       BOOLEAN NOT NULL,
    stage             TEXT NOT NULL,
    standing          TEXT NOT NULL DEFAULT 'good',
    applied_at        TIMESTAMPTZ NOT NULL,
    applied_by        TEXT NOT NULL,
    qualified_at      TIMESTAMPTZ,
    qualified_by      TEXT NOT NULL DEFAULT '',
    reject_reason     TEXT NOT NULL DEFAULT '',
    agreement_version TEXT NOT NULL DEFAULT '',
    agreed_at         TIMESTAMPTZ,
    agreed_by         TEXT NOT NULL DEFAULT '',
    x25519_public     BYTEA,
    ed25519_public    BYTEA,
    opened_at         TIMESTAMPTZ,
    opened_by         TEXT NOT NULL DEFAULT '',
    integrated_at     TIMESTAMPTZ,
    integrated_by     TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX members_stage ON members (stage, created_at);

CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,
    member_id     TEXT REFERENCES members (id),
    role          TEXT NOT NULL,
    login         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    created_by    TEXT NOT NULL,
    disabled_at   TIMESTAMPTZ
);
CREATE INDEX accounts_member ON accounts (member_id);

CREATE TABLE sessions (
    digest      BYTEA PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    csrf        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    member_id    TEXT REFERENCES members (id),
    name         TEXT NOT NULL,
    digest       BYTEA NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_tokens_account ON api_tokens (account_id);

CREATE TABLE request_nonces (
    member_id  TEXT NOT NULL,
    nonce      TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (member_id, nonce)
);
CREATE INDEX request_nonces_expiry ON request_nonces (expires_at);

-- The business log. seq is the leaf index in the Merkle tree, assigned under
-- the lock on log_head so that entries form one gap-free sequence.
CREATE TABLE log_entries (
    seq        BIGINT PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    actor      TEXT NOT NULL,
    member_id  TEXT NOT NULL DEFAULT '',
    kind       TEXT NOT NULL,
    object     TEXT NOT NULL DEFAULT '',
    payload    BYTEA NOT NULL,
    leaf_hash  BYTEA NOT NULL
);
CREATE INDEX log_entries_member ON log_entries (member_id, seq);
CREATE INDEX log_entries_kind ON log_entries (kind, seq);

CREATE TABLE log_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    size BIGINT NOT NULL
);
INSERT INTO log_head (id, size) VALUES (1, 0);

-- +goose Down
DROP TABLE log_head;
DROP TABLE log_entries;
DROP TABLE request_nonces;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE accounts;
DROP TABLE members;
