-- +goose Up
-- The platform's settings that must not change once chosen: the
-- cryptography profile (default or gm), under which its keys are sealed
-- and its log signed.
CREATE TABLE platform_settings (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE platform_settings;
