-- +goose Up
-- Disputes between the members of an order (X-G4), mediated by the
-- operator from the business log: the records concerned, extracted with
-- their inclusion proofs, the mediation's notes and the outcome. A member
-- reporting a dispute that affects the exchange suspends the order in the
-- transaction that records it.
CREATE TABLE order_disputes (
    id           TEXT PRIMARY KEY,
    order_id     TEXT NOT NULL,
    party_id     TEXT NOT NULL, -- the member who opened it
    other_id     TEXT NOT NULL, -- the order's other member
    reason       TEXT NOT NULL,
    suspended    BOOLEAN NOT NULL,
    opened_by    TEXT NOT NULL,
    opened_at    TIMESTAMPTZ NOT NULL,
    status       TEXT NOT NULL, -- open, settled
    evidence     TEXT NOT NULL DEFAULT '', -- receipts as JSON
    evidence_at  TIMESTAMPTZ,
    notes        TEXT NOT NULL DEFAULT '[]', -- the mediation's notes as JSON
    outcome      TEXT NOT NULL DEFAULT '',
    settled_by   TEXT NOT NULL DEFAULT '',
    settled_at   TIMESTAMPTZ
);
CREATE INDEX order_disputes_order ON order_disputes (order_id, opened_at);
CREATE INDEX order_disputes_status ON order_disputes (status, opened_at);

-- +goose Down
DROP TABLE order_disputes;
