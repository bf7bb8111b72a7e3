-- +goose Up
-- Data governance on the node, first: who may do what, and collection
-- (C-2, C-5, C-6, C-8 of 《消费数据采集管理办法》).

-- An account's roles, comma-separated: admin (the node's administration),
-- committee (the data management committee, which approves collection
-- plans), security, staff. Accounts made before roles existed could do
-- everything: they stay administrators and committee members.
ALTER TABLE node_accounts ADD COLUMN roles TEXT NOT NULL DEFAULT 'admin,committee';

-- Collection plans (C-2): the needs assessment and the plan, approved by
-- the committee before anything is collected under it.
CREATE TABLE node_collection_plans (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    purpose       TEXT NOT NULL,
    serves        TEXT NOT NULL, -- how the data serves the purpose
    necessity     TEXT NOT NULL, -- why it is necessary
    scenario      TEXT NOT NULL DEFAULT '', -- an app type or scenario of the necessity catalogue
    sources       TEXT NOT NULL, -- JSON array
    methods       TEXT NOT NULL, -- JSON array: online_form, system_log, offline_questionnaire, sensor, wifi_probe
    frequency     TEXT NOT NULL,
    formats       TEXT NOT NULL, -- JSON array
    fields        TEXT NOT NULL, -- JSON array of {name, required, id_type}
    findings      TEXT NOT NULL, -- JSON array: the necessity check's findings
    valid_from    TEXT NOT NULL, -- YYYY-MM-DD, Asia/Shanghai
    valid_until   TEXT NOT NULL,
    status        TEXT NOT NULL, -- submitted, approved, rejected, retired
    proposed_by   TEXT NOT NULL,
    proposed_at   TIMESTAMP NOT NULL,
    decided_by    TEXT NOT NULL DEFAULT '',
    decided_at    TIMESTAMP,
    decision_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX node_collection_plans_status ON node_collection_plans (status, proposed_at);

-- Collection records (C-6): every batch, linked to its approved plan, with
-- its time, collector, place and source, what validation, cleaning and
-- de-duplication did (C-5) and the quality report (C-8). The batch's
-- personal data is not kept here: only the digest of the cleaned output.
CREATE TABLE node_collection_batches (
    id            TEXT PRIMARY KEY,
    plan_id       TEXT NOT NULL REFERENCES node_collection_plans (id),
    collected_at  TIMESTAMP NOT NULL,
    collector     TEXT NOT NULL,
    place         TEXT NOT NULL,
    source        TEXT NOT NULL,
    method        TEXT NOT NULL,
    rows_in       INTEGER NOT NULL,
    rows_kept     INTEGER NOT NULL,
    rows_invalid  INTEGER NOT NULL,
    duplicates    INTEGER NOT NULL,
    output_sha256 TEXT NOT NULL,
    quality       TEXT NOT NULL, -- JSON: completeness, validity, consistency across channels
    recorded_by   TEXT NOT NULL,
    recorded_at   TIMESTAMP NOT NULL
);
CREATE INDEX node_collection_batches_plan ON node_collection_batches (plan_id, collected_at);

-- +goose Down
DROP TABLE node_collection_batches;
DROP TABLE node_collection_plans;
ALTER TABLE node_accounts DROP COLUMN roles;
