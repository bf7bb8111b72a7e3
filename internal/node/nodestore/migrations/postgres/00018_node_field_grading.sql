-- +goose Up
-- Classification and grading of every field of every dataset (C-7, O-5):
-- the catalogue's suggestion and staff's confirmation, per dataset and
-- column, so that a column keeps its grade across versions.
CREATE TABLE node_field_grades (
    dataset         TEXT NOT NULL,
    col             TEXT NOT NULL,
    tag_key         TEXT NOT NULL DEFAULT '',
    class           TEXT NOT NULL, -- in force: confirmed, else suggested
    grade           INTEGER NOT NULL,
    suggested_class TEXT NOT NULL,
    suggested_grade INTEGER NOT NULL,
    because         TEXT NOT NULL, -- what the suggestion rests on
    catalogue       TEXT NOT NULL, -- the catalogue version that suggested it
    confirmed_by    TEXT NOT NULL DEFAULT '',
    confirmed_at    TIMESTAMPTZ,
    note            TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (dataset, col)
);

-- The data key of each encrypted field of each dataset version, sealed
-- under the node's key-encryption key: a copy of the database alone opens
-- none of the field's values.
CREATE TABLE node_field_keys (
    version_id BIGINT NOT NULL REFERENCES node_dataset_versions (id),
    col        TEXT NOT NULL,
    alg        TEXT NOT NULL, -- the field's construction (package fieldcrypt)
    sealer     TEXT NOT NULL, -- the construction that seals the key (package keyring)
    kek_id     TEXT NOT NULL,
    sealed     BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (version_id, col)
);

-- Which of the fields a read took were sensitive (JSON array), so that
-- access to sensitive fields is found without re-deriving grades.
ALTER TABLE node_data_reads ADD COLUMN sensitive TEXT NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE node_data_reads DROP COLUMN sensitive;
DROP TABLE node_field_keys;
DROP TABLE node_field_grades;
