-- +goose Up
-- A person's complaint handed over by the node to the exchange operator
-- (X-G3, X-P5): the platform's complaint ID and the code the person
-- follows it with (the platform keeps only its hash; the node keeps it so
-- that the person finds it in the centre), and when it was handed over.
ALTER TABLE node_subject_requests ADD COLUMN escalated_id TEXT NOT NULL DEFAULT '';
ALTER TABLE node_subject_requests ADD COLUMN escalated_code TEXT NOT NULL DEFAULT '';
ALTER TABLE node_subject_requests ADD COLUMN escalated_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE node_subject_requests DROP COLUMN escalated_at;
ALTER TABLE node_subject_requests DROP COLUMN escalated_code;
ALTER TABLE node_subject_requests DROP COLUMN escalated_id;
