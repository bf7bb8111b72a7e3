-- +goose Up
-- API tokens for the member's own systems calling the node's API (the
-- consent ledger's ConsentService): kept by the SHA-256 of the secret,
-- shown once when made; revoked, never deleted.
CREATE TABLE node_api_tokens (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    digest      BYTEA NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL,
    created_by  TEXT NOT NULL,
    revoked_at  TIMESTAMPTZ
);

-- +goose Down
DROP TABLE node_api_tokens;
