-- +goose Up
-- A complaint may concern a listing (X-G3): accepting it suspends the
-- listing and every order under it; the orders suspended are kept, so that
-- restoring resumes exactly them.
ALTER TABLE complaints ADD COLUMN listing_id TEXT NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN suspended_orders TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE complaints DROP COLUMN suspended_orders;
ALTER TABLE complaints DROP COLUMN listing_id;
