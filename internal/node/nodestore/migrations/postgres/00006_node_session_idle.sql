-- +goose Up
-- A console session ends after 30 minutes without use besides its absolute
-- lifetime: seen_at is when it was last used (to the minute).
ALTER TABLE node_sessions ADD COLUMN seen_at TIMESTAMPTZ;
UPDATE node_sessions SET seen_at = created_at;

-- +goose Down
ALTER TABLE node_sessions DROP COLUMN seen_at;
