-- +goose Up
-- The consent ledger (PIPL; X-P1, P-8, S-3). Privacy notices are versioned:
-- each version lists its purposes one by one with the categories, methods,
-- recipients, retention and any cross-border transfer (S-1, S-2).
CREATE TABLE node_notices (
    version      INTEGER PRIMARY KEY,
    body         TEXT NOT NULL, -- the notice as JSON (consent.Notice)
    published_at TIMESTAMPTZ NOT NULL,
    published_by TEXT NOT NULL
);

-- One history per subject and purpose, append-only: every giving,
-- withdrawal, opt-out and invalidation, each chained to the one before by
-- its hash, so that the ledger's history verifies.
CREATE TABLE node_consent_events (
    seq            BIGINT PRIMARY KEY,
    exid           BYTEA NOT NULL,
    purpose        TEXT NOT NULL,
    action         TEXT NOT NULL,
    basis          TEXT NOT NULL,
    notice_version INTEGER NOT NULL,
    method         TEXT NOT NULL,
    evidence       TEXT NOT NULL,
    separate       BOOLEAN NOT NULL,
    minor          BOOLEAN NOT NULL,
    guardian       BOOLEAN NOT NULL,
    at             TIMESTAMPTZ NOT NULL,
    recorded_at    TIMESTAMPTZ NOT NULL,
    recorded_by    TEXT NOT NULL,
    prev_hash      BYTEA NOT NULL,
    hash           BYTEA NOT NULL
);
CREATE INDEX node_consent_events_subject ON node_consent_events (exid, purpose, seq);

-- The state each history ends in: what a delivery reads.
CREATE TABLE node_consents (
    exid           BYTEA NOT NULL,
    purpose        TEXT NOT NULL,
    state          TEXT NOT NULL, -- active, withdrawn, opted_out, invalidated
    basis          TEXT NOT NULL,
    notice_version INTEGER NOT NULL,
    third_party    BOOLEAN NOT NULL, -- covers provision to a third party (separate consent, PIPL Art. 23)
    seq            BIGINT NOT NULL,
    PRIMARY KEY (exid, purpose)
);
CREATE INDEX node_consents_purpose ON node_consents (purpose, state);

-- Which purpose of the notice an order's confirmed purpose (X-P7) is.
CREATE TABLE node_order_purposes (
    order_id TEXT PRIMARY KEY,
    purpose  TEXT NOT NULL,
    bound_by TEXT NOT NULL,
    bound_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE node_order_purposes;
DROP TABLE node_consents;
DROP TABLE node_consent_events;
DROP TABLE node_notices;
