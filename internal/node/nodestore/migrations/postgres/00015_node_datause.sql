-- +goose Up
-- Data use inside the member (C-9, C-11, C-12, X-P11): a department uses
-- data only through an application the committee approved, for its
-- purpose, fields, method and term; accounts see only their domains'
-- datasets; every read of personal data is metered per account, and an
-- export beyond the account's threshold, or far beyond its own baseline,
-- is blocked and raises an alert for security staff.

-- An account's business domains (marketing, finance, …), comma-separated;
-- a dataset's domain. A dataset with a domain is used only by accounts of
-- that domain.
ALTER TABLE node_accounts ADD COLUMN domains TEXT NOT NULL DEFAULT '';
ALTER TABLE node_accounts ADD COLUMN reads_blocked_at TIMESTAMPTZ;
ALTER TABLE node_datasets ADD COLUMN domain TEXT NOT NULL DEFAULT '';

CREATE TABLE node_use_applications (
    id          TEXT PRIMARY KEY,
    login       TEXT NOT NULL, -- the applicant, who alone uses the grant
    dataset     TEXT NOT NULL,
    fields      TEXT NOT NULL, -- JSON array of column names
    purpose     TEXT NOT NULL,
    method      TEXT NOT NULL, -- export, analysis, …
    valid_from  TEXT NOT NULL, -- YYYY-MM-DD, Asia/Shanghai
    valid_until TEXT NOT NULL,
    status      TEXT NOT NULL, -- submitted, approved, rejected, revoked
    applied_at  TIMESTAMPTZ NOT NULL,
    decided_by  TEXT NOT NULL DEFAULT '',
    decided_at  TIMESTAMPTZ,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX node_use_applications_login ON node_use_applications (login, applied_at);

-- Every read of personal data: who, under which grant, how many rows.
CREATE TABLE node_data_reads (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login       TEXT NOT NULL,
    application TEXT NOT NULL,
    dataset     TEXT NOT NULL,
    fields      TEXT NOT NULL,
    rows_read   INTEGER NOT NULL,
    outcome     TEXT NOT NULL, -- served, refused, blocked
    read_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX node_data_reads_login ON node_data_reads (login, read_at);

-- Alerts of abnormal reads, until security staff clear them.
CREATE TABLE node_read_alerts (
    id          TEXT PRIMARY KEY,
    login       TEXT NOT NULL,
    rows_asked  INTEGER NOT NULL,
    rows_today  INTEGER NOT NULL,
    threshold   INTEGER NOT NULL,
    baseline    INTEGER NOT NULL,
    reason      TEXT NOT NULL, -- threshold, baseline
    raised_at   TIMESTAMPTZ NOT NULL,
    notified    TEXT NOT NULL DEFAULT '', -- the webhook's outcome
    cleared_by  TEXT NOT NULL DEFAULT '',
    cleared_at  TIMESTAMPTZ,
    clear_note  TEXT NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE node_read_alerts;
DROP TABLE node_data_reads;
DROP TABLE node_use_applications;
ALTER TABLE node_datasets DROP COLUMN domain;
ALTER TABLE node_accounts DROP COLUMN reads_blocked_at;
ALTER TABLE node_accounts DROP COLUMN domains;
