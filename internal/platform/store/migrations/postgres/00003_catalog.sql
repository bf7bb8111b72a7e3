-- +goose Up
-- Reference data (tag taxonomy, industry classification) is versioned; the
-- newest version of a kind is in force.
CREATE TABLE reference_data (
    kind       TEXT NOT NULL,
    version    TEXT NOT NULL,
    body       BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (kind, version)
);

-- A listing's six elements are kept as one JSON document (body); the
-- columns beside it are what search, quotes and tenant checks read.
CREATE TABLE listings (
    id              TEXT PRIMARY KEY,
    member_id       TEXT NOT NULL REFERENCES members (id),
    kind            TEXT NOT NULL,
    title           TEXT NOT NULL,
    status          TEXT NOT NULL,
    version         INTEGER NOT NULL,
    search_text     TEXT NOT NULL,
    source_industry TEXT NOT NULL,
    billing_mode    TEXT NOT NULL,
    unit_price_fen  BIGINT NOT NULL,
    body            BYTEA NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    published_at    TIMESTAMPTZ
);
CREATE INDEX listings_member ON listings (member_id, updated_at);
CREATE INDEX listings_status ON listings (status, updated_at);

CREATE TABLE listing_tags (
    listing_id TEXT NOT NULL REFERENCES listings (id),
    key        TEXT NOT NULL,
    name       TEXT NOT NULL,
    category   TEXT NOT NULL,
    PRIMARY KEY (listing_id, key)
);
CREATE INDEX listing_tags_category ON listing_tags (category);

-- +goose Down
DROP TABLE listing_tags;
DROP TABLE listings;
DROP TABLE reference_data;
