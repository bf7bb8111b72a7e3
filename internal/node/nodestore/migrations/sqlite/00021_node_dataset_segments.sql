-- +goose Up
-- A dataset version is kept in columns (package colstore): its exIDs in
-- order and each tag column dictionary-coded, stored as chunks of at most
-- 16 MiB. A sensitive column's chunks hold its block sealed under the
-- field's key. Versions imported before keep their rows in
-- node_dataset_rows (store 'rows') until a change of grading rewrites them.
ALTER TABLE node_dataset_versions ADD COLUMN store TEXT NOT NULL DEFAULT 'rows';
CREATE TABLE node_dataset_segments (
    version_id INTEGER NOT NULL REFERENCES node_dataset_versions (id),
    part       TEXT NOT NULL,    -- 'ids', or 'c<column>'
    n          INTEGER NOT NULL, -- the chunk's place in its part
    first_key  BLOB,             -- of an ids chunk: its first exID
    crc        INTEGER NOT NULL, -- CRC-32C of data: a damaged chunk is named, not misread
    data       BLOB NOT NULL,
    PRIMARY KEY (version_id, part, n)
);
CREATE INDEX node_dataset_segments_key ON node_dataset_segments (version_id, part, first_key);

-- +goose Down
DROP TABLE node_dataset_segments;
ALTER TABLE node_dataset_versions DROP COLUMN store;
