-- +goose Up
-- Members' incident reports (X-P6, X-P14, C-13): what happened, when it was
-- found, how many people it affects and its grade; for a grade that must be
-- reported to the authorities, the deadline; then the member's steps — the
-- authority's report, the affected people's notification, remediation —
-- and its closing. Each step is also a log entry.
CREATE TABLE incidents (
    id                    TEXT PRIMARY KEY,
    member_id             TEXT NOT NULL REFERENCES members (id),
    kind                  TEXT NOT NULL,
    title                 TEXT NOT NULL,
    description           TEXT NOT NULL,
    grade                 TEXT NOT NULL,
    affected              INTEGER NOT NULL,
    affects_exchange      BOOLEAN NOT NULL,
    orders                TEXT NOT NULL DEFAULT '',
    found_at              TIMESTAMP NOT NULL,
    reported_by           TEXT NOT NULL,
    reported_at           TIMESTAMP NOT NULL,
    authority_due         TIMESTAMP,
    authority_name        TEXT NOT NULL DEFAULT '',
    authority_ref         TEXT NOT NULL DEFAULT '',
    authority_reported_at TIMESTAMP,
    notified_count        INTEGER NOT NULL DEFAULT 0,
    notice_method         TEXT NOT NULL DEFAULT '',
    notified_at           TIMESTAMP,
    remediation           TEXT NOT NULL DEFAULT '',
    remediated_at         TIMESTAMP,
    closing_note          TEXT NOT NULL DEFAULT '',
    closed_at             TIMESTAMP
);
CREATE INDEX incidents_member ON incidents (member_id, reported_at);

-- +goose Down
DROP TABLE incidents;
