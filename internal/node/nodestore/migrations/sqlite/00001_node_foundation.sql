-- +goose Up
-- Every node table is prefixed node_ and the node keeps its own goose
-- version table, so that a node can share a PostgreSQL database (and the
-- demo a directory) with other software without colliding.
CREATE TABLE node_keys (
    id             TEXT PRIMARY KEY,
    purpose        TEXT NOT NULL,
    public_key     BLOB NOT NULL,
    sealed_private BLOB NOT NULL,
    sealer         TEXT NOT NULL,
    kek_id         TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    retired_at     TIMESTAMP
);
-- One active key per purpose; retired keys stay for deliveries sealed under them.
CREATE UNIQUE INDEX node_keys_active ON node_keys (purpose) WHERE retired_at IS NULL;

CREATE TABLE node_settings (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE node_events (
    id     INTEGER PRIMARY KEY,
    at     TIMESTAMP NOT NULL,
    kind   TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX node_events_at ON node_events (at);

-- +goose Down
DROP TABLE node_events;
DROP TABLE node_settings;
DROP TABLE node_keys;
