-- +goose Up
-- Corrections (X-S2) are statements too: a new row that names the
-- statement it corrects and the root of its chain, with the chain's
-- credits; the statement corrected is never changed.
ALTER TABLE statements ADD COLUMN root_id TEXT NOT NULL DEFAULT '';
ALTER TABLE statements ADD COLUMN corrects TEXT NOT NULL DEFAULT '';
ALTER TABLE statements ADD COLUMN dispute_id TEXT NOT NULL DEFAULT '';
ALTER TABLE statements ADD COLUMN adjustments TEXT NOT NULL DEFAULT '';
ALTER TABLE statements ADD COLUMN adjustments_sha256 TEXT NOT NULL DEFAULT '';
UPDATE statements SET root_id = id;
CREATE INDEX statements_root ON statements (root_id, issued_at);
CREATE UNIQUE INDEX statements_corrects ON statements (corrects) WHERE corrects <> '';

-- The operator's settlement terms: how many working days after the
-- statement day a party may dispute it. One row.
CREATE TABLE settlement_terms (
    id                   INTEGER PRIMARY KEY CHECK (id = 1),
    dispute_working_days INTEGER NOT NULL,
    updated_by           TEXT NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);

-- Disputes of a statement or one of its lines, and the operator's answer
-- with the log entries concerned and their inclusion proofs (receipts).
CREATE TABLE statement_disputes (
    id            TEXT PRIMARY KEY,
    statement_id  TEXT NOT NULL,
    root_id       TEXT NOT NULL,
    order_id      TEXT NOT NULL DEFAULT '',
    party_id      TEXT NOT NULL,
    reason        TEXT NOT NULL,
    opened_by     TEXT NOT NULL,
    opened_at     TIMESTAMPTZ NOT NULL,
    seq           BIGINT NOT NULL,
    status        TEXT NOT NULL,
    answer        TEXT NOT NULL DEFAULT '',
    answered_by   TEXT NOT NULL DEFAULT '',
    answered_at   TIMESTAMPTZ,
    evidence      TEXT NOT NULL DEFAULT '',
    correction_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX statement_disputes_root ON statement_disputes (root_id, opened_at);
CREATE INDEX statement_disputes_open ON statement_disputes (status, opened_at);

-- Payouts to suppliers (X-S4), one per statement chain: the supplier's
-- confirmation of the chain's final amount, its VAT special invoice, the
-- operator's receipt of it, the due date five working days after, the
-- payment, and when it was flagged overdue. Dates are Beijing dates.
CREATE TABLE payouts (
    root_id            TEXT PRIMARY KEY,
    statement_id       TEXT NOT NULL,
    supplier_id        TEXT NOT NULL,
    amount_fen         BIGINT NOT NULL,
    confirmed_by       TEXT NOT NULL,
    confirmed_at       TIMESTAMPTZ NOT NULL,
    invoice_code       TEXT NOT NULL DEFAULT '',
    invoice_number     TEXT NOT NULL DEFAULT '',
    invoice_amount_fen BIGINT NOT NULL DEFAULT 0,
    invoice_tax_fen    BIGINT NOT NULL DEFAULT 0,
    invoice_date       TEXT NOT NULL DEFAULT '',
    invoiced_at        TIMESTAMPTZ,
    received_on        TEXT NOT NULL DEFAULT '',
    due_on             TEXT NOT NULL DEFAULT '',
    paid_on            TEXT NOT NULL DEFAULT '',
    payment_reference  TEXT NOT NULL DEFAULT '',
    paid_at            TIMESTAMPTZ,
    overdue_at         TIMESTAMPTZ
);
CREATE INDEX payouts_supplier ON payouts (supplier_id, confirmed_at);
CREATE UNIQUE INDEX payouts_invoice ON payouts (invoice_code, invoice_number) WHERE invoice_number <> '';

-- +goose Down
DROP TABLE payouts;
DROP TABLE statement_disputes;
DROP TABLE settlement_terms;
DROP INDEX statements_corrects;
DROP INDEX statements_root;
ALTER TABLE statements DROP COLUMN adjustments_sha256;
ALTER TABLE statements DROP COLUMN adjustments;
ALTER TABLE statements DROP COLUMN dispute_id;
ALTER TABLE statements DROP COLUMN corrects;
ALTER TABLE statements DROP COLUMN root_id;
