-- +goose Up
-- Alarms a witness raised about the log (X-G1): the first entry found to
-- differ and why, as the witness reported them. The witness keeps its own
-- record too; this one lets the regulator's console show it.
CREATE TABLE log_witness_alarms (
    witness     TEXT NOT NULL REFERENCES log_witnesses (name),
    at          TIMESTAMPTZ NOT NULL,
    first_index BIGINT NOT NULL,
    reason      TEXT NOT NULL
);
CREATE INDEX log_witness_alarms_witness ON log_witness_alarms (witness, at);

-- +goose Down
DROP TABLE log_witness_alarms;
