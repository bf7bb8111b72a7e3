-- +goose Up
-- Technical halts (X-H1): the whole platform, a member, a listing or a
-- tag category, with the cause and the public notice; lifted in place.
CREATE TABLE halts (
    id         TEXT PRIMARY KEY,
    scope      TEXT NOT NULL,
    target     TEXT NOT NULL DEFAULT '',
    cause      TEXT NOT NULL,
    notice     TEXT NOT NULL,
    started_by TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    lifted_by  TEXT NOT NULL DEFAULT '',
    lifted_at  TIMESTAMPTZ
);
CREATE INDEX halts_active ON halts (started_at) WHERE lifted_at IS NULL;

-- Sanctions (X-V1, X-G2), by severity: warning, order to correct,
-- suspension of service, termination. A suspension may be lifted.
CREATE TABLE sanctions (
    id            TEXT PRIMARY KEY,
    member_id     TEXT NOT NULL REFERENCES members (id),
    kind          TEXT NOT NULL,
    public        BOOLEAN NOT NULL DEFAULT FALSE,
    basis         TEXT NOT NULL,
    reason        TEXT NOT NULL,
    authority_ref TEXT NOT NULL DEFAULT '',
    correct_by    TEXT NOT NULL DEFAULT '',
    imposed_by    TEXT NOT NULL,
    imposed_at    TIMESTAMPTZ NOT NULL,
    lifted_by     TEXT NOT NULL DEFAULT '',
    lifted_at     TIMESTAMPTZ
);
CREATE INDEX sanctions_member ON sanctions (member_id, imposed_at);

-- Notices to a member (its console inbox; the webhook hears of each from
-- the outbox written in the same transaction).
CREATE TABLE notices (
    id         TEXT PRIMARY KEY,
    member_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    object     TEXT NOT NULL DEFAULT '',
    title_zh   TEXT NOT NULL,
    title_en   TEXT NOT NULL,
    body       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    read_at    TIMESTAMPTZ
);
CREATE INDEX notices_member ON notices (member_id, created_at);

-- +goose Down
DROP TABLE notices;
DROP TABLE sanctions;
DROP TABLE halts;
