-- +goose Up
-- Compensation of the people an incident affected (X-P6: notify,
-- remediate, compensate; PIPL Art. 69): how many were compensated, the
-- total in fen, and how — or, with none, why not (no loss claimed, claims
-- still being assessed). Recorded as a step, logged like the others.
ALTER TABLE incidents ADD COLUMN compensated_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN compensation_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN compensation_note TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN compensated_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE incidents DROP COLUMN compensated_at;
ALTER TABLE incidents DROP COLUMN compensation_note;
ALTER TABLE incidents DROP COLUMN compensation_fen;
ALTER TABLE incidents DROP COLUMN compensated_count;
