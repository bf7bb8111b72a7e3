-- +goose Up
-- An import that translates raw IDs through the platform keeps each
-- batch's exIDs here as it goes, committed batch by batch, so that an
-- interrupted import resumes without translating (and paying for) them
-- again. A batch is found by the import's dataset and first row, and
-- taken only if a keyed digest of its raw IDs matches: the raw IDs
-- themselves are never kept. The import that commits the version removes
-- its dataset's stages; the node's maintenance removes those left for
-- a week.
CREATE TABLE node_import_stages (
    dataset   TEXT NOT NULL,
    first_row INTEGER NOT NULL,
    digest    BLOB NOT NULL,
    ids       BLOB NOT NULL, -- the batch's exIDs, 17 bytes each, in order
    staged_at TIMESTAMP NOT NULL,
    PRIMARY KEY (dataset, first_row)
);
CREATE INDEX node_import_stages_age ON node_import_stages (staged_at);

-- +goose Down
DROP TABLE node_import_stages;
