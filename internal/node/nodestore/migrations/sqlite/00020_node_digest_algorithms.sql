-- +goose Up
-- A collection batch's output digest is SHA-256, or SM3 on a node of the
-- 国密 profile: the algorithm is recorded beside it.
ALTER TABLE node_collection_batches ADD COLUMN output_hash_alg TEXT NOT NULL DEFAULT 'sha256';

-- +goose Down
ALTER TABLE node_collection_batches DROP COLUMN output_hash_alg;
