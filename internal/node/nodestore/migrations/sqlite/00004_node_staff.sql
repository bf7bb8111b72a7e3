-- +goose Up
-- The node console's own staff accounts and sessions. A node holds a
-- member's datasets and keys, so its console has logins of its own,
-- under the platform's password and session rules (argon2id hashes; a
-- session is stored by the SHA-256 of its cookie secret).
CREATE TABLE node_accounts (
    id            TEXT PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    created_by    TEXT NOT NULL,
    disabled_at   TIMESTAMP
);

CREATE TABLE node_sessions (
    digest      BLOB PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES node_accounts (id),
    csrf        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL
);
CREATE INDEX node_sessions_expiry ON node_sessions (expires_at);

-- +goose Down
DROP TABLE node_sessions;
DROP TABLE node_accounts;
