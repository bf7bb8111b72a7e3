-- +goose Up
-- Monthly statements (数据互联结算单, X-S1): one per month and pair of
-- members, computed from the business log's delivery entries, signed with
-- the log's key and recorded in the log; never edited (a correction will
-- be a new statement linked to this one).
CREATE TABLE statements (
    id           TEXT PRIMARY KEY,
    month        TEXT NOT NULL,
    demander_id  TEXT NOT NULL,
    supplier_id  TEXT NOT NULL,
    total_fen    BIGINT NOT NULL,
    lines        TEXT NOT NULL,
    lines_sha256 TEXT NOT NULL,
    signature    TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    issued_at    TIMESTAMP NOT NULL
);
CREATE INDEX statements_month ON statements (month);
CREATE INDEX statements_demander ON statements (demander_id, month);
CREATE INDEX statements_supplier ON statements (supplier_id, month);

-- +goose Down
DROP TABLE statements;
