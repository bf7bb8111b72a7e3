-- +goose Up
-- Inspections (C-14): the quarterly checklist and special inspections after
-- an incident or a complaint; each item's result with its evidence; each
-- failed item a finding, tracked until its remediation is recorded.
CREATE TABLE node_inspections (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL, -- quarterly, special
    quarter     TEXT NOT NULL DEFAULT '', -- YYYY-Qn, quarterly ones
    trigger_ref TEXT NOT NULL DEFAULT '', -- the incident or complaint a special one follows
    items       TEXT NOT NULL, -- JSON: each item's code, result and evidence
    run_by      TEXT NOT NULL,
    run_at      TIMESTAMP NOT NULL
);
CREATE INDEX node_inspections_run ON node_inspections (run_at);

CREATE TABLE node_inspection_findings (
    id            TEXT PRIMARY KEY,
    inspection_id TEXT NOT NULL REFERENCES node_inspections (id),
    item          TEXT NOT NULL,
    evidence      TEXT NOT NULL,
    owner         TEXT NOT NULL DEFAULT '',
    due_on        TEXT NOT NULL DEFAULT '', -- YYYY-MM-DD, Asia/Shanghai
    remedied_by   TEXT NOT NULL DEFAULT '',
    remedied_at   TIMESTAMP,
    remedy        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX node_inspection_findings_open ON node_inspection_findings (inspection_id);

-- +goose Down
DROP TABLE node_inspection_findings;
DROP TABLE node_inspections;
