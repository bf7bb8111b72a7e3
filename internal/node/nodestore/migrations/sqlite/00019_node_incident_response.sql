-- +goose Up
-- Incident response on the member's node (C-13): the response plan, in
-- versions; the drills that exercise it; and the evidence of an incident,
-- preserved by its digest (SHA-256, or SM3 under the 国密 profile) so that
-- a later copy can be shown unchanged.
CREATE TABLE node_response_plans (
    version      INTEGER PRIMARY KEY,
    body         TEXT NOT NULL, -- JSON: response.Plan
    published_at TIMESTAMP NOT NULL,
    published_by TEXT NOT NULL
);

CREATE TABLE node_drills (
    id           TEXT PRIMARY KEY,
    plan_version INTEGER NOT NULL REFERENCES node_response_plans (version),
    held_on      TEXT NOT NULL, -- YYYY-MM-DD, Asia/Shanghai
    body         TEXT NOT NULL, -- JSON: response.Drill
    recorded_by  TEXT NOT NULL,
    recorded_at  TIMESTAMP NOT NULL
);
CREATE INDEX node_drills_held ON node_drills (held_on);

CREATE TABLE node_evidence (
    id          TEXT PRIMARY KEY,
    incident    TEXT NOT NULL, -- the platform's incident ID, or the member's own reference
    name        TEXT NOT NULL,
    bytes       INTEGER NOT NULL,
    hash_alg    TEXT NOT NULL, -- sha256, or sm3 under the 国密 profile
    digest      TEXT NOT NULL, -- hex
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    UNIQUE (incident, name)
);

-- +goose Down
DROP TABLE node_evidence;
DROP TABLE node_drills;
DROP TABLE node_response_plans;
