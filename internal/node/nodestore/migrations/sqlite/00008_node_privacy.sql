-- +goose Up
-- Data subjects' requests from the privacy centre (PIPL Art. 44–47, S-6):
-- a copy, a correction, deletion, or a complaint, each with its due date
-- in Chinese working days and its outcome.
CREATE TABLE node_subject_requests (
    id          TEXT PRIMARY KEY,
    exid        BLOB NOT NULL,
    kind        TEXT NOT NULL, -- copy, correct, delete, complain
    details     TEXT NOT NULL,
    filed_at    TIMESTAMP NOT NULL,
    due_on      TEXT NOT NULL, -- YYYY-MM-DD, Beijing
    provisional BOOLEAN NOT NULL, -- due_on counted without the holiday calendar of its year
    status      TEXT NOT NULL, -- open, done, refused
    outcome     TEXT NOT NULL DEFAULT '',
    closed_by   TEXT NOT NULL DEFAULT '',
    closed_at   TIMESTAMP
);
CREATE INDEX node_subject_requests_exid ON node_subject_requests (exid, filed_at);
CREATE INDEX node_subject_requests_open ON node_subject_requests (status, due_on);

-- +goose Down
DROP TABLE node_subject_requests;
