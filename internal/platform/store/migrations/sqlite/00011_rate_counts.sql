-- +goose Up
-- Counters for the anonymous doors (applications, password attempts), per
-- client address and per network, kept here so that every replica of the
-- platform counts against one budget. A key is the SHA-256 of the door and
-- the address or network, not the address itself; rows live for their
-- window and are then deleted.
CREATE TABLE rate_counts (
    key          TEXT NOT NULL,
    window_start TIMESTAMP NOT NULL,
    hits         BIGINT NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_counts_expiry ON rate_counts (expires_at);

-- +goose Down
DROP TABLE rate_counts;
