-- +goose Up
-- Notices of corrections and deletions a supplier's node sends to the
-- demander of an order that received the data (X-P4, O-4). The notice is
-- sealed to the demander's node: the platform keeps the ciphertext until
-- the demander attests that it applied it, and learns only the order, the
-- action and how many subjects it names.
CREATE TABLE rectifications (
    notice_id     TEXT PRIMARY KEY,
    order_id      TEXT NOT NULL REFERENCES orders (id),
    supplier      TEXT NOT NULL REFERENCES members (id),
    demander      TEXT NOT NULL REFERENCES members (id),
    action        TEXT NOT NULL, -- delete, correct
    subjects      INTEGER NOT NULL,
    sealed        BLOB NOT NULL,
    authenticator BLOB NOT NULL,
    sent_seq      INTEGER NOT NULL,
    sent_at       TIMESTAMP NOT NULL,
    applied       INTEGER NOT NULL DEFAULT 0,
    absent        INTEGER NOT NULL DEFAULT 0,
    applied_seq   INTEGER,
    applied_at    TIMESTAMP
);
CREATE INDEX rectifications_pending ON rectifications (demander, sent_seq) WHERE applied_at IS NULL;
CREATE INDEX rectifications_order ON rectifications (order_id, sent_seq);

-- +goose Down
DROP TABLE rectifications;
