-- +goose Up
-- Third parties and entrusted processors (C-10, P-7): assessed before
-- selection, contracted on terms that name purpose, scope, ownership,
-- security, confidentiality, liability and disposal at the end, audited,
-- terminated with the data's disposal; a cross-border one with its
-- outbound-transfer route. The register feeds the third-party sharing list
-- the member publishes.
CREATE TABLE node_third_parties (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    uscc           TEXT NOT NULL DEFAULT '',
    kind           TEXT NOT NULL, -- recipient, processor
    purpose        TEXT NOT NULL,
    fields         TEXT NOT NULL, -- JSON array
    method         TEXT NOT NULL,
    region         TEXT NOT NULL, -- where it processes the data
    cross_border   BOOLEAN NOT NULL,
    route          TEXT NOT NULL DEFAULT '', -- standard_contract, certification, security_assessment
    assessment     TEXT NOT NULL,
    assessment_ok  BOOLEAN NOT NULL,
    assessed_by    TEXT NOT NULL,
    assessed_at    TIMESTAMP NOT NULL,
    terms          TEXT NOT NULL DEFAULT '{}', -- JSON: purpose, scope, ownership, security, confidentiality, liability, disposal
    status         TEXT NOT NULL, -- assessed, rejected, contracted, terminated
    contracted_by  TEXT NOT NULL DEFAULT '',
    contracted_at  TIMESTAMP,
    terminated_at  TIMESTAMP,
    termination    TEXT NOT NULL DEFAULT '',
    disposal       TEXT NOT NULL DEFAULT ''
);

CREATE TABLE node_third_party_audits (
    id         TEXT PRIMARY KEY,
    party_id   TEXT NOT NULL REFERENCES node_third_parties (id),
    audited_at TIMESTAMP NOT NULL,
    auditor    TEXT NOT NULL,
    finding    TEXT NOT NULL,
    passed     BOOLEAN NOT NULL
);
CREATE INDEX node_third_party_audits_party ON node_third_party_audits (party_id, audited_at);

-- +goose Down
DROP TABLE node_third_party_audits;
DROP TABLE node_third_parties;
