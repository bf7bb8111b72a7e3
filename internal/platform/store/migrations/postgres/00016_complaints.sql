-- +goose Up
-- Complaints (X-G3): anyone may complain, without an account, that an
-- exchange infringes their privacy or trade secret. The complainant's
-- contact stays here, out of the business log; the log holds the
-- complaint's steps and its evidence's SHA-256. The complainant follows
-- the complaint with a receipt code, kept as its SHA-256.
CREATE TABLE complaints (
    id              TEXT PRIMARY KEY,
    code_sha256     TEXT NOT NULL,
    kind            TEXT NOT NULL,
    complainant     TEXT NOT NULL,
    contact         TEXT NOT NULL,
    concerns        TEXT NOT NULL,
    description     TEXT NOT NULL,
    status          TEXT NOT NULL,
    order_id        TEXT NOT NULL DEFAULT '',
    demander_id     TEXT NOT NULL DEFAULT '',
    supplier_id     TEXT NOT NULL DEFAULT '',
    operator_note   TEXT NOT NULL DEFAULT '',
    answer          TEXT NOT NULL DEFAULT '',
    answered_by     TEXT NOT NULL DEFAULT '',
    filed_at        TIMESTAMPTZ NOT NULL,
    accepted_at     TIMESTAMPTZ,
    answered_at     TIMESTAMPTZ,
    resolved_at     TIMESTAMPTZ
);
CREATE INDEX complaints_status ON complaints (status, filed_at);
CREATE INDEX complaints_demander ON complaints (demander_id, filed_at);
CREATE INDEX complaints_supplier ON complaints (supplier_id, filed_at);

CREATE TABLE complaint_evidence (
    complaint_id TEXT NOT NULL REFERENCES complaints (id),
    n            INTEGER NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    data         BYTEA NOT NULL,
    added_by     TEXT NOT NULL,
    added_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (complaint_id, n)
);

-- +goose Down
DROP TABLE complaint_evidence;
DROP TABLE complaints;
