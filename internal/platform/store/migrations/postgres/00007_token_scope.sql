-- +goose Up
-- An API token is scoped to the services it may call and expires; tokens
-- made before scopes existed keep their account's full rights and, with no
-- expiry stored, live a year from their creation (store.LegacyTokenTTL).
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'all';
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE api_tokens DROP COLUMN expires_at;
ALTER TABLE api_tokens DROP COLUMN scope;
