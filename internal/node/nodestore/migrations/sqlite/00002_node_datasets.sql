-- +goose Up
-- A supplier's datasets stay on its node (X-A1). Each import is a version;
-- node_datasets.current_version points at the one delivery answers from.
CREATE TABLE node_datasets (
    name            TEXT PRIMARY KEY,
    current_version INTEGER NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);

CREATE TABLE node_dataset_versions (
    id              INTEGER PRIMARY KEY,
    dataset         TEXT NOT NULL,
    version         INTEGER NOT NULL,
    listing_id      TEXT NOT NULL,
    listing_version INTEGER NOT NULL,
    subject         TEXT NOT NULL,
    tag_columns     TEXT NOT NULL, -- JSON array: the tag columns, in value order
    row_count       INTEGER NOT NULL,
    gate_pass       BOOLEAN NOT NULL,
    gate_report     TEXT NOT NULL, -- the signed catalog.GateReport, JSON
    imported_at     TIMESTAMP NOT NULL,
    UNIQUE (dataset, version)
);

-- Rows are keyed by exID only: raw IDs never reach the node's store.
CREATE TABLE node_dataset_rows (
    version_id INTEGER NOT NULL REFERENCES node_dataset_versions (id),
    exid       BLOB NOT NULL,
    vals       TEXT NOT NULL, -- JSON array in the version's column order
    PRIMARY KEY (version_id, exid)
) WITHOUT ROWID;

-- An exclusion removes a subject from every answer of one dataset, or of
-- all datasets when dataset is '' (a withdrawn consent, O-4).
CREATE TABLE node_dataset_exclusions (
    exid       BLOB NOT NULL,
    dataset    TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (exid, dataset)
);

-- +goose Down
DROP TABLE node_dataset_exclusions;
DROP TABLE node_dataset_rows;
DROP TABLE node_dataset_versions;
DROP TABLE node_datasets;
