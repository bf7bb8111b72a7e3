-- +goose Up
-- One-time codes for entering the privacy centre by a mobile number or an
-- e-mail address the person controls. The address is kept only as a MAC
-- (for the per-address limit) and sealed (to compute the person's exID once
-- the code is right); the code only as a MAC. Rows live ten minutes.
CREATE TABLE node_privacy_codes (
    id          TEXT PRIMARY KEY,
    channel     TEXT NOT NULL, -- mobile, email
    address_mac BYTEA NOT NULL,
    sealed      BYTEA NOT NULL,
    code_mac    BYTEA NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX node_privacy_codes_address ON node_privacy_codes (address_mac, created_at);
CREATE INDEX node_privacy_codes_expiry ON node_privacy_codes (expires_at);

-- +goose Down
DROP TABLE node_privacy_codes;
