-- +goose Up
-- A complaint may concern a listing or a member as a whole (X-G3):
-- accepting it suspends the listing (or the member's published listings)
-- and every active order under them; what was suspended is kept, so that
-- restoring resumes exactly that.
ALTER TABLE complaints ADD COLUMN listing_id TEXT NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN member_id TEXT NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN suspended_orders TEXT NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN suspended_listings TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE complaints DROP COLUMN suspended_listings;
ALTER TABLE complaints DROP COLUMN suspended_orders;
ALTER TABLE complaints DROP COLUMN member_id;
ALTER TABLE complaints DROP COLUMN listing_id;
