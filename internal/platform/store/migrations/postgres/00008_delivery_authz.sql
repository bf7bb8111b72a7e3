-- +goose Up
-- X-E10: a delivery under an order whose listing names a verification
-- method carries one commitment per token to the subject's query
-- authorisation; the platform keeps their SHA-256 (hex) and the level the
-- demander declared, and logs them. '' and 0 where none was sent.
ALTER TABLE deliveries ADD COLUMN authz_sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN authz_level INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE deliveries DROP COLUMN authz_level;
ALTER TABLE deliveries DROP COLUMN authz_sha256;
