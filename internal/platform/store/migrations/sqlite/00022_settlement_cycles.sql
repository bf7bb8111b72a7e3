-- +goose Up
-- Settlement cycles pairs of members agree (X-S1: 如需调整结算周期，由双方
-- 另行协商): one member proposes a cycle of 1, 2, 3, 6 or 12 months from a
-- month on, the other accepts or declines. The pair is kept in ID order
-- (member_a < member_b): one agreement covers both directions.
CREATE TABLE settlement_cycles (
    id           TEXT PRIMARY KEY,
    member_a     TEXT NOT NULL REFERENCES members (id),
    member_b     TEXT NOT NULL REFERENCES members (id),
    proposer_id  TEXT NOT NULL, -- member_a or member_b
    months       INTEGER NOT NULL,
    from_month   TEXT NOT NULL, -- YYYY-MM
    note         TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL, -- proposed, agreed, declined
    proposed_by  TEXT NOT NULL,
    proposed_at  TIMESTAMP NOT NULL,
    answered_by  TEXT NOT NULL DEFAULT '',
    answered_at  TIMESTAMP,
    CHECK (member_a < member_b)
);
CREATE INDEX settlement_cycles_a ON settlement_cycles (member_a, proposed_at);
CREATE INDEX settlement_cycles_b ON settlement_cycles (member_b, proposed_at);
CREATE INDEX settlement_cycles_agreed ON settlement_cycles (status, answered_at);

-- A statement of a period of several months names its first month.
ALTER TABLE statements ADD COLUMN from_month TEXT NOT NULL DEFAULT '';

-- A month's statement run, recorded in the transaction that issues its
-- statements: a month in which no period ends issues none, and is not read
-- again either.
CREATE TABLE statement_runs (
    month      TEXT PRIMARY KEY,
    issued_at  TIMESTAMP NOT NULL,
    statements INTEGER NOT NULL
);

-- +goose Down
DROP TABLE statement_runs;
ALTER TABLE statements DROP COLUMN from_month;
DROP TABLE settlement_cycles;
