-- +goose Up
-- Digests named for what they hold, not for one hash: under the 国密
-- profile they are SM3. A statement and an evidence file record which
-- hash made theirs (the platform's profile never changes, but a verifier
-- reading one row should not need to know it).
ALTER TABLE statements RENAME COLUMN lines_sha256 TO lines_digest;
ALTER TABLE statements RENAME COLUMN adjustments_sha256 TO adjustments_digest;
ALTER TABLE statements ADD COLUMN hash TEXT NOT NULL DEFAULT 'sha256';
ALTER TABLE complaints RENAME COLUMN code_sha256 TO code_digest;
ALTER TABLE complaint_evidence RENAME COLUMN sha256 TO digest;
ALTER TABLE complaint_evidence ADD COLUMN hash TEXT NOT NULL DEFAULT 'sha256';
ALTER TABLE deliveries RENAME COLUMN tokens_sha256 TO tokens_digest;
ALTER TABLE deliveries RENAME COLUMN authz_sha256 TO authz_digest;

-- +goose Down
ALTER TABLE deliveries RENAME COLUMN authz_digest TO authz_sha256;
ALTER TABLE deliveries RENAME COLUMN tokens_digest TO tokens_sha256;
ALTER TABLE complaint_evidence DROP COLUMN hash;
ALTER TABLE complaint_evidence RENAME COLUMN digest TO sha256;
ALTER TABLE complaints RENAME COLUMN code_digest TO code_sha256;
ALTER TABLE statements DROP COLUMN hash;
ALTER TABLE statements RENAME COLUMN adjustments_digest TO adjustments_sha256;
ALTER TABLE statements RENAME COLUMN lines_digest TO lines_sha256;
